"""The runner: the imperative shell around payfold's pure core.

For each payment: read its events, fold, ask ``next_step``; when the step is due, append ``RequestSent`` (before
the I/O), call the provider over HTTP with the adapter's request and the policy's timeout on the whole exchange,
translate the answer (a timeout or a reset becomes the wire's ``error``) and append the event.

Decisions and facts are treated apart. A decision (``RequestSent``, a ``Conclude`` step) that loses a race
(``ConcurrencyConflict``) is dropped and derived again from a fresh read: another worker moved first. A fact (a
provider's answer, a webhook) is never dropped: it is appended at the stream's new head. Each ``RequestSent``
names its sender, so two workers' requests never share bytes; one the store absorbed as a duplicate is never sent.
Every timer is derived from the log (the store's due projection is written in the same transaction as the
events), so the loop survives restarts and several workers can share one store.

An idle loop sleeps until the next due time, and wakes at once when work arrives through the runner (``create``,
``deliver_webhook``, ``validate``, ``wake``) or, when the store offers it, from another process (``_wake``).

Modules: ``_runner`` (the ``Runner``), ``provider`` (what the runner needs of an adapter), ``transport`` (httpx),
``clock`` (system, scaled and virtual clocks), ``_committer`` (group commit), ``_streams`` (stream health),
``_wake`` (wake-ups), ``observe`` (log lines) and ``telemetry`` (OpenTelemetry spans and metrics).
"""

from payfold.adapters.runner._runner import Runner
from payfold.adapters.runner._streams import CONFLICT_RETRIES, StreamBroken, adapter_error, check_versions
from payfold.adapters.runner.observe import install_null_handler
from payfold.adapters.runner.provider import Provider, ProviderAdapter
from payfold.adapters.runner.stats import RunnerStats

install_null_handler()  # the ``payfold`` logger prints nothing until the app configures logging

__all__ = [
    "CONFLICT_RETRIES",
    "Provider",
    "ProviderAdapter",
    "Runner",
    "RunnerStats",
    "StreamBroken",
    "adapter_error",
    "check_versions",
]
