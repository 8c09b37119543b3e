"""The evidence: one exchange with a provider, exactly as it happened (after redaction)."""

from __future__ import annotations

from typing import Literal, TypeAlias

import msgspec

from ._time import UtcDatetime, check_utc

Operation: TypeAlias = Literal["charge", "validate", "poll", "requery", "webhook"]
OPERATIONS: tuple[Operation, ...] = ("charge", "validate", "poll", "requery", "webhook")

TransportError: TypeAlias = str
"""A short word for a failure below HTTP: "timeout", "connect", "reset" (others are kept as given)."""


class Wire(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One request/answer pair with a provider.

    ``status`` is None when no response arrived (then ``error`` says why). ``received_at`` is when the answer,
    or the transport failure, was observed; an event built from a wire has ``at == wire.received_at``.
    Header names are lower-case. Events hold only redacted wires.
    """

    operation: Operation
    sent_at: UtcDatetime
    received_at: UtcDatetime
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    error: TransportError | None = None
    url: str = ""
    method: str = ""

    def __post_init__(self) -> None:
        check_utc(self.sent_at, "Wire.sent_at")
        check_utc(self.received_at, "Wire.received_at")
        if self.received_at < self.sent_at:
            raise ValueError(
                f"Wire.received_at {self.received_at.isoformat()} is before sent_at {self.sent_at.isoformat()}"
            )
        if self.status is not None and not 100 <= self.status <= 999:
            raise ValueError(f"Wire.status must be an HTTP status (100-999) or None, got {self.status}")
        for name, _ in self.headers:
            if name != name.lower():
                raise ValueError(f"Wire.headers names must be lower-case, got {name!r}")

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (matched without regard to case), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None
