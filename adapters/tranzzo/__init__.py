"""Tranzzo (cpay.tranzzo.com, API v1): sans-I/O translation of wire answers into events, and request building.

Sources: docs.tranzzo.com (purchase API, payment cycle statuses, HTTP statuses, webhooks), cdn.tranzzo.com/
tranzzo-api/index.html, and the official plugins (tranzzo/wordpress-plugin, tranzzo/opencart-plugin,
tranzzo/bitrix-plugin). The mapping table is in docs/adapters.md; every row has a test in
tests/adapters/test_tranzzo.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import parse_qsl, quote

import msgspec

from payfold import (
    ActionRequired,
    ChargeAccepted,
    ChargeDeclined,
    ChargeDuplicate,
    ChargeRejected,
    Event,
    NotProcessed,
    OutcomeUnknown,
    Payment,
    Policy,
    Poll,
    PollFailed,
    Requery,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
    RequeryPending,
    SendCharge,
    Validate,
    WebhookReceived,
    Wire,
    to_decimal_text,
    to_minor,
)
from payfold.adapters.wire.fields import amount as read_amount
from payfold.adapters.wire.fields import clip, text
from payfold.adapters.wire.gateway import parse_json, recognize, retry_after, too_large, transport_failure, unanswered
from payfold.adapters.wire.redact import redact_answer, redact_json
from payfold.adapters.wire.request import HttpRequest

NAME: Final = "tranzzo"

POLICY: Final = Policy(
    timeout=timedelta(seconds=40),
    ambiguity_delay=timedelta(seconds=60),
    verify_delay=timedelta(seconds=5),
    retry_delay=timedelta(seconds=5),
    requery_backoff=(
        timedelta(seconds=60),
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=6),
        timedelta(days=1),
    ),
)
"""Tranzzo's documented numbers: 500/503 -> "check status" (the 60 s rule applied to every ambiguity)."""

PENDING: Final = frozenset(("init", "pending", "processing"))
SUCCESS: Final = "success"
FAILED: Final = frozenset(("failure", "rejected", "unsuccessful", "antifraud"))
PURCHASE_OK: Final = "1000"
AUTH_HOLD: Final = "1002"
DUPLICATE: Final = "P-409"

_REJECTED: Final = frozenset((400, 401, 403, 405, 406, 410, 411, 413, 414, 415, 422))
_CONFIGURATION: Final = frozenset((401, 403))
_FRONT_DOOR_CONFIGURATION: Final = frozenset((7, 16))
_FRONT_DOOR_CAUSES: Final = {4: "deadline_exceeded", 14: "unavailable", 13: "server_error", 2: "server_error"}
_SERVER_CAUSES: Final = {500: "server_error", 502: "bad_gateway", 503: "unavailable", 504: "gateway_timeout"}


class Credentials(msgspec.Struct, frozen=True, kw_only=True):
    """The four Tranzzo credentials; ``base_url`` points elsewhere for a sandbox. Never stored, never printed."""

    pos_id: str
    api_key: str
    api_secret: str
    endpoints_key: str
    base_url: str = "https://cpay.tranzzo.com"

    def __repr__(self) -> str:
        return f"Credentials(pos_id={self.pos_id!r}, base_url={self.base_url!r}, api_key=***, api_secret=***)"

    __str__ = __repr__


# --- requests ---------------------------------------------------------------------------------------------


def _headers(credentials: Credentials, *, json_body: bool) -> tuple[tuple[str, str], ...]:
    auth = (
        ("x-api-auth", f"CPAY {credentials.api_key}:{credentials.api_secret}"),
        ("x-api-key", credentials.endpoints_key),
        ("accept", "application/json"),
    )
    return (*auth, ("content-type", "application/json")) if json_body else auth


def _charge_body(payment: Payment, credentials: Credentials) -> bytes:
    details = payment.details
    body: dict[str, str] = {
        "pos_id": credentials.pos_id,
        "mode": "direct" if details.get("cc_token") else "hosted",
        "method": "purchase",
        "amount": to_decimal_text(payment.amount, payment.currency),
        "currency": payment.currency,
        "description": details.get("description") or f"Order {payment.reference}",
        "order_id": payment.reference,
        "order_3ds_bypass": "supported",
    }
    for key in ("cc_token", "server_url", "result_url", "customer_email", "customer_id", "customer_phone"):
        if details.get(key):
            body[key] = details[key]
    return msgspec.json.encode(body)


