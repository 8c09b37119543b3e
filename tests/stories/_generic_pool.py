"""Wire answers of the generic adapter's ``EXAMPLE_SPEC``: an **invented** reference-number provider (there is no
public one, shared/research/wire-formats.md §4), answering as ``payfold.adapters.generic`` documents it::

    {"payment": {"id": "pm_1", "reference": "order-1", "status": "succeeded",
                 "amount": {"value": "4500.00", "currency": "NGN"}}}
    {"error": {"code": "payment_not_found", "message": "No payment with this reference"}}   (HTTP 404)

plus the real-world failures every JSON REST provider meets: gateway pages (§3), timeouts, 429 with
``Retry-After``. Webhooks carry hex HMAC-SHA256 of the raw body in ``x-signature``.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any, Final

import msgspec

from payfold import Action, Event, Payment, WebhookReceived, Wire
from payfold.adapters import HttpRequest
from payfold.adapters.generic import EXAMPLE_SPEC, GenericAdapter, ReferenceApiCredentials
from tests.stories._gateway_pages import GATEWAY
from tests.stories._machine import JSON, Answer, Facts, Headers, Kit, Sample, WebhookSample, weighted

ADAPTER: Final = GenericAdapter(EXAMPLE_SPEC)
CREDENTIALS: Final = ReferenceApiCredentials(api_key="refnum-stories-key", base_url="https://api.refnum.test")
WEBHOOK_SECRET: Final = "refnum-webhook-secret"


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def _more(facts: Facts) -> str:
    return Facts(facts.reference, facts.amount + 100, facts.currency, facts.provider_ref).amount_text


def _other_currency(currency: str) -> str:
    return "EUR" if currency != "EUR" else "NGN"


def payment_body(facts: Facts, status: str, **fields: Any) -> dict[str, Any]:
    """``{"payment": {...}}`` as the invented provider reports it; ``fields`` override (None removes one)."""
    body: dict[str, Any] = {
        "id": f"pm_{facts.provider_ref}",
        "reference": facts.reference,
        "status": status,
        "amount": {"value": facts.amount_text, "currency": facts.currency},
        "created": "2026-03-02T08:00:01Z",
    }
    body.update(fields)
    return {"payment": {key: value for key, value in body.items() if value is not None}}


def _ok(body: Any, status: int = 200) -> Answer:
    return Answer(status=status, body=_json(body), headers=JSON)


def _error(status: int, code: str, message: str, headers: Headers = JSON) -> Answer:
    return Answer(status=status, body=_json({"error": {"code": code, "message": message}}), headers=headers)


_TRANSPORT: Final = (
    Sample("timeout", lambda f: Answer(status=None, error="timeout", latency=None)),
    Sample("reset", lambda f: Answer(status=None, error="reset")),
)

CHARGE: Final = weighted(
    *((1, sample) for sample in GATEWAY),
    *((2, sample) for sample in _TRANSPORT),
    (1, Sample("connect", lambda f: Answer(status=None, error="connect"))),
    (1, Sample("500 json", lambda f: _error(500, "internal", "Internal error"))),
    (1, Sample("503 json", lambda f: _error(503, "unavailable", "Try again later"))),
    (2, Sample("201 pending", lambda f: _ok(payment_body(f, "pending"), 201))),
    (1, Sample("200 processing", lambda f: _ok(payment_body(f, "processing")))),
    (
        2,
        Sample(
            "requires_action redirect",
            lambda f: _ok(payment_body(f, "requires_action", next_action={"url": "https://pay.refnum.test/3ds/1"})),
        ),
    ),
    (2, Sample("200 succeeded", lambda f: _ok(payment_body(f, "succeeded")))),
    (1, Sample("200 declined", lambda f: _ok(payment_body(f, "declined")))),
    (1, Sample("200 unknown status", lambda f: _ok(payment_body(f, "on_hold")))),
    (1, Sample("409 duplicate_reference", lambda f: _error(409, "duplicate_reference", "Reference already used"))),
    (1, Sample("422 invalid_amount", lambda f: _error(422, "invalid_amount", "Amount must be positive"))),
    (1, Sample("401 bad key", lambda f: _error(401, "unauthorized", "Invalid API key"))),
    (2, Sample("429 retry-after 4", lambda f: _error(429, "rate_limited", "Slow down", (*JSON, ("retry-after", "4"))))),
    (1, Sample("404 no route", lambda f: _error(404, "not_found", "No such route"))),
)

REQUERY: Final = weighted(
    *((1, sample) for sample in GATEWAY),
    *((1, sample) for sample in _TRANSPORT),
    (1, Sample("500 json", lambda f: _error(500, "internal", "Internal error"))),
    (1, Sample("429", lambda f: _error(429, "rate_limited", "Slow down"))),
    (6, Sample("404 payment_not_found", lambda f: _error(404, "payment_not_found", "No payment with this reference"))),
    (1, Sample("200 status payment_not_found", lambda f: _ok({"status": "payment_not_found"}))),
    (2, Sample("pending", lambda f: _ok(payment_body(f, "pending")))),
    (1, Sample("requires_action", lambda f: _ok(payment_body(f, "requires_action")))),
    (3, Sample("succeeded", lambda f: _ok(payment_body(f, "succeeded")))),
    (
        1,
        Sample(
            "success, flat amount", lambda f: _ok(payment_body(f, "success", amount=f.amount_text, currency=f.currency))
        ),
    ),
    (
        1,
        Sample(
            "succeeded, other amount",
            lambda f: _ok(payment_body(f, "succeeded", amount={"value": _more(f), "currency": f.currency})),
        ),
    ),
    (
        1,
        Sample(
            "succeeded, other currency",
            lambda f: _ok(
                payment_body(f, "succeeded", amount={"value": f.amount_text, "currency": _other_currency(f.currency)})
            ),
        ),
    ),
    (
        1,
        Sample("succeeded, other reference", lambda f: _ok(payment_body(f, "succeeded", reference=f"{f.reference}-2"))),
    ),
    (
        1,
        Sample(
            "succeeded, unreadable amount",
            lambda f: _ok(payment_body(f, "succeeded", amount={"value": "1.234", "currency": f.currency})),
        ),
    ),
    (1, Sample("succeeded, no amount", lambda f: _ok(payment_body(f, "succeeded", amount=None)))),
    (2, Sample("failed", lambda f: _ok(payment_body(f, "failed")))),
    (1, Sample("declined", lambda f: _ok(payment_body(f, "declined")))),
    (1, Sample("unknown status", lambda f: _ok(payment_body(f, "on_hold")))),
)


def _signed(body: bytes, secret: str) -> tuple[Headers, bytes]:
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return (*JSON, ("x-signature", signature)), body


WEBHOOKS: Final = (
    WebhookSample(
        "succeeded, signed", lambda f, s: _signed(_json({"type": "payment.updated", **payment_body(f, "succeeded")}), s)
    ),
    WebhookSample(
        "failed, signed", lambda f, s: _signed(_json({"type": "payment.updated", **payment_body(f, "failed")}), s)
    ),
    WebhookSample("succeeded, forged", lambda f, s: _signed(_json(payment_body(f, "succeeded")), "not-the-secret")),
    WebhookSample("succeeded, unsigned", lambda f, s: (JSON, _json(payment_body(f, "succeeded")))),
    WebhookSample(
        "other amount, signed",
        lambda f, s: _signed(
            _json(payment_body(f, "succeeded", amount={"value": _more(f), "currency": f.currency})), s
        ),
    ),
    WebhookSample("html, signed", lambda f, s: _signed(b"<html><body>ok</body></html>", s)),
)


def _request(action: Action, payment: Payment) -> HttpRequest:
    return ADAPTER.request(action, payment, CREDENTIALS)


def _webhook(headers: Headers, body: bytes, secret: str, at: datetime) -> WebhookReceived:
    return ADAPTER.webhook(headers, body, secret, at=at)


def _translate(wire: Wire) -> Event:
    return ADAPTER.translate(wire)


KIT: Final = Kit(
    name=EXAMPLE_SPEC.name,
    policy=ADAPTER.POLICY,
    translate=_translate,
    request=_request,
    webhook=_webhook,
    webhook_secret=WEBHOOK_SECRET,
    charge=CHARGE,
    requery=REQUERY,
    webhooks=WEBHOOKS,
    currencies=("NGN", "XTS", "EUR", "KWD", "JPY"),
    details=(
        {"description": "Stories order", "customer_email": "buyer@shop.test", "callback_url": "https://shop.test/cb"},
    ),
)
