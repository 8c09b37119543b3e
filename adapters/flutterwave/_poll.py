"""Long requests: a ``?use_polling=1`` call answered ``LONG-REQ``, then ``GET <ping_url>`` answered ``REQSPONSE``.

Polling only says when Rave finished the request: a ``completed`` ping is no verdict (the inner response may
say ``02``, "Transaction in progress"), so a requery always follows.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Final

import msgspec

from payfold import Event, LongRequestStarted, OutcomeUnknown, PollCompleted, PollFailed, PollPending, Wire
from payfold.adapters.flutterwave._envelope import ANSWERED_OK, envelope, field, gateway_cause
from payfold.adapters.wire.fields import at_path, clip, first, obj
from payfold.adapters.wire.gateway import parse_json, too_deep
from payfold.adapters.wire.names import normalized_set
from payfold.adapters.wire.walk import redact_json

MAX_WAIT: Final = timedelta(hours=1)
"""``data.wait`` is read as milliseconds (the docs give no unit; 7468 s would be absurd) and cut to this."""

_encoder: Final = msgspec.json.Encoder()
_MILLIS_TEXT: Final = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,9})?")


def long_request(wire: Wire, value: object) -> Event:
    """``LONG-REQ``: poll ``ping_url`` (``data.ping_url`` or ``data.data.ping_url``) after ``data.wait``."""
    ping_url = (field(value, "ping_url") or "").strip()
    if not ping_url.lower().startswith(("https://", "http://", "/")):
        return OutcomeUnknown(at=wire.received_at, wire=wire, cause="long_request_without_ping_url")
    request_id = field(value, "REQUEST") or field(value, "reqid") or ""
    wait = _wait(first(value, ("data.wait", "data.data.wait")))
    return LongRequestStarted(at=wire.received_at, wire=wire, ping_url=ping_url, request_id=request_id, wait=wait)


def _wait(raw: object) -> timedelta:
    """``data.wait`` in milliseconds: a JSON number, or text of ASCII digits (a fraction allowed); anything else,
    digits of other scripts and ``_`` separators included, is no wait."""
    if isinstance(raw, str):
        stripped = raw.strip(" \t")
        if not _MILLIS_TEXT.fullmatch(stripped):
            return timedelta(0)
        raw = float(stripped)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return timedelta(0)
    try:
        millis = float(raw)
    except OverflowError:  # an integer beyond float range
        return MAX_WAIT if isinstance(raw, int) and raw > 0 else timedelta(0)
    if not math.isfinite(millis) or millis <= 0:
        return timedelta(0)
    return min(timedelta(milliseconds=min(millis, MAX_WAIT.total_seconds() * 1000)), MAX_WAIT)


def poll_answer(wire: Wire, value: object, safe_value: object) -> Event:
    """The event for an HTTP answer to ``GET <ping_url>``: pending, completed, or a failed poll. ``value`` is
    the answer as sent, ``safe_value`` its redacted copy (the inner response an event keeps comes from it)."""
    answer = envelope(value)
    if answer is None:
        reason = gateway_cause(wire)
        return PollFailed(at=wire.received_at, wire=wire, reason=reason)
    if wire.status not in ANSWERED_OK:
        return PollFailed(at=wire.received_at, wire=wire, reason=f"http_{wire.status}")
    if answer.message.strip().upper() != "REQSPONSE":
        return PollFailed(at=wire.received_at, wire=wire, reason=clip(answer.message or "unrecognized"))
    state = (field(value, "status") or "").strip().lower()
    if state == "pending":
        return PollPending(at=wire.received_at, wire=wire)
    if state == "completed":
        return PollCompleted(at=wire.received_at, wire=wire, response=_inner_response(safe_value))
    return PollFailed(at=wire.received_at, wire=wire, reason=clip(f"status {state}" if state else "unrecognized"))


def _inner_response(value: object) -> str:
    """``data.response`` as sent (a JSON string, kept even when broken), else ``response_parsed`` re-encoded."""
    raw = first(value, ("data.response", "data.data.response", "data.response_parsed", "data.data.response_parsed"))
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    return _encoder.encode(raw).decode()


def redact_inner_response(wire: Wire, value: object, secret_fields: frozenset[str]) -> tuple[Wire, object]:
    """``wire`` and its redacted ``value`` with the secret fields of the JSON held as a *string* in
    ``data.response`` redacted too (field names inside a string escape the walk). The body is re-encoded only
    when that inner JSON held a secret field."""
    raw = at_path(value, "data.response")
    data = obj(value, "data")
    top = obj(value)
    if not isinstance(raw, str) or data is None or top is None:
        return wire, value
    encoded = raw.encode("utf-8", "surrogatepass")
    inner = None if too_deep(encoded) else parse_json(encoded)
    if inner is None:
        return wire, value
    redacted, changed = redact_json(inner, normalized_set(secret_fields))
    if not changed:
        return wire, value
    safe = {**top, "data": {**data, "response": _encoder.encode(redacted).decode()}}
    return msgspec.structs.replace(wire, body=_encoder.encode(safe)), safe
