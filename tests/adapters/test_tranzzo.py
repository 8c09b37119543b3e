"""Tranzzo: every row of the mapping table in docs/adapters.md, the contract, requests and webhooks.

Fixtures are written from the facts in shared/research/wire-formats.md §2 (docs.tranzzo.com, the official plugins).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import pytest

from payfold import (
    ActionRequired,
    ChargeRejected,
    NotProcessed,
    OutcomeUnknown,
    PaymentCreated,
    Poll,
    Requery,
    RequeryConfirmed,
    RequeryFailed,
    RequeryPending,
    SendCharge,
    Validate,
    Wire,
    fold,
    tag_of,
)
from payfold.adapters import tranzzo
from payfold.adapters.wire.redact import REDACTED
from payfold.testing import AdapterContract
from tests._settings import examples

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AT = T0 + timedelta(seconds=2)
HTML = (("content-type", "text/html"),)
JSON = (("content-type", "application/json"),)


def answer(operation: str, status: int | None, body: Any = b"", headers: tuple[tuple[str, str], ...] = JSON) -> Wire:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Wire(operation=operation, sent_at=T0, received_at=AT, status=status, headers=headers, body=data)  # type: ignore[arg-type]


def tx(status: str, **fields: Any) -> dict[str, Any]:
    base = {
        "payment_id": "pay_7f3a",
        "transaction_id": "tx_91",
        "order_id": "order-1",
        "pos_id": "pos-1",
        "mode": "direct",
        "method": "purchase",
        "amount": "4500.00",
        "currency": "XTS",
        "status": status,
        "status_code": 1000 if status == "success" else 2000,
        "status_description": "ok" if status == "success" else "processing",
        "created_at": "2026-01-01T00:00:01Z",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def envelope(message: str, **args: Any) -> dict[str, Any]:
    return {"message": message, "args": args}


NGINX_502 = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<hr><center>nginx</center>\r\n</body>"
CF_522 = b'<html><head><title>cpay.tranzzo.com | 522: Connection timed out</title></head><div id="cf-error-details">'
CF = (("content-type", "text/html"), ("server", "cloudflare"), ("cf-ray", "8a1b-AMS"))

CHARGE_ROWS: list[tuple[str, Wire, str]] = [
    (
        "hosted redirect_url",
        answer("charge", 200, {"redirect_url": "https://cpay.tranzzo.com/h/abc"}),
        "action_required",
    ),
    (
        "hosted init with redirect",
        answer("charge", 200, tx("init", mode="hosted", redirect_url="https://cpay.tranzzo.com/h/abc")),
        "action_required",
    ),
    (
        "hosted Location header",
        answer("charge", 201, b"", (("location", "https://cpay.tranzzo.com/h/x"),)),
        "action_required",
    ),
    ("direct init", answer("charge", 200, tx("init")), "charge_accepted"),
    ("direct pending (3-D Secure)", answer("charge", 200, tx("pending")), "charge_accepted"),
    ("processing", answer("charge", 200, tx("processing")), "charge_accepted"),
    ("success", answer("charge", 200, tx("success")), "charge_accepted"),
    ("failure", answer("charge", 200, tx("failure")), "charge_declined"),
    ("legacy rejected", answer("charge", 200, tx("rejected")), "charge_declined"),
    ("legacy antifraud", answer("charge", 200, tx("antifraud")), "charge_declined"),
    ("unknown status", answer("charge", 200, tx("weird")), "outcome_unknown"),
    ("200 with nothing known", answer("charge", 200, {"hello": 1}), "outcome_unknown"),
    ("400 envelope", answer("charge", 400, envelope("Invalid amount", code="S-400")), "charge_rejected"),
    (
        "400 field violations",
        answer(
            "charge",
            400,
            {"message": "Invalid amount provided", "args": [{"field_name": "amount", "violation": "bad"}]},
        ),
        "charge_rejected",
    ),
    (
        "400 args.obj msg",
        answer("charge", 400, envelope("Bad", obj=[{"msg": ["order_id is required"]}])),
        "charge_rejected",
    ),
    (
        "401 credentials",
        answer("charge", 401, envelope("Invalid pos_id field or credentials", code="S-401")),
        "charge_rejected",
    ),
    ("403", answer("charge", 403, envelope("Forbidden", code="S-403")), "charge_rejected"),
    ("405", answer("charge", 405, envelope("Method not allowed")), "charge_rejected"),
    ("406", answer("charge", 406, envelope("Not acceptable")), "charge_rejected"),
    (
        "front door API key",
        answer("charge", 400, {"code": 3, "message": "API key not valid. Please pass a valid API key.", "details": []}),
        "charge_rejected",
    ),
    (
        "front door unregistered caller",
        answer("charge", 401, {"code": 16, "message": "Method doesn't allow unregistered callers", "details": []}),
        "charge_rejected",
    ),
    (
        "front door 404",
        answer("charge", 404, {"code": 5, "message": "Method does not exist.", "details": []}),
        "not_processed",
    ),
    ("tranzzo 404", answer("charge", 404, envelope("Not found", code="S-404")), "not_processed"),
    ("html 404", answer("charge", 404, b"<html>Not Found</html>", HTML), "not_processed"),
    ("429", answer("charge", 429, envelope("Too many requests"), (("retry-after", "30"),)), "not_processed"),
    ("P-409", answer("charge", 400, envelope("Order already exists", code="P-409")), "charge_duplicate"),
    ("P-409 on 409", answer("charge", 409, envelope("Order already exists", code="P-409")), "charge_duplicate"),
    ("500 error_id", answer("charge", 500, envelope("Internal error", error_id="e-77")), "outcome_unknown"),
    ("503", answer("charge", 503, envelope("Service unavailable")), "outcome_unknown"),
    (
        "504 deadline",
        answer("charge", 504, {"code": 4, "message": "Deadline exceeded", "details": []}),
        "outcome_unknown",
    ),
    ("nginx 502", answer("charge", 502, NGINX_502, HTML), "outcome_unknown"),
    ("cloudflare 522", answer("charge", 522, CF_522, CF), "outcome_unknown"),
    ("empty 200", answer("charge", 200, b""), "outcome_unknown"),
    ("timeout", Wire(operation="charge", sent_at=T0, received_at=AT, error="timeout"), "outcome_unknown"),
    ("reset", Wire(operation="charge", sent_at=T0, received_at=AT, error="reset"), "outcome_unknown"),
    ("connect", Wire(operation="charge", sent_at=T0, received_at=AT, error="connect"), "not_processed"),
]

REQUERY_ROWS: list[tuple[str, Wire, str]] = [
    ("array success", answer("requery", 200, [tx("success")]), "requery_confirmed"),
    ("single success", answer("requery", 200, tx("success")), "requery_confirmed"),
    ("success without status_code", answer("requery", 200, [tx("success", status_code=None)]), "requery_confirmed"),
    ("success as float amount", answer("requery", 200, [tx("success", amount=4500)]), "requery_confirmed"),
    ("auth hold 1002", answer("requery", 200, [tx("success", status_code=1002)]), "requery_pending"),
    ("method auth", answer("requery", 200, [tx("success", method="auth", status_code=None)]), "requery_pending"),
    ("init", answer("requery", 200, [tx("init")]), "requery_pending"),
    ("pending", answer("requery", 200, [tx("pending")]), "requery_pending"),
    ("processing", answer("requery", 200, [tx("processing")]), "requery_pending"),
    ("failure", answer("requery", 200, [tx("failure")]), "requery_declined"),
    ("legacy unsuccessful", answer("requery", 200, [tx("unsuccessful")]), "requery_declined"),
    ("amount beyond exponent", answer("requery", 200, [tx("success", amount="4500.001")]), "requery_failed"),
    ("unknown currency", answer("requery", 200, [tx("success", currency="ZZZ")]), "requery_failed"),
    ("amount missing", answer("requery", 200, [tx("success", amount=None)]), "requery_failed"),
    ("empty array", answer("requery", 200, []), "requery_failed"),
    ("only a void", answer("requery", 200, [tx("success", method="void")]), "requery_failed"),
    ("failure then success", answer("requery", 200, [tx("failure"), tx("success")]), "requery_confirmed"),
    (
        "void next to purchase",
        answer("requery", 200, [tx("success"), tx("success", method="void")]),
        "requery_confirmed",
    ),
    ("tranzzo 404", answer("requery", 404, envelope("Payment not found", code="S-404")), "requery_not_found"),
    ("front door 404", answer("requery", 404, {"code": 5, "message": "Method does not exist."}), "requery_failed"),
    ("401", answer("requery", 401, envelope("Invalid credentials")), "requery_failed"),
    ("500", answer("requery", 500, envelope("Internal", error_id="e")), "requery_failed"),
    ("nginx 504", answer("requery", 504, NGINX_502, HTML), "requery_failed"),
    ("timeout", Wire(operation="requery", sent_at=T0, received_at=AT, error="timeout"), "requery_failed"),
    ("connect", Wire(operation="requery", sent_at=T0, received_at=AT, error="connect"), "requery_failed"),
]

VECTOR_DATA = "eyJuYW1lIjoiSm9lIiwiYWdlIjoyMH0="
VECTOR_SIGNATURE = "Bcj3hb-h00HrEMIoJ5nPW5ZHlVQ="
FORM = (("Content-Type", "application/x-www-form-urlencoded"),)


def form(data: str, signature: str) -> bytes:
    return f"data={data.replace('=', '%3D')}&signature={signature.replace('=', '%3D')}".encode()


class TestTranzzoContract(AdapterContract):
    adapter: ClassVar[Any] = tranzzo
    samples = tuple((wire, tag) for _, wire, tag in CHARGE_ROWS + REQUERY_ROWS)
    webhook_samples = (
        (FORM, form(VECTOR_DATA, VECTOR_SIGNATURE), "changeme", True),
        (FORM, form(VECTOR_DATA, "Bcj3hb-h00HrEMIoJ5nPW5ZHlVQ_"), "changeme", False),
        (FORM, form(VECTOR_DATA, VECTOR_SIGNATURE), "changemf", False),
    )
    secrets = ("CPAY tz-key:tz-secret-value", "tz-endpoints-key-123")
    examples = examples(3_000)


@pytest.mark.parametrize(
    ("name", "wire", "tag"), CHARGE_ROWS + REQUERY_ROWS, ids=[r[0] for r in CHARGE_ROWS + REQUERY_ROWS]
)
def test_mapping_table(name: str, wire: Wire, tag: str) -> None:
    event = tranzzo.translate(wire)
    assert tag_of(event) == tag, name
    assert event.at == AT


def test_a_confirmation_carries_what_tranzzo_reported() -> None:
    event = tranzzo.translate(answer("requery", 200, [tx("success", amount="4500.5", currency="UAH")]))
    assert isinstance(event, RequeryConfirmed)
    assert event == RequeryConfirmed(
        at=AT, wire=event.wire, provider_ref="pay_7f3a", reference="order-1", amount=450050, currency="UAH"
    )


def test_configuration_rejections_say_so() -> None:
    for _, wire, tag in CHARGE_ROWS:
        event = tranzzo.translate(wire)
        if wire.status in (401,) or (tag == "charge_rejected" and b'"code": 3' in wire.body):
            assert isinstance(event, ChargeRejected) and event.reason.startswith("configuration:"), wire.body


def test_rejection_reason_lists_the_violations() -> None:
    event = tranzzo.translate(CHARGE_ROWS[13][1])
    assert isinstance(event, ChargeRejected) and "amount: bad" in event.reason


def test_retry_after_in_seconds_and_as_a_date() -> None:
    seconds = tranzzo.translate(answer("charge", 429, envelope("slow down"), (("retry-after", "30"),)))
    assert isinstance(seconds, NotProcessed) and seconds.retry_after == timedelta(seconds=30)
    date = tranzzo.translate(answer("charge", 429, b"", (("retry-after", "Thu, 01 Jan 2026 00:01:02 GMT"),)))
    assert isinstance(date, NotProcessed) and date.retry_after == timedelta(seconds=60)
    none = tranzzo.translate(answer("charge", 429, b"", (("retry-after", "soon"),)))
    assert isinstance(none, NotProcessed) and none.retry_after is None


def test_gateway_causes_are_named() -> None:
    assert tranzzo.translate(answer("charge", 502, NGINX_502, HTML)) == OutcomeUnknown(
        at=AT, wire=answer("charge", 502, NGINX_502, HTML), cause="nginx"
    )
    event = tranzzo.translate(answer("charge", 522, CF_522, CF))
    assert isinstance(event, OutcomeUnknown) and event.cause == "cloudflare"
    event = tranzzo.translate(answer("charge", 500, envelope("x", error_id="1")))
    assert isinstance(event, OutcomeUnknown) and event.cause == "server_error"


def test_redirect_url_is_kept() -> None:
    event = tranzzo.translate(CHARGE_ROWS[0][1])
    assert isinstance(event, ActionRequired) and event.kind == "redirect"
    assert event.url == "https://cpay.tranzzo.com/h/abc"


def test_auth_headers_never_reach_the_event() -> None:
    wire = answer("requery", 200, [tx("pending")], (("x-api-auth", "CPAY k:s"), ("x-api-key", "ek"), *JSON))
    event = tranzzo.translate(wire)
    assert isinstance(event, RequeryPending)
    assert dict(event.wire.headers) == {
        "x-api-auth": REDACTED,
        "x-api-key": REDACTED,
        "content-type": "application/json",
    }


def test_the_pos_and_card_data_in_a_body_are_redacted() -> None:
    event = tranzzo.translate(answer("requery", 200, [tx("success", cc_number="4111111111111111", card_cvv="123")]))
    assert isinstance(event, RequeryConfirmed)
    assert b"4111111111111111" not in event.wire.body and b'"card_cvv":"[redacted]"' in event.wire.body


# --- requests ---------------------------------------------------------------------------------------------

CREDENTIALS = tranzzo.Credentials(
    pos_id="pos-1", api_key="tz-key", api_secret="tz-secret-value", endpoints_key="tz-endpoints-key-123"
)


def payment(**details: str) -> Any:
    return fold(
        [
            PaymentCreated(
                at=T0,
                payment_id="p1",
                provider="tranzzo",
                amount=450_050,
                currency="UAH",
                reference="order/1",
                details=details,
            )
        ]
    )


def test_create_request_is_hosted_by_default() -> None:
    req = tranzzo.request(SendCharge(due=T0), payment(server_url="https://shop.test/cb"), CREDENTIALS)
    assert (req.operation, req.method, req.url) == ("charge", "POST", "https://cpay.tranzzo.com/api/v1/payment")
    body = json.loads(req.body)
    assert body == {
        "pos_id": "pos-1",
        "mode": "hosted",
        "method": "purchase",
        "amount": "4500.50",
        "currency": "UAH",
        "description": "Order order/1",
        "order_id": "order/1",
        "order_3ds_bypass": "supported",
        "server_url": "https://shop.test/cb",
    }
    headers = dict(req.headers)
    assert headers["x-api-auth"] == "CPAY tz-key:tz-secret-value"
    assert headers["x-api-key"] == "tz-endpoints-key-123"
    assert headers["content-type"] == headers["accept"] == "application/json"


def test_create_request_with_a_token_is_direct() -> None:
    req = tranzzo.request(SendCharge(due=T0), payment(cc_token="tok_1", description="Tea"), CREDENTIALS)
    body = json.loads(req.body)
    assert (body["mode"], body["cc_token"], body["description"]) == ("direct", "tok_1", "Tea")


def test_status_request_reads_the_order() -> None:
    base = tranzzo.Credentials(
        pos_id="pos 1", api_key="k", api_secret="s", endpoints_key="e", base_url="http://127.0.0.1:9/"
    )
    req = tranzzo.request(Requery(due=T0), payment(), base)
    assert (req.operation, req.method, req.url) == (
        "requery",
        "GET",
        "http://127.0.0.1:9/api/v1/pos/pos%201/orders/order%2F1",
    )


def test_poll_and_validate_are_not_tranzzo_calls() -> None:
    for action in (Poll(url="https://x", due=T0), Validate(otp="1234")):
        with pytest.raises(ValueError, match="Tranzzo has no"):
            tranzzo.request(action, payment(), CREDENTIALS)


def test_credentials_never_print_their_secrets() -> None:
    for text in (repr(CREDENTIALS), str(CREDENTIALS)):
        assert "tz-secret-value" not in text and "tz-key" not in text and "tz-endpoints" not in text


def test_policy_waits_sixty_seconds_after_ambiguity() -> None:
    assert tranzzo.POLICY.ambiguity_delay == timedelta(seconds=60)
    assert tranzzo.POLICY.timeout > timedelta(seconds=30)


# --- webhooks ---------------------------------------------------------------------------------------------


def test_documented_signature_vector() -> None:
    assert tranzzo.sign(VECTOR_DATA, "changeme") == VECTOR_SIGNATURE
    event = tranzzo.webhook(FORM, form(VECTOR_DATA, VECTOR_SIGNATURE), "changeme", at=AT)
    assert event.signature_valid and event.payload == {"name": "Joe", "age": 20}
    assert json.loads(event.wire.body) == event.payload
    assert (event.wire.operation, event.wire.sent_at, event.wire.received_at) == ("webhook", AT, AT)


def test_webhook_payload_is_redacted() -> None:
    raw = json.dumps(
        {"order_id": "o1", "status": "success", "cc_number": "4111111111111111", "note": "4111111111111111"}
    )
    data = base64.urlsafe_b64encode(raw.encode()).decode()
    event = tranzzo.webhook(FORM, form(data, tranzzo.sign(data, "whsecret")), "whsecret", at=AT)
    assert event.signature_valid
    assert event.payload == {"order_id": "o1", "status": "success", "cc_number": REDACTED, "note": "411111******1111"}


def test_webhook_with_garbage_is_unsigned() -> None:
    event = tranzzo.webhook((), b"\x00\xff", "whsecret", at=AT)
    assert not event.signature_valid and event.payload is None


def test_translate_of_a_poll_is_a_poll_failure() -> None:
    assert tag_of(tranzzo.translate(answer("poll", 200, tx("success")))) == "poll_failed"


def test_requery_failed_reasons_are_readable() -> None:
    event = tranzzo.translate(answer("requery", 200, []))
    assert isinstance(event, RequeryFailed) and "empty array" in event.reason
