"""Requery answers: ``POST getpaidx/api/v2/verify`` (and the older ``xrequery`` and ``verify``) by ``txref``.

Two shapes: flat lower-case (``chargecode, txref, flwref, currency, amount, status``) and snake_case
(``tx_ref, flw_ref, transaction_currency, amount, flwMeta.chargeResponse``, dotted ``customer.*`` keys). The
top-level ``status`` is not trusted (it has been "Transaction successfully fetched"): ``data`` decides.
"""

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
from payfold.adapters.flutterwave._envelope import ANSWERED_OK, envelope, gateway_cause, is_not_found
from payfold.adapters.wire.fields import amount as read_amount
from payfold.adapters.wire.fields import clip, text

_SUCCESS_CODES: Final = frozenset(("00", "0"))
_PENDING: Final = frozenset(("success-pending-validation", "pending"))
_RANK: Final = {"successful": 2, "success-pending-validation": 1, "pending": 1}


def requery_answer(wire: Wire, value: object) -> Event:
    """The event for an HTTP answer to a requery (``wire.status`` is set)."""
    answer = envelope(value)
    if answer is None:
        reason = gateway_cause(wire)
        return RequeryFailed(at=wire.received_at, wire=wire, reason=reason)
    if is_not_found(value, answer):
        return RequeryNotFound(at=wire.received_at, wire=wire)
    if wire.status not in ANSWERED_OK:
        return RequeryFailed(at=wire.received_at, wire=wire, reason=f"http_{wire.status}")
    if answer.status == "error":
        return RequeryFailed(at=wire.received_at, wire=wire, reason=clip(answer.message or "error"))
    data = answer.data
    if isinstance(data, list):
        data = latest(data)
    if not isinstance(data, dict):
        return RequeryFailed(at=wire.received_at, wire=wire, reason="no transaction in data")
    return _transaction(wire, data)


def latest(transactions: list[object]) -> dict[str, object] | None:
    """The element of an ``xrequery`` data array that speaks for the payment, or None for no object.

    Every element is an attempt on the same ``txref``: a successful one wins (money moved), then a pending one,
    then any other; among equals the last in the array (Rave lists attempts oldest first).
    """
    best: dict[str, object] | None = None
    best_rank = -1
    for item in transactions:
        if not isinstance(item, dict):
            continue
        rank = _RANK.get((text(item, "status") or "").strip().lower(), 0)
        if rank >= best_rank:
            best, best_rank = item, rank
    return best


def _transaction(wire: Wire, data: dict[str, object]) -> Event:
    state = (text(data, "status") or "").strip().lower()
    code = (text(data, "chargecode", "flwMeta.chargeResponse", "chargeResponseCode") or "").strip().upper()
    reason = clip(text(data, "chargemessage", "flwMeta.chargeResponseMessage", "chargeResponseMessage") or "")
    if state == "successful":
        if code and code not in _SUCCESS_CODES:
            return RequeryPending(at=wire.received_at, wire=wire, code=code, reason=reason)
        return _confirmed(wire, data)
    if state == "failed":
        return RequeryDeclined(at=wire.received_at, wire=wire, code=code, reason=reason)
    if state in _PENDING:
        return RequeryPending(at=wire.received_at, wire=wire, code=code, reason=reason or state)
    return RequeryFailed(at=wire.received_at, wire=wire, reason=clip(f"status {state}" if state else "no status"))


def _confirmed(wire: Wire, data: dict[str, object]) -> Event:
    """``successful`` with ``00``/``0`` or no code: the order ``amount`` (never ``charged_amount``) and currency."""
    currency = (text(data, "currency", "transaction_currency") or "").strip().upper()
    amount = to_minor(read_amount(data.get("amount")), currency)
    reference = text(data, "txref", "tx_ref", "txRef")
    if amount is None:
        return RequeryFailed(at=wire.received_at, wire=wire, reason="unreadable amount or currency")
    if reference is None:
        return RequeryFailed(at=wire.received_at, wire=wire, reason="no txref")
    provider_ref = text(data, "flwref", "flw_ref", "flwRef") or ""
    return RequeryConfirmed(
        at=wire.received_at, wire=wire, provider_ref=provider_ref, reference=reference, amount=amount, currency=currency
    )