def request(action: SendCharge | Poll | Requery | Validate, payment: Payment, credentials: Credentials) -> HttpRequest:
    """The HTTP request for ``action``: create the payment (``SendCharge``) or read its status (``Requery``).

    Tranzzo has no long requests and no OTP API of its own (3-D Secure happens on its page), so ``Poll`` and
    ``Validate`` are programming errors here.
    """
    base = credentials.base_url.rstrip("/")
    if isinstance(action, SendCharge):
        return HttpRequest(
            operation="charge",
            method="POST",
            url=f"{base}/api/v1/payment",
            headers=_headers(credentials, json_body=True),
            body=_charge_body(payment, credentials),
        )
    if isinstance(action, Requery):
        pos, order = quote(credentials.pos_id, safe=""), quote(payment.reference, safe="")
        return HttpRequest(
            operation="requery",
            method="GET",
            url=f"{base}/api/v1/pos/{pos}/orders/{order}",
            headers=_headers(credentials, json_body=False),
        )
    kind = type(action).__name__
    raise ValueError(f"tranzzo.request: Tranzzo has no {kind} call (only SendCharge and Requery are supported)")


# --- reading answers --------------------------------------------------------------------------------------


def _is_front_door(value: dict[str, object]) -> bool:
    """Google Cloud Endpoints' own error ``{"code": N, "message", "details"}`` (no Tranzzo ``args``)."""
    code = value.get("code")
    return isinstance(code, int) and not isinstance(code, bool) and "args" not in value


def _is_envelope(value: dict[str, object]) -> bool:
    """Tranzzo's own error ``{"message", "args"}``."""
    return "message" in value and "args" in value


def _error_code(value: dict[str, object]) -> str:
    return text(value, "args.code", "args.error_id", "code", "error_id") or ""


def _error_reason(value: dict[str, object]) -> str:
    parts = [text(value, "message") or ""]
    args = value.get("args")
    items = args if isinstance(args, list) else args.get("obj") if isinstance(args, dict) else None
    if isinstance(items, list):
        for item in items:
            if not isinstance(item, dict):
                continue
            field = text(item, "field_name", "field")
            violation = text(item, "violation")
            if violation:
                parts.append(f"{field}: {violation}" if field else violation)
            messages = item.get("msg")
            if isinstance(messages, list):
                parts.extend(str(m) for m in messages if isinstance(m, str | int | float))
    return clip("; ".join(p for p in parts if p)) or "no message"


def _status_code(tx: dict[str, object]) -> str:
    return text(tx, "status_code", "response_code") or ""


def _status(tx: dict[str, object]) -> str | None:
    status = tx.get("status")
    return status.lower() if isinstance(status, str) else None


def _is_transaction(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("status"), str)


_RANK: Final = {SUCCESS: 0, **dict.fromkeys(PENDING, 1), **dict.fromkeys(FAILED, 2)}


def pick_transaction(items: list[object]) -> dict[str, object] | None:
    """The purchase that tells the order's fate, from the status API's array.

    Purchases (``method`` purchase or absent) come first, then auth holds, and nothing else counts (a void or
    refund alone says nothing about the charge). Among them a success wins (money moved), then a pending one,
    then a failure; ties go to the latest in the array (Tranzzo lists oldest first). None when none qualifies.
    """
    best: dict[str, object] | None = None
    best_key: tuple[int, int, int] | None = None
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not _is_transaction(item):
            continue
        method = item.get("method")
        kind = 0 if method in (None, "purchase") else 1 if method == "auth" else None
        if kind is None:
            continue
        key = (kind, _RANK.get(_status(item) or "", 3), -index)
        if best_key is None or key < best_key:
            best, best_key = item, key
    return best


def _provider_ref(tx: dict[str, object]) -> str | None:
    return text(tx, "payment_id", "transaction_id")


def _redirect(wire: Wire, value: object) -> str | None:
    url = text(value, "redirect_url") if isinstance(value, dict) else None
    if url is None and wire.status is not None and 200 <= wire.status < 400:
        url = wire.header("location")
    if url is not None and url.lower().startswith(("https://", "http://")):
        return url
    return None


def _charge_answer(wire: Wire, value: object) -> Event:
    at = wire.received_at
    tx = value if isinstance(value, dict) else pick_transaction(value) if isinstance(value, list) else None
    status = _status(tx) if tx is not None else None
    ref = _provider_ref(tx) if tx is not None else None
    code = _status_code(tx) if tx is not None else ""
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


