"""The generic reference-number adapter: EXAMPLE_SPEC's mapping, the contract, specs of other shapes."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from payfold import (
    NotProcessed,
    OutcomeUnknown,
    PaymentCreated,
    Requery,
    RequeryConfirmed,
    SendCharge,
    Wire,
    fold,
    tag_of,
)
from payfold.adapters import generic
from payfold.adapters.generic import EXAMPLE_SPEC, GenericAdapter, ReferenceApiSpec, adapter_for
from payfold.testing import AdapterContract
from tests._settings import examples

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AT = T0 + timedelta(seconds=3)
JSON = (("content-type", "application/json"),)
HTML = (("content-type", "text/html"),)
CF = (("content-type", "text/html"), ("server", "cloudflare"), ("cf-ray", "1-AMS"))
ADAPTER = generic.example


def answer(operation: str, status: int | None, body: Any = b"", headers: tuple[tuple[str, str], ...] = JSON) -> Wire:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Wire(operation=operation, sent_at=T0, received_at=AT, status=status, headers=headers, body=data)  # type: ignore[arg-type]


def payment_body(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "payment": {
            "id": "pm_1",
            "reference": "order-1",
            "status": status,
            "amount": {"value": "4500.00", "currency": "NGN"},
            **extra,
        }
    }


def error(code: str, message: str = "no") -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


NGINX = b"<html><head><title>502 Bad Gateway</title></head><body><hr><center>nginx/1.16.1</center></body></html>"
CF_522 = b"<html><head><title>x | 522: Connection timed out</title></head><body id='cf-error-details'></body></html>"

ROWS: list[tuple[str, Wire, str]] = [
    ("charge pending", answer("charge", 201, payment_body("pending")), "charge_accepted"),
    ("charge succeeded", answer("charge", 200, payment_body("succeeded")), "charge_accepted"),
    (
        "charge needs redirect",
        answer("charge", 200, payment_body("requires_action", next_action={"url": "https://bank.test/3ds"})),
        "action_required",
    ),
    ("charge declined", answer("charge", 200, payment_body("declined")), "charge_declined"),
    ("charge unknown status", answer("charge", 200, payment_body("mystery")), "outcome_unknown"),
    ("charge 400", answer("charge", 400, error("invalid_amount")), "charge_rejected"),
    ("charge 401", answer("charge", 401, error("invalid_key")), "charge_rejected"),
    ("charge duplicate", answer("charge", 409, error("duplicate_reference")), "charge_duplicate"),
    ("charge 429", answer("charge", 429, error("rate_limited"), (("retry-after", "7"),)), "not_processed"),
    ("charge 404", answer("charge", 404, b"", HTML), "not_processed"),
    ("charge 500", answer("charge", 500, error("internal")), "outcome_unknown"),
    ("charge nginx 502", answer("charge", 502, NGINX, HTML), "outcome_unknown"),
    ("charge cloudflare 522", answer("charge", 522, CF_522, CF), "outcome_unknown"),
    (
        "charge proxy 301 page",
        answer("charge", 301, b"<html><title>301 Moved Permanently</title></html>", HTML),
        "outcome_unknown",
    ),
    (
        "charge 302 json with a payment page",
        answer("charge", 302, payment_body("requires_action", next_action={"url": "https://bank.test/3ds"})),
        "outcome_unknown",
    ),
    ("charge WAF 403 page", answer("charge", 403, b"<html>blocked</html>", CF), "outcome_unknown"),
    ("charge timeout", Wire(operation="charge", sent_at=T0, received_at=AT, error="timeout"), "outcome_unknown"),
    ("charge connect", Wire(operation="charge", sent_at=T0, received_at=AT, error="connect"), "not_processed"),
    ("requery succeeded", answer("requery", 200, payment_body("succeeded")), "requery_confirmed"),
    ("requery pending", answer("requery", 200, payment_body("processing")), "requery_pending"),
    ("requery failed", answer("requery", 200, payment_body("failed")), "requery_declined"),
    ("requery not found", answer("requery", 404, error("payment_not_found")), "requery_not_found"),
    ("requery other 404", answer("requery", 404, {"message": "no route"}), "requery_failed"),
    ("requery html 404", answer("requery", 404, b"<html>404</html>", HTML), "requery_failed"),
    (
        "requery bad amount",
        answer("requery", 200, payment_body("succeeded", amount={"value": "45.001", "currency": "NGN"})),
        "requery_failed",
    ),
    ("requery 503", answer("requery", 503, NGINX, HTML), "requery_failed"),
    ("requery timeout", Wire(operation="requery", sent_at=T0, received_at=AT, error="timeout"), "requery_failed"),
    ("poll", answer("poll", 200, payment_body("succeeded")), "poll_failed"),
]


def signed(body: bytes, secret: str) -> tuple[tuple[str, str], ...]:
    return (("X-Signature", hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()),)


HOOK = json.dumps(payment_body("succeeded")).encode()


class TestExampleSpecContract(AdapterContract):
    adapter = ADAPTER
    samples = tuple((wire, tag) for _, wire, tag in ROWS)
    webhook_samples = (
        (signed(HOOK, "whsec_1"), HOOK, "whsec_1", True),
        (signed(HOOK, "other"), HOOK, "whsec_1", False),
    )
    examples = examples(3_000)


@pytest.mark.parametrize(("name", "wire", "tag"), ROWS, ids=[r[0] for r in ROWS])
def test_example_spec_mapping(name: str, wire: Wire, tag: str) -> None:
    assert tag_of(ADAPTER.translate(wire)) == tag, name


def test_a_522_is_ambiguous_never_a_resend() -> None:
    event = ADAPTER.translate(answer("charge", 522, CF_522, CF))
    assert isinstance(event, OutcomeUnknown) and event.cause == "cloudflare"


def test_confirmation_reads_the_nested_paths() -> None:
    event = ADAPTER.translate(answer("requery", 200, payment_body("succeeded")))
    assert isinstance(event, RequeryConfirmed)
    assert (event.provider_ref, event.reference, event.amount, event.currency) == ("pm_1", "order-1", 450000, "NGN")


def test_retry_after_is_read() -> None:
    event = ADAPTER.translate(ROWS[8][1])
    assert isinstance(event, NotProcessed) and event.retry_after == timedelta(seconds=7)


def test_a_flat_minor_unit_spec() -> None:
    spec = ReferenceApiSpec(
        name="flat",
        base_url="https://flat.test",
        amount_in_minor_units=True,
        status_paths=("state",),
        success=frozenset(("ok",)),
    )
    adapter = adapter_for(spec)
    body = {"id": 9, "reference": "r-1", "state": "OK", "amount": 1250, "currency": "KES"}
    event = adapter.translate(answer("requery", 200, body))
    assert isinstance(event, RequeryConfirmed) and (event.amount, event.provider_ref) == (1250, "9")
    assert tag_of(adapter.translate(answer("requery", 200, {**body, "amount": "12.50"}))) == "requery_failed"


def test_requests_follow_the_spec() -> None:
    created = PaymentCreated(
        at=T0,
        payment_id="p1",
        provider="example-refnum",
        amount=450000,
        currency="NGN",
        reference="order 1",
        details={"description": "Tea", "secret_note": "never sent"},
    )
    state = fold([created])
    creds = GenericAdapter.Credentials(api_key="sk_live_abcdef")
    charge = ADAPTER.request(SendCharge(due=T0), state, creds)
    assert (charge.method, charge.url) == ("POST", "https://api.refnum.example/v1/payments")
    assert json.loads(charge.body) == {
        "reference": "order 1",
        "amount": "4500.00",
        "currency": "NGN",
        "description": "Tea",
    }
    assert ("authorization", "Bearer sk_live_abcdef") in charge.headers
    status = ADAPTER.request(Requery(due=T0), state, creds)
    assert (status.method, status.url) == ("GET", "https://api.refnum.example/v1/payments/order%201")
    assert "sk_live" not in repr(creds)


def test_a_spec_needs_a_reference_in_its_status_path() -> None:
    with pytest.raises(ValueError, match="status_path"):
        ReferenceApiSpec(name="x", base_url="https://x", status_path="/payments")


def test_the_adapter_has_the_module_members() -> None:
    assert ADAPTER.NAME == "example-refnum" and EXAMPLE_SPEC.policy == ADAPTER.POLICY


def test_an_empty_webhook_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="webhook_secret is empty"):
        GenericAdapter.Credentials(api_key="sk_live_abcdef", webhook_secret="")
    with pytest.raises(ValueError, match="secret is empty"):
        ADAPTER.webhook(signed(HOOK, ""), HOOK, "", at=AT)
    creds = GenericAdapter.Credentials(api_key="sk_live_abcdef", webhook_secret="whsec_1")
    assert creds.webhook_secret == "whsec_1" and "whsec_1" not in repr(creds) and "sk_live" not in str(creds)
    assert GenericAdapter.Credentials(api_key="sk_live_abcdef").webhook_secret is None


def test_a_webhook_under_the_secret_kept_in_the_credentials_is_valid() -> None:
    creds = GenericAdapter.Credentials(api_key="k", webhook_secret="whsec_1")
    assert creds.webhook_secret is not None
    assert ADAPTER.webhook(signed(HOOK, "whsec_1"), HOOK, creds.webhook_secret, at=AT).signature_valid
