"""A webhook names the merchant reference it is about (``WebhookReceived.reference``), so an app routes it to its
payment without string tricks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.generic import EXAMPLE_SPEC, GenericAdapter

AT = datetime(2026, 6, 1, tzinfo=UTC)


def _tranzzo_form(data: dict[str, object], secret: str) -> bytes:
    # Written from Tranzzo's webhook page: data = base64url(JSON), signature = base64url(sha1(secret+data+secret)).
    encoded = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    digest = hashlib.sha1((secret + encoded + secret).encode()).digest()
    signature = base64.urlsafe_b64encode(digest).decode()
    from urllib.parse import urlencode

    return urlencode({"data": encoded, "signature": signature}).encode()


def test_tranzzo_webhook_names_its_order_id() -> None:
    body = _tranzzo_form({"order_id": "order-77", "status": "success", "amount": 12.5}, "s3cret")
    event = tranzzo.webhook((("content-type", "application/x-www-form-urlencoded"),), body, "s3cret", at=AT)
    assert event.signature_valid
    assert event.reference == "order-77"


def test_rave_v2_and_v3_webhooks_name_their_tx_ref() -> None:
    headers = (("verif-hash", "hash-1"),)
    v2 = flutterwave.webhook(headers, json.dumps({"txRef": "tx-9", "status": "successful"}).encode(), "hash-1", at=AT)
    assert (v2.signature_valid, v2.reference) == (True, "tx-9")
    v3_body = json.dumps({"event": "charge.completed", "data": {"tx_ref": "tx-10", "status": "failed"}}).encode()
    assert flutterwave.webhook(headers, v3_body, "hash-1", at=AT).reference == "tx-10"


def test_a_webhook_without_a_reference_names_none() -> None:
    event = flutterwave.webhook((("verif-hash", "h"),), b"<html>not json</html>", "h", at=AT)
    assert event.reference == ""


def test_generic_webhook_reads_the_reference_where_the_spec_says() -> None:
    adapter = GenericAdapter(EXAMPLE_SPEC)
    body = json.dumps({path: "ref-5" for path in EXAMPLE_SPEC.reference_paths[:1]}).encode()
    signature = hmac.new(b"k", body, EXAMPLE_SPEC.webhook_digest).hexdigest()
    event = adapter.webhook(((EXAMPLE_SPEC.webhook_signature_header, signature),), body, "k", at=AT)
    assert event.signature_valid
    assert event.reference == "ref-5"