def _requery_answer(wire: Wire, value: object) -> Event:
    at = wire.received_at
    if isinstance(value, list):
        if not value:
            return RequeryFailed(at=at, wire=wire, reason="empty array: no transaction for this order yet")
        tx = pick_transaction(value)
    else:
        tx = value if isinstance(value, dict) and _is_transaction(value) else None
    if tx is None:
        return RequeryFailed(at=at, wire=wire, reason="no purchase transaction in the answer")
    status, code = _status(tx), _status_code(tx)
    description = clip(text(tx, "status_description", "response_description") or (status or ""))
    if status in PENDING:
        return RequeryPending(at=at, wire=wire, code=code, reason=description)
    if status in FAILED:
        return RequeryDeclined(at=at, wire=wire, code=code, reason=description)
    if status != SUCCESS:
        return RequeryFailed(at=at, wire=wire, reason=f"unknown status {clip(str(tx.get('status')), 40)!r}")
    if tx.get("method") == "auth" or code == AUTH_HOLD:
        return RequeryPending(at=at, wire=wire, code=code or AUTH_HOLD, reason="auth hold, not a purchase")
    if code not in ("", PURCHASE_OK):
        return RequeryPending(at=at, wire=wire, code=code, reason=f"success with status_code {code}")
    return _confirmation(wire, tx, code)


def _confirmation(wire: Wire, tx: dict[str, object], code: str) -> Event:
    at = wire.received_at
    currency = tx.get("currency")
    raw_amount = tx.get("amount") if tx.get("amount") is not None else tx.get("amount_order")
    amount = to_minor(read_amount(raw_amount), currency) if isinstance(currency, str) else None
    reference = text(tx, "order_id")
    if amount is None or not isinstance(currency, str):
        return RequeryFailed(at=at, wire=wire, reason=f"success with an unreadable amount or currency (code {code})")
    if reference is None:
        return RequeryFailed(at=at, wire=wire, reason="success without an order_id")
    return RequeryConfirmed(
        at=at, wire=wire, provider_ref=_provider_ref(tx) or "", reference=reference, amount=amount, currency=currency
    )


def _charge_error(wire: Wire, status: int, value: object) -> Event | None:
    """The meaning of an error-shaped JSON answer to a charge, or None when it is not error-shaped."""
    at = wire.received_at
    if not isinstance(value, dict):
        return None
    if _is_envelope(value) and _error_code(value) == DUPLICATE:
        return ChargeDuplicate(at=at, wire=wire, code=DUPLICATE)
    if _is_front_door(value):
        code = value["code"]
        assert isinstance(code, int)
        message = clip(text(value, "message") or "")
        if code in _FRONT_DOOR_CONFIGURATION or "api key" in message.lower() or status in _CONFIGURATION:
            return ChargeRejected(at=at, wire=wire, reason=f"configuration: {message}", code=f"endpoints:{code}")
        if code in _FRONT_DOOR_CAUSES:
            return OutcomeUnknown(at=at, wire=wire, cause=_FRONT_DOOR_CAUSES[code])
        if code == 8:
            return NotProcessed(at=at, wire=wire, reason=message, retry_after=retry_after(wire.headers, at))
        return None
    if _is_envelope(value) and status in _CONFIGURATION:
        reason = f"configuration: {_error_reason(value)}"
        return ChargeRejected(at=at, wire=wire, reason=reason, code=_error_code(value) or str(status))
    return None


def _by_status(wire: Wire, status: int, value: object) -> Event:
    """Charge or validate: the meaning an HTTP status has whatever the JSON says."""
    at = wire.received_at
    reason = _error_reason(value) if isinstance(value, dict) else f"HTTP {status}"
    if status == 429:
        return NotProcessed(at=at, wire=wire, reason=reason, retry_after=retry_after(wire.headers, at))
    if status == 404:
        return NotProcessed(at=at, wire=wire, reason=f"not found: {reason}")
    if status == 409:
        return ChargeDuplicate(at=at, wire=wire, code=_error_code(value) if isinstance(value, dict) else "409")
    if status in _REJECTED:
        code = (_error_code(value) if isinstance(value, dict) else "") or str(status)
        prefix = "configuration: " if status in _CONFIGURATION else ""
        return ChargeRejected(at=at, wire=wire, reason=prefix + reason, code=code)
    return OutcomeUnknown(at=at, wire=wire, cause=_SERVER_CAUSES.get(status, f"http_{status}"))


