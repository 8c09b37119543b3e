"""Two independent implementations must agree: the sandbox signs callbacks from the provider docs, the adapters
check them on their own. A mistake on either side (padding, the order of secret and data, the header name, a
lenient comparison) shows up as a disagreement here."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.sandbox import DEFAULT_TRANZZO, RaveKeys, Sandbox, TranzzoKeys
from payfold.adapters.sandbox._signing import base64url, rave_webhook_headers, tranzzo_signature, tranzzo_webhook

from ._drive import payment, rig

AT = datetime(2026, 3, 1, tzinfo=UTC)
secrets = st.text(min_size=1, max_size=24)
json_values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
payloads = st.dictionaries(st.text(max_size=8), json_values, max_size=5).map(msgspec.json.encode)


def _fields(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("ascii"), keep_blank_values=True))


def _form(data: str, signature: str) -> bytes:
    return urlencode({"data": data, "signature": signature}).encode("ascii")


def test_the_sandbox_signs_the_docs_test_vector() -> None:
    # docs.tranzzo.com webhooks/structure, as research/wire-formats.md §2.6 records it (recomputed there too).
    data = base64url(b'{"name":"Joe","age":20}')
    assert data == "eyJuYW1lIjoiSm9lIiwiYWdlIjoyMH0="
    assert tranzzo_signature(data, "changeme") == "Bcj3hb-h00HrEMIoJ5nPW5ZHlVQ="


@given(payloads, secrets)
def test_a_tranzzo_callback_signed_by_the_sandbox_verifies_with_the_adapter(raw: bytes, secret: str) -> None:
    headers, body = tranzzo_webhook(raw, secret)
    event = tranzzo.webhook(headers, body, secret, at=AT)
    assert event.signature_valid
    assert event.payload is not None  # the adapter decoded the sandbox's Base64Url data


@given(payloads, secrets, st.data())
def test_a_tampered_tranzzo_signature_does_not_verify(raw: bytes, secret: str, data: st.DataObject) -> None:
    headers, body = tranzzo_webhook(raw, secret)
    fields = _fields(body)
    signature = fields["signature"]
    at = data.draw(st.integers(0, len(signature) - 1), label="position")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="
    other = data.draw(st.sampled_from([c for c in alphabet if c != signature[at]]), label="replacement")
    forged = signature[:at] + other + signature[at + 1 :]
    assert not tranzzo.webhook(headers, _form(fields["data"], forged), secret, at=AT).signature_valid


@given(payloads, payloads, secrets)
def test_tranzzo_data_swapped_under_a_signature_does_not_verify(raw: bytes, swapped: bytes, secret: str) -> None:
    headers, body = tranzzo_webhook(raw, secret)
    forged = _form(base64url(swapped), _fields(body)["signature"])
    assert tranzzo.webhook(headers, forged, secret, at=AT).signature_valid is (swapped == raw)


@given(payloads, secrets, secrets)
def test_a_tranzzo_callback_checked_with_another_secret_does_not_verify(raw: bytes, secret: str, other: str) -> None:
    headers, body = tranzzo_webhook(raw, secret)
    assert tranzzo.webhook(headers, body, other, at=AT).signature_valid is (other == secret)


@given(payloads, secrets, secrets)
def test_a_rave_verif_hash_from_the_sandbox_verifies_only_with_that_hash(raw: bytes, secret: str, other: str) -> None:
    headers = rave_webhook_headers(secret)
    assert flutterwave.webhook(headers, raw, secret, at=AT).signature_valid
    assert flutterwave.webhook(headers, raw, other, at=AT).signature_valid is (other == secret)
    tampered = tuple((name, value + "x" if name == "verif-hash" else value) for name, value in headers)
    assert not flutterwave.webhook(tampered, raw, secret, at=AT).signature_valid


async def test_a_served_sandbox_with_its_own_keys_signs_what_both_adapters_accept() -> None:
    keys = TranzzoKeys(pos_id="pos-x", api_key="key-x", api_secret="s3cret+/=", endpoints_key="ep-x")
    async with rig(tranzzo=keys, rave_webhook_hash="hash-x") as r:
        await r.charge(payment("tranzzo", "sig-t"))
        await r.charge(payment("flutterwave", "sig-r"))
        by_provider = {provider: (headers, body) for provider, headers, body in r.sandbox.webhooks()}
    headers, body = by_provider["tranzzo"]
    assert tranzzo.webhook(headers, body, "s3cret+/=", at=AT).signature_valid
    assert not tranzzo.webhook(headers, body, DEFAULT_TRANZZO.api_secret, at=AT).signature_valid
    headers, body = by_provider["flutterwave"]
    assert flutterwave.webhook(headers, body, "hash-x", at=AT).signature_valid
    assert not flutterwave.webhook(headers, body, "hash-y", at=AT).signature_valid


def test_the_sandbox_never_signs_with_an_empty_secret() -> None:
    with pytest.raises(ValueError, match="api_secret"):
        TranzzoKeys(pos_id="p", api_key="k", api_secret="", endpoints_key="e")
    with pytest.raises(ValueError, match="secret_key"):
        RaveKeys(public_key="FLWPUBK-x", secret_key="")
    with pytest.raises(ValueError, match="rave_webhook_hash"):
        Sandbox(rave_webhook_hash="")
    with pytest.raises(ValueError):
        tranzzo_signature("data", "")
    with pytest.raises(ValueError):
        rave_webhook_headers("")
