"""The Paystack-like and Razorpay-like example specs: their documented answers, requests, webhooks, and the contract.

Fixtures are written from the providers' public docs (see each spec's module docstring), not copied from them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from payfold import (
    ActionRequired,
    ChargeAccepted,
    PaymentCreated,
    Requery,
    RequeryConfirmed,
    SendCharge,
    Wire,
    fold,
    tag_of,
)
from payfold.adapters.generic import (
    PAYSTACK_LIKE_SPEC,
    RAZORPAY_LIKE_SPEC,
    ReferenceApiCredentials,
    paystack_like,
    razorpay_like,
)
from payfold.testing import AdapterContract
from tests._settings import examples

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AT = T0 + timedelta(seconds=2)
JSON = (("content-type", "application/json"),)
HTML = (("content-type", "text/html"),)
PROXY_301 = b"<html><head><title>301 Moved Permanently</title></head><body><center>nginx</center></body></html>"


def answer(operation: str, status: int, body: Any, headers: tuple[tuple[str, str], ...] = JSON) -> Wire:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Wire(operation=operation, sent_at=T0, received_at=AT, status=status, headers=headers, body=data)  # type: ignore[arg-type]


# --- Paystack-like -------------------------------------------------------------------------------------------------


def ps_verify(status: str, amount: int = 450000, currency: str = "NGN") -> dict[str, Any]:
    return {
        "status": True,
        "message": "Verification successful",
        "data": {"id": 4099260516, "status": status, "reference": "order-1", "amount": amount, "currency": currency},
    }


PS_INIT = {
    "status": True,
    "message": "Authorization URL created",
    "data": {"authorization_url": "https://checkout.paystack.com/0peioxfhpn", "access_code": "0peioxfhpn"},
}


def ps_error(message: str) -> dict[str, Any]:
    return {"status": False, "message": message}


PAYSTACK_ROWS: list[tuple[str, Wire, str]] = [
    ("initialize: a checkout page", answer("charge", 200, PS_INIT), "action_required"),
    (
        "initialize: duplicate reference",
        answer("charge", 400, ps_error("Duplicate Transaction Reference")),
        "charge_duplicate",
    ),
    ("initialize: bad key", answer("charge", 401, ps_error("Invalid key")), "charge_rejected"),
    ("initialize: other 400", answer("charge", 400, ps_error("Invalid Amount Sent")), "charge_rejected"),
    ("initialize: proxy 301 page", answer("charge", 301, PROXY_301, HTML), "outcome_unknown"),
    ("initialize: 302 with a checkout url", answer("charge", 302, PS_INIT), "outcome_unknown"),
    ("initialize: 500", answer("charge", 500, ps_error("Server error")), "outcome_unknown"),
    ("verify: success", answer("requery", 200, ps_verify("success")), "requery_confirmed"),
    ("verify: failed", answer("requery", 200, ps_verify("failed")), "requery_declined"),
    ("verify: abandoned", answer("requery", 200, ps_verify("abandoned")), "requery_pending"),
    ("verify: ongoing", answer("requery", 200, ps_verify("ongoing")), "requery_pending"),
    ("verify: pending", answer("requery", 200, ps_verify("pending")), "requery_pending"),
    ("verify: reversed", answer("requery", 200, ps_verify("reversed")), "requery_failed"),
    ("verify: not found", answer("requery", 400, ps_error("Transaction reference not found")), "requery_not_found"),
    (
        "verify: not found, 404",
        answer("requery", 404, ps_error("Transaction reference not found.")),
        "requery_not_found",
    ),
    (
        "verify: not found from a 500",
        answer("requery", 500, ps_error("Transaction reference not found")),
        "requery_failed",
    ),
    ("verify: other 400", answer("requery", 400, ps_error("Invalid key")), "requery_failed"),
]


def ps_signed(body: bytes, secret: str) -> tuple[tuple[str, str], ...]:
    return (("X-Paystack-Signature", hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()),)


PS_HOOK = json.dumps({"event": "charge.success", **ps_verify("success")}).encode()


class TestPaystackLikeContract(AdapterContract):
    adapter = paystack_like
    samples = tuple((wire, tag) for _, wire, tag in PAYSTACK_ROWS)
    webhook_samples = (
        (ps_signed(PS_HOOK, "sk_test_hook"), PS_HOOK, "sk_test_hook", True),
        (ps_signed(PS_HOOK, "sk_test_other"), PS_HOOK, "sk_test_hook", False),
        # a SHA-256 signature is not Paystack's: refused
        (
            (("x-paystack-signature", hmac.new(b"sk_test_hook", PS_HOOK, hashlib.sha256).hexdigest()),),
            PS_HOOK,
            "sk_test_hook",
            False,
        ),
    )
    examples = examples(1_500)


@pytest.mark.parametrize(("name", "wire", "tag"), PAYSTACK_ROWS, ids=[r[0] for r in PAYSTACK_ROWS])
def test_paystack_like_mapping(name: str, wire: Wire, tag: str) -> None:
    assert tag_of(paystack_like.translate(wire)) == tag, name


def test_paystack_initialize_sends_the_customer_to_the_checkout_page() -> None:
    event = paystack_like.translate(answer("charge", 200, PS_INIT))
    assert isinstance(event, ActionRequired)
    assert (event.kind, event.url, event.provider_ref) == (
        "redirect",
        "https://checkout.paystack.com/0peioxfhpn",
        "0peioxfhpn",
    )


def test_paystack_verify_reads_kobo_as_minor_units() -> None:
    event = paystack_like.translate(answer("requery", 200, ps_verify("success", amount=450000)))
    assert isinstance(event, RequeryConfirmed)
    assert (event.amount, event.currency, event.reference, event.provider_ref) == (
        450000,
        "NGN",
        "order-1",
        "4099260516",
    )
    as_decimal = ps_verify("success")
    as_decimal["data"]["amount"] = "4500.00"  # Paystack sends subunits: decimal text is not its amount
    assert tag_of(paystack_like.translate(answer("requery", 200, as_decimal))) == "requery_failed"


def _payment(provider: str, reference: str = "order-1") -> Any:
    return fold(
        [
            PaymentCreated(
                at=T0,
                payment_id="p1",
                provider=provider,
                amount=450000,
                currency="NGN",
                reference=reference,
                details={"email": "buyer@shop.test", "callback_url": "https://shop.test/cb", "token": "never sent"},
            )
        ]
    )


def test_paystack_requests() -> None:
    creds = ReferenceApiCredentials(api_key="sk_test_abc", webhook_secret="sk_test_abc")
    charge = paystack_like.request(SendCharge(due=T0), _payment("paystack-like"), creds)
    assert (charge.method, charge.url) == ("POST", "https://api.paystack.co/transaction/initialize")
    assert json.loads(charge.body) == {
        "reference": "order-1",
        "amount": 450000,
        "currency": "NGN",
        "email": "buyer@shop.test",
        "callback_url": "https://shop.test/cb",
    }
    assert ("authorization", "Bearer sk_test_abc") in charge.headers
    verify = paystack_like.request(Requery(due=T0), _payment("paystack-like", "order=1.a"), creds)
    assert (verify.method, verify.url) == ("GET", "https://api.paystack.co/transaction/verify/order%3D1.a")


# --- Razorpay-like -------------------------------------------------------------------------------------------------


def rp_order(status: str, paid: int = 0, currency: str = "INR") -> dict[str, Any]:
    return {
        "id": "order_EKwxwAgItmmXdp",
        "entity": "order",
        "amount": 50000,
        "amount_paid": paid,
        "amount_due": 50000 - paid,
        "currency": currency,
        "receipt": "order-1",
        "status": status,
        "attempts": 0 if status == "created" else 1,
        "created_at": 1582628071,
    }


def rp_list(*orders: dict[str, Any]) -> dict[str, Any]:
    return {"entity": "collection", "count": len(orders), "items": list(orders)}


def rp_error(code: str, description: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "description": description,
            "source": "business",
            "step": "payment_initiation",
            "reason": "input_validation_failed",
            "metadata": {},
            "field": "amount",
        }
    }


RAZORPAY_ROWS: list[tuple[str, Wire, str]] = [
    ("order created", answer("charge", 200, rp_order("created")), "charge_accepted"),
    (
        "order: amount too small",
        answer("charge", 400, rp_error("BAD_REQUEST_ERROR", "The amount must be at least INR 1.00")),
        "charge_rejected",
    ),
    (
        "order: bad key",
        answer("charge", 401, rp_error("BAD_REQUEST_ERROR", "The api key provided is invalid")),
        "charge_rejected",
    ),
    (
        "order: server error",
        answer("charge", 500, rp_error("SERVER_ERROR", "We are facing some trouble")),
        "outcome_unknown",
    ),
    ("order: rate limited", answer("charge", 429, rp_error("BAD_REQUEST_ERROR", "Too many requests")), "not_processed"),
    ("order: proxy 301 page", answer("charge", 301, PROXY_301, HTML), "outcome_unknown"),
    ("status: paid", answer("requery", 200, rp_list(rp_order("paid", paid=50000))), "requery_confirmed"),
    ("status: attempted", answer("requery", 200, rp_list(rp_order("attempted"))), "requery_pending"),
    ("status: created", answer("requery", 200, rp_list(rp_order("created"))), "requery_pending"),
    ("status: no order with this receipt", answer("requery", 200, rp_list()), "requery_not_found"),
    ("status: 400", answer("requery", 400, rp_error("BAD_REQUEST_ERROR", "receipt is invalid")), "requery_failed"),
    ("status: gateway error", answer("requery", 502, rp_error("GATEWAY_ERROR", "Gateway failure")), "requery_failed"),
]


def rp_signed(body: bytes, secret: str) -> tuple[tuple[str, str], ...]:
    return (("X-Razorpay-Signature", hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()),)


RP_HOOK = json.dumps({"event": "order.paid", "payload": {"order": {"entity": rp_order("paid", paid=50000)}}}).encode()


class TestRazorpayLikeContract(AdapterContract):
    adapter = razorpay_like
    samples = tuple((wire, tag) for _, wire, tag in RAZORPAY_ROWS)
    webhook_samples = (
        (rp_signed(RP_HOOK, "whsec_rzp"), RP_HOOK, "whsec_rzp", True),
        (rp_signed(RP_HOOK, "key_secret_not_webhook"), RP_HOOK, "whsec_rzp", False),
    )
    examples = examples(1_500)


@pytest.mark.parametrize(("name", "wire", "tag"), RAZORPAY_ROWS, ids=[r[0] for r in RAZORPAY_ROWS])
def test_razorpay_like_mapping(name: str, wire: Wire, tag: str) -> None:
    assert tag_of(razorpay_like.translate(wire)) == tag, name


def test_razorpay_confirms_the_amount_paid_in_paise() -> None:
    event = razorpay_like.translate(answer("requery", 200, rp_list(rp_order("paid", paid=50000))))
    assert isinstance(event, RequeryConfirmed)
    assert (event.amount, event.currency, event.reference, event.provider_ref) == (
        50000,
        "INR",
        "order-1",
        "order_EKwxwAgItmmXdp",
    )


def test_razorpay_order_id_is_kept_for_checkout() -> None:
    event = razorpay_like.translate(answer("charge", 200, rp_order("created")))
    assert isinstance(event, ChargeAccepted) and event.provider_ref == "order_EKwxwAgItmmXdp"


def test_razorpay_requests() -> None:
    creds = ReferenceApiCredentials(api_key="cnpwX3Rlc3RfMTpzZWNyZXQ=")  # base64("rzp_test_1:secret")
    payment = _payment("razorpay-like")
    order = razorpay_like.request(SendCharge(due=T0), payment, creds)
    assert (order.method, order.url) == ("POST", "https://api.razorpay.com/v1/orders")
    assert json.loads(order.body) == {"receipt": "order-1", "amount": 450000, "currency": "NGN"}
    assert ("authorization", "Basic cnpwX3Rlc3RfMTpzZWNyZXQ=") in order.headers
    status = razorpay_like.request(Requery(due=T0), _payment("razorpay-like", "order 1&x"), creds)
    assert (status.method, status.url) == ("GET", "https://api.razorpay.com/v1/orders?receipt=order%201%26x")


def test_the_example_specs_are_named_for_what_they_are() -> None:
    assert (PAYSTACK_LIKE_SPEC.name, RAZORPAY_LIKE_SPEC.name) == ("paystack-like", "razorpay-like")
    assert (paystack_like.NAME, razorpay_like.NAME) == ("paystack-like", "razorpay-like")