def _translate_charge(wire: Wire, status: int, value: object | None) -> Event:
    at = wire.received_at
    if 200 <= status < 400 and (location := _redirect(wire, None)) is not None and value is None:
        return ActionRequired(at=at, wire=wire, kind="redirect", url=location)
    if value is None:
        cause = recognize(status, wire.headers, wire.body) or "unreadable"
        if status in (404, 429):
            return _by_status(wire, status, None)
        return OutcomeUnknown(at=at, wire=wire, cause=cause)
    error = _charge_error(wire, status, value)
    if error is not None:
        return error
    if 200 <= status < 300:
        if isinstance(value, dict) and _is_envelope(value) and not _is_transaction(value):
            return OutcomeUnknown(at=at, wire=wire, cause="unrecognised")
        return _charge_answer(wire, value)
    if 400 <= status < 600 and status not in (408, 425):
        return _by_status(wire, status, value)
    return OutcomeUnknown(at=at, wire=wire, cause=f"http_{status}")


def _translate_requery(wire: Wire, status: int, value: object | None) -> Event:
    at = wire.received_at
    if value is None:
        return RequeryFailed(at=at, wire=wire, reason=recognize(status, wire.headers, wire.body) or "unreadable")
    if status == 404 and isinstance(value, dict) and _is_envelope(value) and not _is_front_door(value):
        return RequeryNotFound(at=at, wire=wire)
    if 200 <= status < 300:
        return _requery_answer(wire, value)
    detail = _error_reason(value) if isinstance(value, dict) else "unexpected body"
    return RequeryFailed(at=at, wire=wire, reason=clip(f"HTTP {status}: {detail}"))


def translate(wire: Wire) -> Event:
    """The event ``wire`` stands for (DESIGN §2, docs/adapters.md). Total: only a programming error raises.

    The wire is redacted first; the event carries the redacted wire and ``at = wire.received_at``. A body over
    ``MAX_BODY`` is unreadable whatever the status (``outcome_unknown``/``too_large`` on a charge).
    """
    safe, value = redact_answer(wire)
    status = safe.status
    if status is None or safe.error is not None:
        return transport_failure(safe)
    if too_large(wire.body):
        return unanswered(safe, "too_large")
    match safe.operation:
        case "charge" | "validate":
            return _translate_charge(safe, status, value)
        case "requery":
            return _translate_requery(safe, status, value)
        case "poll":
            return PollFailed(at=safe.received_at, wire=safe, reason="tranzzo has no long requests to poll")
        case "webhook":
            return unanswered(safe, "webhook")


# --- webhooks ---------------------------------------------------------------------------------------------


def sign(data: str, secret: str) -> str:
    """Tranzzo's webhook signature: base64url(sha1(secret + data + secret)), ``=`` padding kept."""
    digest = hashlib.sha1((secret + data + secret).encode("utf-8", "surrogatepass"), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _form_fields(headers: tuple[tuple[str, str], ...], body: bytes) -> dict[str, str]:
    if too_large(body):
        return {}
    value = parse_json(body)
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return {}


def _decode_data(data: str) -> object | None:
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (ValueError, TypeError):
        return None
    return parse_json(raw)


def webhook(headers: tuple[tuple[str, str], ...], body: bytes, secret: str, *, at: datetime) -> WebhookReceived:
    """A Tranzzo callback (form fields ``data`` and ``signature``): checked in constant time, decoded, redacted.

    The wire keeps the decoded JSON (a base64 blob cannot be redacted in place); without readable ``data`` it
    keeps the redacted form body (a body over ``MAX_BODY`` is not read: unsigned, cut). A hint only: it never
    settles a payment. Total: any headers, body or secret.
    """
    lowered = tuple((name.lower(), value) for name, value in headers)
    fields = _form_fields(lowered, body)
    data, signature = fields.get("data", ""), fields.get("signature", "")
    expected = sign(data, secret).encode("ascii")
    valid = bool(data) and hmac.compare_digest(expected, signature.encode("utf-8", "replace"))
    decoded = _decode_data(data) if data else None
    if decoded is not None:
        payload, _ = redact_json(decoded)
        kept = msgspec.json.encode(payload)
        lowered = (*tuple((n, v) for n, v in lowered if n != "content-type"), ("content-type", "application/json"))
    else:
        kept = body
    wire = Wire(operation="webhook", sent_at=at, received_at=at, status=200, headers=lowered, body=kept)
    safe, value = redact_answer(wire, secrets=(secret,))
    return WebhookReceived(at=at, wire=safe, signature_valid=valid, payload=value if decoded is not None else None)
