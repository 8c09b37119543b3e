"""Tranzzo credentials and request descriptions: create a payment, read an order's status."""

from __future__ import annotations

from urllib.parse import quote

import msgspec

from payfold import Payment, Poll, Requery, SendCharge, Validate, to_decimal_text
from payfold.adapters.wire.request import HttpRequest


class Credentials(msgspec.Struct, frozen=True, kw_only=True):
    """The four Tranzzo credentials; ``base_url`` points elsewhere for a sandbox. Never stored, never printed."""

    pos_id: str
    api_key: str
    api_secret: str
    endpoints_key: str
    base_url: str = "https://cpay.tranzzo.com"

    def __post_init__(self) -> None:
        if not self.api_secret:
            raise ValueError(
                "tranzzo.Credentials: api_secret is empty; it signs API calls and webhooks, and with an empty "
                "secret anyone could forge a valid webhook (use the POS's API_SECRET)"
            )

    def __repr__(self) -> str:
        return f"Credentials(pos_id={self.pos_id!r}, base_url={self.base_url!r}, api_key=***, api_secret=***)"

    __str__ = __repr__


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
