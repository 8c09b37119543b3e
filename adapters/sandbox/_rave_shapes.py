"""The bodies the emulated Rave v2 answers with, built from an order (research/wire-formats.md §1.3, §1.5, §1.7).

Pure functions of an ``Order``: the charge's ``V-COMP`` answer, the flat ``v2/verify`` shape, ``NO TX`` and the
flat v2 webhook body. Routing, credentials and faults are ``_rave``'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from payfold.adapters.sandbox._book import Order
from payfold.adapters.sandbox._tranzzo import decimal_number

NO_TX: Final[dict[str, object]] = {
    "status": "error",
    "message": "No transaction found",
    "data": {"code": "NO TX", "message": "No transaction found"},
}
"""The verify call's own not-found answer (sent with HTTP 404)."""


def iso(moment: datetime) -> str:
    """Rave's timestamps: ISO 8601 with milliseconds and ``Z``."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def transaction(order: Order) -> dict[str, object]:
    """The transaction fields a charge answer and a webhook share."""
    amount = decimal_number(order.amount, order.currency)
    return {
        "id": int(order.payment_id),
        "txRef": order.reference,
        "orderRef": f"URF_{order.provider_ref}",
        "flwRef": f"FLW-MOCK-{order.provider_ref}",
        "cycle": "one-time",
        "amount": amount,
        "charged_amount": amount,
        "appfee": 0,
        "merchantfee": 0,
        "merchantbearsfee": 1,
        "currency": order.currency,
        "paymentType": "card",
        "charge_type": "normal",
        "fraud_status": "ok",
        "is_live": 0,
        "createdAt": iso(order.created_at),
        "updatedAt": iso(order.visible_from),
    }


def charge_answer(order: Order, *, landed: bool) -> dict[str, object]:
    """The ``V-COMP`` answer for ``order``: ``00`` charged, ``RR`` declined, ``02`` not landed yet."""
    code = "RR" if order.outcome == "failure" else "00" if landed else "02"
    state = {"00": "successful", "RR": "failed", "02": "pending"}[code]
    message = {"00": "Approved", "RR": "Declined", "02": "pending charge processing"}[code]
    data = {
        **transaction(order),
        "chargeResponseCode": code,
        "chargeResponseMessage": message,
        "authModelUsed": "noauth",
        "authurl": "N/A",
        "status": state,
        "vbvrespcode": code,
        "vbvrespmessage": message,
    }
    return {"status": "success", "message": "V-COMP", "data": data}


def verify_answer(order: Order) -> dict[str, object]:
    """The flat ``v2/verify`` answer (``Tx Fetched``) for a visible order."""
    success = order.outcome == "success"
    amount = decimal_number(order.amount, order.currency)
    data = {
        "txid": int(order.payment_id),
        "txref": order.reference,
        "flwref": f"FLW-MOCK-{order.provider_ref}",
        "cycle": "one-time",
        "amount": amount,
        "currency": order.currency,
        "chargedamount": amount,
        "appfee": 0,
        "merchantfee": 0,
        "merchantbearsfee": 1,
        "chargecode": "00" if success else "RR",
        "chargemessage": "Approved" if success else "Declined",
        "authmodel": "noauth",
        "narration": "payfold sandbox",
        "status": "successful" if success else "failed",
        "vbvcode": "00" if success else "RR",
        "vbvmessage": "Approved" if success else "Declined",
        "paymenttype": "card",
        "chargetype": "normal",
        "created": iso(order.created_at),
        "meta": [],
    }
    return {"status": "success", "message": "Tx Fetched", "data": data}


def webhook_body(order: Order) -> dict[str, object]:
    """The flat v2 callback body: no envelope, a dotted ``event.type``."""
    tx = transaction(order)
    return {
        **{k: tx[k] for k in ("id", "txRef", "flwRef", "orderRef", "amount", "charged_amount", "currency")},
        "createdAt": tx["createdAt"],
        "status": "successful" if order.outcome == "success" else "failed",
        "IP": "127.0.0.1",
        "customer": {"email": "customer@example.com"},
        "entity": {"card6": "539983", "card_last4": "8381"},
        "event.type": "CARD_TRANSACTION",
    }
