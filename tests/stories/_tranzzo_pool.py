"""Tranzzo wire answers for the stories, written from shared/research/wire-formats.md §2-§3 (docs.tranzzo.com,
the official plugins, Google Endpoints' error codes, nginx/Cloudflare/ALB pages).

A purchase answer is a transaction object (``payment_id, order_id, method, amount, currency, status,
status_code``); the status API (``GET /api/v1/pos/{pos}/orders/{order_id}``) answers an array of them, or
Tranzzo's own ``{"message", "args"}`` 404 when it knows no such order. Webhooks are form posts of ``data``
(base64url JSON) and ``signature`` = base64url(sha1(secret + data + secret)).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlencode

import msgspec

from payfold import Action, Event, Payment, WebhookReceived, Wire
from payfold.adapters import HttpRequest, tranzzo
from tests.stories._gateway_pages import GATEWAY
from tests.stories._machine import JSON, Answer, Facts, Headers, Kit, Sample, WebhookSample, weighted

CREDENTIALS: Final = tranzzo.Credentials(
    pos_id="stories-pos",
    api_key="stories-api-key",
    api_secret="stories-api-secret",
    endpoints_key="stories-endpoints-key",
    base_url="https://cpay.tranzzo.test",
)
FORM: Final[Headers] = (("content-type", "application/x-www-form-urlencoded"),)


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def transaction(facts: Facts, status: str, **fields: Any) -> dict[str, Any]:
    """A purchase operation as Tranzzo reports it; ``fields`` override (None removes a field)."""
    tx: dict[str, Any] = {
        "payment_id": f"tz-{facts.provider_ref}",
        "transaction_id": f"tx-{facts.provider_ref}",
        "order_id": facts.reference,
        "pos_id": CREDENTIALS.pos_id,
        "mode": "hosted",
        "method": "purchase",
        "amount": facts.amount_text,
        "currency": facts.currency,
        "status": status,
        "status_code": 1000 if status == "success" else 2004 if status == "failure" else 2000,
        "status_description": {"success": "Successful", "failure": "Insufficient funds"}.get(status, "Processing"),
        "created_at": "2026-03-02T08:00:01.512Z",
    }
    tx.update(fields)
    return {key: value for key, value in tx.items() if value is not None}


def _ok(body: Any, status: int = 200, headers: Headers = JSON) -> Answer:
    return Answer(status=status, body=_json(body), headers=headers)


def _error(status: int, message: str, headers: Headers = JSON, **args: Any) -> Answer:
    return Answer(status=status, body=_json({"message": message, "args": args}), headers=headers)


def _front_door(status: int, code: int, message: str) -> Answer:
    return Answer(status=status, body=_json({"code": code, "message": message, "details": []}))


def _other_currency(currency: str) -> str:
    return "USD" if currency != "USD" else "UAH"


_AMBIGUOUS_JSON: Final = (
    Sample("500 json", lambda f: _error(500, "Internal server error")),
    Sample("503 json", lambda f: _error(503, "Service unavailable, try later")),
    Sample("504 deadline exceeded", lambda f: _front_door(504, 4, "Deadline exceeded")),
    Sample("503 endpoints unavailable", lambda f: _front_door(503, 14, "The service is currently unavailable.")),
    Sample("200 unrecognised", lambda f: _ok({"result": "ok"})),
)

CHARGE: Final = weighted(
    *((1, sample) for sample in GATEWAY),
    *((1, sample) for sample in _AMBIGUOUS_JSON),
    (2, Sample("timeout", lambda f: Answer(status=None, error="timeout", latency=None))),
    (1, Sample("reset", lambda f: Answer(status=None, error="reset"))),
    (1, Sample("connect", lambda f: Answer(status=None, error="connect"))),
    (
        2,
        Sample(
            "hosted redirect_url", lambda f: _ok(transaction(f, "init", redirect_url="https://cpay.tranzzo.test/h/x"))
        ),
    ),
    (1, Sample("201 location", lambda f: Answer(status=201, headers=(("location", "https://cpay.tranzzo.test/h/y"),)))),
    (2, Sample("success 1000", lambda f: _ok(transaction(f, "success")))),
    (1, Sample("pending", lambda f: _ok(transaction(f, "pending")))),
    (1, Sample("processing", lambda f: _ok(transaction(f, "processing", status_code=None)))),
    (1, Sample("failure", lambda f: _ok(transaction(f, "failure")))),
    (2, Sample("429 retry-after 7", lambda f: _error(429, "Too many requests", (*JSON, ("retry-after", "7"))))),
    (1, Sample("429 endpoints quota", lambda f: _front_door(429, 8, "Quota exceeded for quota metric"))),
    (2, Sample("404 not found", lambda f: _error(404, "Not found"))),
    (1, Sample("404 method does not exist", lambda f: _front_door(404, 5, "Method does not exist."))),
    (1, Sample("P-409 duplicate", lambda f: _error(400, "Order already exists", code="P-409"))),
    (
        1,
        Sample(
            "400 field violation",
            lambda f: _ok(
                {"message": "Validation failed", "args": [{"field_name": "amount", "violation": "must be positive"}]},
                status=400,
            ),
        ),
    ),
    (1, Sample("401 credentials", lambda f: _error(401, "Invalid pos_id field or credentials", code="S-401"))),
    (
        1,
        Sample(
            "401 unregistered caller",
            lambda f: _front_door(
                401, 16, "Method doesn't allow unregistered callers (callers without established identity)."
            ),
        ),
    ),
)

REQUERY: Final = weighted(
    *((1, sample) for sample in GATEWAY),
    (1, Sample("500 json", lambda f: _error(500, "Internal server error"))),
    (1, Sample("timeout", lambda f: Answer(status=None, error="timeout", latency=None))),
    (1, Sample("reset", lambda f: Answer(status=None, error="reset"))),
    (1, Sample("429", lambda f: _error(429, "Too many requests", (*JSON, ("retry-after", "2"))))),
    (1, Sample("404 method does not exist", lambda f: _front_door(404, 5, "Method does not exist."))),
    (1, Sample("empty array", lambda f: _ok([]))),
    (6, Sample("404 order not found", lambda f: _error(404, "Order not found", order_id=f.reference))),
    (2, Sample("pending", lambda f: _ok([transaction(f, "pending")]))),
    (1, Sample("init", lambda f: _ok([transaction(f, "init")]))),
    (1, Sample("auth hold 1002", lambda f: _ok([transaction(f, "success", method="auth", status_code=1002)]))),
    (3, Sample("success 1000", lambda f: _ok([transaction(f, "success")]))),
    (1, Sample("success object", lambda f: _ok(transaction(f, "success", status_code=None)))),
    (1, Sample("failure then success", lambda f: _ok([transaction(f, "failure"), transaction(f, "success")]))),
    (
        1,
        Sample(
            "success amount_order", lambda f: _ok([transaction(f, "success", amount=None, amount_order=f.amount_text)])
        ),
    ),
    (1, Sample("success, other amount", lambda f: _ok([transaction(f, "success", amount=_more(f))]))),
    (
        1,
        Sample(
            "success, other currency", lambda f: _ok([transaction(f, "success", currency=_other_currency(f.currency))])
        ),
    ),
    (1, Sample("success, other order", lambda f: _ok([transaction(f, "success", order_id=f"{f.reference}-2")]))),
    (1, Sample("success, unreadable amount", lambda f: _ok([transaction(f, "success", amount="12.345")]))),
    (2, Sample("failure", lambda f: _ok([transaction(f, "failure")]))),
    (1, Sample("antifraud", lambda f: _ok([transaction(f, "antifraud", status_code=None)]))),
)


def _more(facts: Facts) -> str:
    return Facts(facts.reference, facts.amount + 100, facts.currency, facts.provider_ref).amount_text


def _signed(facts: Facts, secret: str, payload: dict[str, Any], *, forged: bool = False) -> tuple[Headers, bytes]:
    data = base64.urlsafe_b64encode(_json(payload)).decode("ascii")
    signature = tranzzo.sign(data, "not-the-secret" if forged else secret)
    return FORM, urlencode({"data": data, "signature": signature}).encode("ascii")


WEBHOOKS: Final = (
    WebhookSample("success, signed", lambda f, s: _signed(f, s, transaction(f, "success"))),
    WebhookSample("failure, signed", lambda f, s: _signed(f, s, transaction(f, "failure"))),
    WebhookSample("pending, signed", lambda f, s: _signed(f, s, transaction(f, "pending"))),
    WebhookSample("success, forged", lambda f, s: _signed(f, s, transaction(f, "success"), forged=True)),
    WebhookSample("success, other amount", lambda f, s: _signed(f, s, transaction(f, "success", amount=_more(f)))),
    WebhookSample("garbage", lambda f, s: (FORM, b"data=%%%&signature=")),
)


def _request(action: Action, payment: Payment) -> HttpRequest:
    return tranzzo.request(action, payment, CREDENTIALS)


def _webhook(headers: Headers, body: bytes, secret: str, at: datetime) -> WebhookReceived:
    return tranzzo.webhook(headers, body, secret, at=at)


def _translate(wire: Wire) -> Event:
    return tranzzo.translate(wire)


KIT: Final = Kit(
    name=tranzzo.NAME,
    policy=tranzzo.POLICY,
    translate=_translate,
    request=_request,
    webhook=_webhook,
    webhook_secret=CREDENTIALS.api_secret,
    charge=CHARGE,
    requery=REQUERY,
    webhooks=WEBHOOKS,
    currencies=("UAH", "USD", "EUR", "XTS"),
    details=(
        {"server_url": "https://shop.test/tranzzo/callback", "customer_email": "buyer@shop.test"},
        {"cc_token": "tz-card-token-5e1f", "customer_id": "c-77", "description": "Stories order"},
    ),
)
