"""Tranzzo charge answers and ``translate``: every wire read once (``payfold.adapters.wire.reading``)."""

from __future__ import annotations

from typing import Final

from payfold import (
    ActionRequired,
    ChargeAccepted,
    ChargeDeclined,
    ChargeDuplicate,
    ChargeRejected,
    Event,
    NotProcessed,
    OutcomeUnknown,
    PollFailed,
    Wire,
)
from payfold.adapters.tranzzo._answers import (
    DUPLICATE,
    FAILED,
    PENDING,
    SUCCESS,
    error_code,
    error_reason,
    is_envelope,
    is_front_door,
    is_transaction,
    pick_transaction,
    provider_ref,
    status_code,
    status_of,
    translate_requery,
)
from payfold.adapters.wire.fields import clip, text
from payfold.adapters.wire.gateway import retry_after as read_retry_after
from payfold.adapters.wire.gateway import transport_failure, unanswered
from payfold.adapters.wire.reading import Reading, finish, read

_REJECTED: Final = frozenset((400, 401, 403, 405, 406, 410, 411, 413, 414, 415, 422))
_CONFIGURATION: Final = frozenset((401, 403))
_FRONT_DOOR_CONFIGURATION: Final = frozenset((7, 16))
_FRONT_DOOR_CAUSES: Final = {4: "deadline_exceeded", 14: "unavailable", 13: "server_error", 2: "server_error"}
_SERVER_CAUSES: Final = {500: "server_error", 502: "bad_gateway", 503: "unavailable", 504: "gateway_timeout"}


def _redirect(wire: Wire, value: object) -> str | None:
    """The hosted-payment page of a 2xx answer: JSON ``redirect_url`` (the plugins) or a ``Location`` header (the
    dots SDK). Only these documented answers are payment pages: a 3xx is a proxy or a moved API, never one."""
    url = text(value, "redirect_url") if isinstance(value, dict) else None
    if url is None and wire.status is not None and 200 <= wire.status < 300:
        url = wire.header("location")
    if url is not None and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _charge_answer(wire: Wire, value: object) -> Event:
    at = wire.received_at
    tx = value if isinstance(value, dict) else pick_transaction(value) if isinstance(value, list) else None
    status = status_of(tx) if tx is not None else None
    ref = provider_ref(tx) if tx is not None else None
    code = status_code(tx) if tx is not None else ""
    if status in PENDING or (status is None and tx is not None):
        url = _redirect(wire, value)
        if url is not None:
            return ActionRequired(at=at, wire=wire, kind="redirect", url=url, provider_ref=ref)
    if tx is None or status is None:
        return OutcomeUnknown(at=at, wire=wire, cause="unrecognised")
    if status in PENDING or status == SUCCESS:
        return ChargeAccepted(at=at, wire=wire, provider_ref=ref, code=code, message=status)
    if status in FAILED:
        reason = text(tx, "status_description", "response_description") or status
        return ChargeDeclined(at=at, wire=wire, code=code, reason=clip(reason))
    return OutcomeUnknown(at=at, wire=wire, cause="unrecognised")


def _charge_error(wire: Wire, status: int, value: object) -> Event | None:
    """The meaning of an error-shaped JSON answer to a charge, or None when it is not error-shaped."""
    at = wire.received_at
    if not isinstance(value, dict):
        return None
    if is_envelope(value) and error_code(value) == DUPLICATE:
        return ChargeDuplicate(at=at, wire=wire, code=DUPLICATE)
    if is_front_door(value):
        code = value["code"]
        assert isinstance(code, int)
        message = clip(text(value, "message") or "")
        if code in _FRONT_DOOR_CONFIGURATION or "api key" in message.lower() or status in _CONFIGURATION:
            return ChargeRejected(at=at, wire=wire, reason=f"configuration: {message}", code=f"endpoints:{code}")
        if code in _FRONT_DOOR_CAUSES:
            return OutcomeUnknown(at=at, wire=wire, cause=_FRONT_DOOR_CAUSES[code])
        if code == 8:
            return NotProcessed(at=at, wire=wire, reason=message, retry_after=read_retry_after(wire.headers, at))
        return None
    if is_envelope(value) and status in _CONFIGURATION:
        reason = f"configuration: {error_reason(value)}"
        return ChargeRejected(at=at, wire=wire, reason=reason, code=error_code(value) or str(status))
    return None


def _by_status(wire: Wire, status: int, value: object) -> Event:
    """Charge or validate: the meaning an HTTP status has whatever the JSON says."""
    at = wire.received_at
    reason = error_reason(value) if isinstance(value, dict) else f"HTTP {status}"
    if status == 429:
        return NotProcessed(at=at, wire=wire, reason=reason, retry_after=read_retry_after(wire.headers, at))
    if status == 404:
        return NotProcessed(at=at, wire=wire, reason=f"not found: {reason}")
    if status == 409:
        return ChargeDuplicate(at=at, wire=wire, code=error_code(value) if isinstance(value, dict) else "409")
    if status in _REJECTED:
        code = (error_code(value) if isinstance(value, dict) else "") or str(status)
        prefix = "configuration: " if status in _CONFIGURATION else ""
        return ChargeRejected(at=at, wire=wire, reason=prefix + reason, code=code)
    return OutcomeUnknown(at=at, wire=wire, cause=_SERVER_CAUSES.get(status, f"http_{status}"))


def _translate_charge(wire: Wire, status: int, value: object | None, cause: str | None) -> Event:
    at = wire.received_at
    if 200 <= status < 300 and value is None and (location := _redirect(wire, None)) is not None:
        return ActionRequired(at=at, wire=wire, kind="redirect", url=location)
    if value is None:
        cause = cause or "unreadable"
        if status in (404, 429):
            return _by_status(wire, status, None)
        return OutcomeUnknown(at=at, wire=wire, cause=cause)
    error = _charge_error(wire, status, value)
    if error is not None:
        return error
    if 200 <= status < 300:
        if isinstance(value, dict) and is_envelope(value) and not is_transaction(value):
            return OutcomeUnknown(at=at, wire=wire, cause="unrecognised")
        return _charge_answer(wire, value)
    if 400 <= status < 600 and status not in (408, 425):
        return _by_status(wire, status, value)
    return OutcomeUnknown(at=at, wire=wire, cause=f"http_{status}")


def translate(wire: Wire) -> Event:
    """The event ``wire`` stands for (DESIGN §2, docs/adapters.md). Total: only a programming error raises.

    The wire is read once (``reading.read``): the event carries the redacted wire and ``at = wire.received_at``;
    references and amounts come from the body as sent. A body over ``MAX_BODY`` is unreadable whatever the
    status (``outcome_unknown``/``too_large`` on a charge).
    """
    reading = read(wire)
    return finish(_meaning(reading), reading)


def _meaning(reading: Reading) -> Event:
    safe, value = reading.wire, reading.value
    status = safe.status
    if status is None or safe.error is not None:
        return transport_failure(safe)
    cause = reading.cause
    if cause == "too_large":
        return unanswered(safe, "too_large")
    match safe.operation:
        case "charge" | "validate":
            return _translate_charge(safe, status, value, cause)
        case "requery":
            return translate_requery(safe, status, value, cause)
        case "poll":
            return PollFailed(at=safe.received_at, wire=safe, reason="tranzzo has no long requests to poll")
        case "webhook":
            return unanswered(safe, "webhook")
