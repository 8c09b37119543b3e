"""Request descriptions for Rave v2: charge, validate and ping with ``?use_polling=1``, requery by ``txref``.

payfold never handles raw card data: a card charge carries the encrypted ``client`` blob the app prepared
(3DES-24 with the merchant's key), a repeat charge a Rave card token.
"""

from __future__ import annotations

from typing import Final, Literal
from urllib.parse import urljoin

import msgspec

from payfold import InvalidPayment, Payment, Poll, Requery, SendCharge, Validate, to_decimal_text
from payfold.adapters.wire.request import HttpRequest

_API: Final = "/flwv3-pug/getpaidx/api"
_JSON_HEADERS: Final = (("content-type", "application/json"), ("accept", "application/json"))
_TOKEN_FIELDS: Final = ("email", "firstname", "lastname", "phonenumber", "IP", "narration", "country")
"""Optional non-secret ``details`` copied into a tokenized charge as they are."""
_encoder: Final = msgspec.json.Encoder()


class Credentials(msgspec.Struct, frozen=True, kw_only=True):
    """A Rave v2 merchant's keys. ``base_url``: live ``https://api.ravepay.co``, sandbox
    ``https://ravesandboxapi.flutterwave.com``. The webhook's secret hash is passed to ``webhook`` instead."""

    public_key: str
    secret_key: str
    base_url: str = "https://api.ravepay.co"

    def __repr__(self) -> str:
        return f"Credentials(public_key={self.public_key!r}, secret_key='***', base_url={self.base_url!r})"

    def api(self, path: str) -> str:
        """The absolute URL of ``path`` under Rave's ``getpaidx/api``."""
        return f"{self.base_url.rstrip('/')}{_API}/{path}"


def request(action: SendCharge | Poll | Requery | Validate, payment: Payment, credentials: Credentials) -> HttpRequest:
    """The HTTP request for ``action`` on ``payment``; ``InvalidPayment`` when ``payment.details`` lacks what it needs.

    Charge: ``details["token"]`` (a Rave card token, sent with ``email`` and the other optional fields) or
    ``details["client"]`` (the encrypted card blob). Validate: the flwRef the charge's answer named (folded as
    ``payment.provider_ref``; ``details["flw_ref"]`` overrides it); ``details["payment_type"] == "account"``
    selects the account ``validate`` call.
    """
    match action:
        case SendCharge():
            return _charge(payment, credentials)
        case Validate(otp=otp):
            return _validate(otp, payment, credentials)
        case Poll(url=url):
            return HttpRequest(
                operation="poll", method="GET", url=urljoin(credentials.base_url, url), headers=_JSON_HEADERS[1:]
            )
        case Requery():
            body = {"txref": payment.reference, "SECKEY": credentials.secret_key}
            return _post("requery", credentials.api("v2/verify"), body)


def _post(operation: Literal["charge", "validate", "requery"], url: str, body: dict[str, str]) -> HttpRequest:
    return HttpRequest(operation=operation, method="POST", url=url, headers=_JSON_HEADERS, body=_encoder.encode(body))


def _charge(payment: Payment, credentials: Credentials) -> HttpRequest:
    details = payment.details
    token = details.get("token")
    if token:
        body = {
            "SECKEY": credentials.secret_key,
            "token": token,
            "currency": payment.currency,
            "amount": to_decimal_text(payment.amount, payment.currency),
            "txRef": payment.reference,
        }
        body.update((name, details[name]) for name in _TOKEN_FIELDS if details.get(name))
        return _post("charge", credentials.api("tokenized/charge?use_polling=1"), body)
    client = details.get("client")
    if not client:
        raise InvalidPayment('a Rave charge needs details["token"] or details["client"] (the encrypted card blob)')
    body = {"PBFPubKey": credentials.public_key, "client": client, "alg": "3DES-24"}
    return _post("charge", credentials.api("charge?use_polling=1"), body)


def _validate(otp: str, payment: Payment, credentials: Credentials) -> HttpRequest:
    flw_ref = payment.details.get("flw_ref") or payment.provider_ref
    if not flw_ref:
        raise InvalidPayment(
            "a Rave validate needs the charge's flwRef: no answer named one yet (or pass details['flw_ref'])"
        )
    if payment.details.get("payment_type") == "account":
        body = {"PBFPubKey": credentials.public_key, "transactionreference": flw_ref, "otp": otp}
        return _post("validate", credentials.api("validate?use_polling=1"), body)
    body = {"PBFPubKey": credentials.public_key, "transaction_reference": flw_ref, "otp": otp}
    return _post("validate", credentials.api("validatecharge?use_polling=1"), body)
