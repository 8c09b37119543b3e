"""Reading Tranzzo answers: the error envelopes, the transaction picked from a status array, requery answers."""

from __future__ import annotations

from typing import Final

from payfold import (
    Event,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
    RequeryPending,
    Wire,
    to_minor,
)
from payfold.adapters.wire.fields import amount as read_amount
from payfold.adapters.wire.fields import clip, text

PENDING: Final = frozenset(("init", "pending", "processing"))
SUCCESS: Final = "success"
FAILED: Final = frozenset(("failure", "rejected", "unsuccessful", "antifraud"))
PURCHASE_OK: Final = "1000"
AUTH_HOLD: Final = "1002"
DUPLICATE: Final = "P-409"


def is_front_door(value: dict[str, object]) -> bool:
    """Google Cloud Endpoints' own error ``{"code": N, "message", "details"}`` (no Tranzzo ``args``)."""
    code = value.get("code")
    return isinstance(code, int) and not isinstance(code, bool) and "args" not in value


def is_envelope(value: dict[str, object]) -> bool:
    """Tranzzo's own error ``{"message", "args"}``."""
    return "message" in value and "args" in value


def error_code(value: dict[str, object]) -> str:
    return text(value, "args.code", "args.error_id", "code", "error_id") or ""


def error_reason(value: dict[str, object]) -> str:
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


def status_code(tx: dict[str, object]) -> str:
    return text(tx, "status_code", "response_code") or ""


def status_of(tx: dict[str, object]) -> str | None:
    status = tx.get("status")
    return status.lower() if isinstance(status, str) else None


def is_transaction(value: object) -> bool:
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
        if not isinstance(item, dict) or not is_transaction(item):
            continue
        method = item.get("method")
        kind = 0 if method in (None, "purchase") else 1 if method == "auth" else None
        if kind is None:
            continue
        key = (kind, _RANK.get(status_of(item) or "", 3), -index)
        if best_key is None or key < best_key:
            best, best_key = item, key
    return best


def provider_ref(tx: dict[str, object]) -> str | None:
    return text(tx, "payment_id", "transaction_id")


def _requery_answer(wire: Wire, value: object) -> Event:
    at = wire.received_at
    if isinstance(value, list):
        if not value:
            return RequeryFailed(at=at, wire=wire, reason="empty array: no transaction for this order yet")
        tx = pick_transaction(value)
    else:
        tx = value if isinstance(value, dict) and is_transaction(value) else None
    if tx is None:
        return RequeryFailed(at=at, wire=wire, reason="no purchase transaction in the answer")
    status, code = status_of(tx), status_code(tx)
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
        at=at, wire=wire, provider_ref=provider_ref(tx) or "", reference=reference, amount=amount, currency=currency
    )


def translate_requery(wire: Wire, status: int, value: object | None, cause: str | None) -> Event:
    """A requery answer (``cause``: what answered when the body is not JSON)."""
    at = wire.received_at
    if value is None:
        return RequeryFailed(at=at, wire=wire, reason=cause or "unreadable")
    if status == 404 and isinstance(value, dict) and is_envelope(value) and not is_front_door(value):
        return RequeryNotFound(at=at, wire=wire)
    if 200 <= status < 300:
        return _requery_answer(wire, value)
    detail = error_reason(value) if isinstance(value, dict) else "unexpected body"
    return RequeryFailed(at=at, wire=wire, reason=clip(f"HTTP {status}: {detail}"))
