"""The runner's log lines: stdlib ``logging`` under ``payfold.runner``, each with structured fields (``extra=``).

payfold never configures logging: the ``payfold`` logger has a ``NullHandler`` (added when this package is
imported), so nothing is printed until the app configures handlers. Levels:

- INFO: each exchange with a provider, each webhook recorded, each verdict the runner concludes;
- WARNING: a lost race (``ConcurrencyConflict``), an adapter that raised on an answer, a work announcement the
  store could not send;
- ERROR: a stream the runner skips as broken, a fact that could not be recorded.

Fields (docs/observability.md): ``payment_id``, ``provider``, ``operation``, ``outcome``, ``latency_ms``,
``version``, and where they apply ``attempt``, ``status``, ``error``, ``cause``. Never a body, a header, a
credential or an exception's message (which may quote a body): ids, names, tags and numbers only.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Final

from payfold.adapters.runner.telemetry import Exchange

log: Final = logging.getLogger("payfold.runner")


def install_null_handler() -> None:
    """Give the ``payfold`` logger a ``NullHandler`` (once): a library leaves output to the app."""
    root = logging.getLogger("payfold")
    if not any(isinstance(handler, logging.NullHandler) for handler in root.handlers):
        root.addHandler(logging.NullHandler())


def exchanged(exchange: Exchange) -> None:
    """INFO: one exchange, with its answer's tag and latency."""
    if not log.isEnabledFor(logging.INFO):
        return
    answer = f"HTTP {exchange.status}" if exchange.status is not None else f"{exchange.error or 'no'} response"
    cause = f", {exchange.cause}" if exchange.cause else ""
    log.info(
        "%s %s %s #%d: %s (%s%s) in %.1f ms",
        exchange.payment_id,
        exchange.provider,
        exchange.operation,
        exchange.attempt,
        exchange.outcome,
        answer,
        cause,
        exchange.latency_ms or 0.0,
        extra=exchange.fields(),
    )


def recorded(payment_id: str, provider: str, operation: str, outcome: str, version: int) -> None:
    """INFO: an event that is not an exchange (a webhook, a verdict) was recorded at ``version``."""
    if log.isEnabledFor(logging.INFO):
        fields: dict[str, object] = {"payment_id": payment_id, "provider": provider, "operation": operation}
        fields |= {"outcome": outcome, "version": version}
        log.info("%s %s %s: %s (version %d)", payment_id, provider, operation, outcome, version, extra=fields)


def lost_race(payment_id: str, expected: int, what: str) -> None:
    """WARNING: another writer appended to the stream first (``what``: the decision is re-derived, the fact
    re-appended at the new head)."""
    log.warning(
        "%s: another writer moved the stream past version %d first; %s",
        payment_id,
        expected,
        what,
        extra={"payment_id": payment_id, "outcome": "conflict", "version": expected},
    )


def adapter_failed(
    payment_id: str, provider: str, operation: str, status: int | None, error: BaseException, request: str
) -> None:
    """WARNING: the adapter raised while translating an answer (a bug); it is recorded as ``adapter_error``. The
    exception's type and where it was raised are logged, not its message: it may quote the body. ``request`` is
    the method and redacted URL."""
    log.warning(
        "%s: the adapter could not translate a %s answer (status %s) from %s (%s): %s raised at %s; recorded as "
        "adapter_error",
        payment_id,
        operation,
        status,
        provider,
        request,
        type(error).__name__,
        _where(error.__traceback__),
        extra={
            "payment_id": payment_id,
            "provider": provider,
            "operation": operation,
            "outcome": "adapter_error",
            "status": status,
        },
    )


def _where(traceback: TracebackType | None) -> str:
    """``module:line in function`` of the innermost frame of ``traceback``."""
    if traceback is None:
        return "an unknown place"
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    frame = traceback.tb_frame
    module = frame.f_globals.get("__name__", frame.f_code.co_filename)
    return f"{module}:{traceback.tb_lineno} in {frame.f_code.co_name}"
