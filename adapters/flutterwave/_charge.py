"""Charge and validate answers: the ``getpaidx/api/charge``, ``tokenized/charge``, ``validatecharge`` and
``validate`` calls, sent with ``?use_polling=1``.

An ambiguous answer never becomes a verdict: the four documented timeout shapes are ``outcome_unknown`` whatever
the HTTP status, and only a JSON ``status: error`` with a 4xx is a refusal.
"""

from __future__ import annotations

from typing import Final

from payfold import (
    ActionRequired,
    ChargeAccepted,
    ChargeDeclined,
    ChargeRejected,
    Event,
    NotProcessed,
    OutcomeUnknown,
    Wire,
)
from payfold.adapters.flutterwave._envelope import (
    ANSWERED_OK,
    Envelope,
    envelope,
    error_code,
    field,
    gateway_cause,
    retry_after,
    timeout_cause,
)
from payfold.adapters.flutterwave._poll import long_request
from payfold.adapters.wire.fields import clip, text

_ACCEPTED_CODES: Final = frozenset(("00", "0"))
_PENDING_CODE: Final = "02"
_DECLINED_CODES: Final = frozenset(("RR",))
_CUSTOMER_ELSEWHERE: Final = frozenset(("MOBILEMONEY", "NOAUTH", "", "N/A"))
"""``02`` with these auth models: the customer approves elsewhere (a phone) or nothing is asked: accepted."""
_OTP_MODELS: Final = frozenset(("PIN", "AUTH", "OTP", "VBVSECURECODE"))
_PROCESSING: Final = frozenset(("pending", "success-pending-validation", "successful"))
_NOT_A_REFUSAL: Final = frozenset((404, 408, 429))


def charge_answer(wire: Wire, value: object) -> Event:
    """The event for an HTTP answer to a charge or validate request (``wire.status`` is set)."""
    status = wire.status or 0
    if status == 429:
        return NotProcessed(at=wire.received_at, wire=wire, reason="rate_limited", retry_after=retry_after(wire))
    if status == 404:
        return NotProcessed(at=wire.received_at, wire=wire, reason="not_found")
    answer = envelope(value)
    if answer is None:
        gateway = gateway_cause(wire)
        return OutcomeUnknown(at=wire.received_at, wire=wire, cause=gateway)
    timeout = timeout_cause(value, answer)
    if timeout is not None:
        return OutcomeUnknown(at=wire.received_at, wire=wire, cause=timeout)
    if answer.status == "error":
        return _error_answer(wire, value, answer)
    if status not in ANSWERED_OK:
        return OutcomeUnknown(at=wire.received_at, wire=wire, cause=_http_cause(status))
    return _success_answer(wire, value, answer)


def _http_cause(status: int) -> str:
    return "server_error" if status >= 500 else f"http_{status}"


def _error_answer(wire: Wire, value: object, answer: Envelope) -> Event:
    """``status: error``: a refusal with a 4xx, ambiguous with anything else (a 2xx or 5xx error is not a no)."""
    status = wire.status or 0
    code = error_code(value)
    if not 400 <= status < 500 or status in _NOT_A_REFUSAL:
        cause = _http_cause(status) if status >= 300 else "provider_error"
        return OutcomeUnknown(at=wire.received_at, wire=wire, cause=cause)
    if wire.operation == "validate":
        # The charge exists and waits for its OTP; a refused OTP asks the customer again, it fails nothing.
        return ActionRequired(at=wire.received_at, wire=wire, kind="otp")
    reason = clip(answer.message or text(value, "data.message") or code or f"HTTP {status}")
    return ChargeRejected(at=wire.received_at, wire=wire, reason=reason, code=code)


def _success_answer(wire: Wire, value: object, answer: Envelope) -> Event:
    """A 2xx answer whose status is not ``error``: read the message, then the charge code, then ``data.status``."""
    message = answer.message.strip().upper()
    if message == "LONG-REQ":
        return long_request(wire, value)
    if message == "AUTH_SUGGESTION":
        return _auth_suggestion(wire, value)
    code = (field(value, "chargeResponseCode") or field(value, "responsecode") or "").strip().upper()
    provider_ref = _provider_ref(value)
    reason = clip(field(value, "chargeResponseMessage") or field(value, "responsemessage") or answer.message)
    if code in _ACCEPTED_CODES:
        return ChargeAccepted(at=wire.received_at, wire=wire, provider_ref=provider_ref, code=code, message=reason)
    if code == _PENDING_CODE:
        return _pending_validation(wire, value, provider_ref, reason)
    state = (field(value, "status") or "").strip().lower()
    if code in _DECLINED_CODES or state == "failed":
        return ChargeDeclined(at=wire.received_at, wire=wire, code=code, reason=reason)
    if not code and (state in _PROCESSING or message == "MOMO INITIATED"):
        return ChargeAccepted(at=wire.received_at, wire=wire, provider_ref=provider_ref, code=code, message=reason)
    return OutcomeUnknown(at=wire.received_at, wire=wire, cause="unrecognized")


def _provider_ref(value: object) -> str | None:
    ref = field(value, "flwRef") or field(value, "flw_ref") or field(value, "flw_reference")
    return None if ref is None or ref.upper() == "N/A" else ref


def _pending_validation(wire: Wire, value: object, provider_ref: str | None, reason: str) -> Event:
    """``02``: accepted when the customer approves elsewhere, else the customer must act (redirect or OTP)."""
    model = (field(value, "authModelUsed") or "").strip().upper()
    if model in _CUSTOMER_ELSEWHERE:
        return ChargeAccepted(at=wire.received_at, wire=wire, provider_ref=provider_ref, code="02", message=reason)
    url = (field(value, "authurl") or "").strip()
    if url.lower().startswith(("https://", "http://")):
        return ActionRequired(at=wire.received_at, wire=wire, kind="redirect", url=url, provider_ref=provider_ref)
    if model in _OTP_MODELS or "OTP" in model:
        return ActionRequired(at=wire.received_at, wire=wire, kind="otp", provider_ref=provider_ref)
    # Another model (USSD, bank transfer, ...): the customer acts outside payfold; the requery will tell.
    return ChargeAccepted(at=wire.received_at, wire=wire, provider_ref=provider_ref, code="02", message=reason)


def _auth_suggestion(wire: Wire, value: object) -> Event:
    """``AUTH_SUGGESTION``: no charge was made yet; the app re-sends it with a PIN or a billing address."""
    suggested = (field(value, "suggested_auth") or "").strip().upper()
    if suggested == "PIN":
        return ActionRequired(at=wire.received_at, wire=wire, kind="pin")
    if suggested.startswith("AVS") or suggested == "NOAUTH_INTERNATIONAL":
        return ActionRequired(at=wire.received_at, wire=wire, kind="avs")
    return OutcomeUnknown(at=wire.received_at, wire=wire, cause="auth_suggestion")
