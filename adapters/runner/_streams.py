"""Stream health as the runner sees it: version gaps, endless conflicts, answers no adapter could read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec

from payfold import ConcurrencyConflict, Event, PayfoldError, Record, Wire
from payfold.adapters.wire.gateway import unanswered
from payfold.adapters.wire.redact import redact_url

CONFLICT_RETRIES: Final = 16
"""Version conflicts in a row on one stream before the runner gives up on it with ``StreamBroken``."""


class StreamBroken(PayfoldError):
    """The runner cannot advance ``stream``: its stored versions have a gap, its events do not fold, or appends to
    it kept conflicting (``detail`` says which). ``Runner.run`` logs it and skips the stream for the rest of the run.
    """

    def __init__(self, stream: str, detail: str) -> None:
        super().__init__(f"stream {stream!r}: {detail}")
        self.stream = stream
        self.detail = detail


def adapter_error(wire: Wire) -> Event:
    """What an answer the adapter could not translate stands for: nobody knows what it said.

    The same event an unreadable answer gets (``OutcomeUnknown`` for a charge or validate, ``RequeryFailed`` for a
    requery, ``PollFailed`` for a poll), with cause ``adapter_error``. The wire keeps its status, method, error,
    times and its url (redacted: no userinfo, no secret query parameter); its body and headers are dropped,
    because an adapter that failed redacted nothing.
    """
    return unanswered(msgspec.structs.replace(wire, headers=(), body=b"", url=redact_url(wire.url)), "adapter_error")


def check_versions(stream: str, records: Sequence[Record], *, after: int = 0) -> None:
    """Raise ``StreamBroken`` unless ``records`` hold versions ``after + 1``, ``after + 2``, ... with none missing."""
    for expected, record in enumerate(records, start=after + 1):
        if record.version != expected:
            found = f"version {record.version}" + (f" after version {expected - 1}" if expected > 1 else " first")
            raise StreamBroken(
                stream,
                f"version {expected} is missing (found {found}): no append can be placed in a log with a gap; "
                "check it with `payfold audit`",
            )


def too_many_conflicts(stream: str, last: ConcurrencyConflict | None) -> StreamBroken:
    """The ``StreamBroken`` for a stream whose appends conflicted ``CONFLICT_RETRIES`` times in a row."""
    seen = f" (the last: expected version {last.expected}, found {last.actual})" if last is not None else ""
    return StreamBroken(
        stream,
        f"gave up after {CONFLICT_RETRIES} version conflicts in a row{seen}: other writers keep moving it, or "
        "its stored versions disagree with its events; check it with `payfold audit`",
    )
