"""Text for the audit page: every string from the log goes through ``text`` (escaped, control bytes made visible),
and times and spans are written one way everywhere. Anchors are derived from stream names without collisions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape
from typing import Final

_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UNSAFE_IN_ID: Final = re.compile(r"[^A-Za-z0-9-]")


def text(value: object) -> str:
    """``value`` as HTML text or attribute content: escaped (quotes too), control characters shown as ``\\xNN``."""
    return escape(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value)), quote=True)


def time(at: datetime) -> str:
    """An absolute time in UTC, ISO 8601 with ``Z``: ``2026-01-01T00:01:00Z``."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def span(delta: timedelta) -> str:
    """A duration for people: ``0 s``, ``60.3 s``, ``5 min``, ``1 h 30 min``, ``3 d``; negative with a minus."""
    if delta < timedelta(0):
        return "-" + span(-delta)
    seconds = delta.total_seconds()
    if seconds < 120:
        return f"{round(seconds, 1):g} s"
    parts = []
    whole = int(seconds)
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1)):
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count} {unit}")
    return " ".join(parts)


def anchor(stream: str) -> str:
    """The page id of a payment's section: ``pay-`` and the stream name, any character other than a letter, a digit
    or ``-`` written as ``_`` and its code point in hex, so two streams never share an id."""
    return "pay-" + _UNSAFE_IN_ID.sub(lambda m: f"_{ord(m.group()):x}_", stream)


def row_anchor(stream: str, version: int) -> str:
    """The page id of one event's row in a payment's timeline: ``_v`` never occurs in a section's id (an
    ``_`` there is followed by hex digits), so a row's id cannot be another payment's."""
    return f"{anchor(stream)}_v{version}"
