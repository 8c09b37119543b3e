"""issue 9's redaction rules, one focused test each, over ``reading.read`` and the adapters that use it.

The card-number oracle here is written from the rule (13-19 digits starting 2-6, Luhn, separators between
digits), not imported from the code under test.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payfold import ActionRequired, LongRequestStarted, OutcomeUnknown, RequeryConfirmed, Wire
from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.wire.names import normalized
from payfold.adapters.wire.reading import read
from payfold.adapters.wire.redact import REDACTED, SECRET_FIELDS, redact_url, scrub_pans
from tests._settings import examples

T0 = datetime(2026, 1, 1, tzinfo=UTC)
VISA = "4111111111111111"


def luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def cards_in(text: str) -> list[str]:
    """Every card number the rule names in ``text``: whole-group windows of separated digit runs."""
    found = []
    for run in re.finditer(r"[0-9](?:(?:[ .+\-\u00a0]|%20|\\u00a0)?[0-9])*", text):
        groups = re.split(r"[ .+\-\u00a0]|%20|\\u00a0", run.group())
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn(digits):
                    found.append(digits)
    return found


def wire(body: bytes, *, operation: str = "requery", status: int = 200, headers=(), url: str = "") -> Wire:  # type: ignore[no-untyped-def]
    return Wire(operation=operation, sent_at=T0, received_at=T0, status=status, headers=headers, body=body, url=url)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name",
    [
        "seckey",
        "x-seckey",
        "api-key",
        "x-api-key",
        "X-Api-Auth",
        "authorization",
        "proxy-authorization",
        "verif-hash",
        "cookie",
        "set-cookie",
    ],
)
def test_secret_headers_under_every_spelling(name: str) -> None:
    out = read(wire(b"{}", headers=((name.lower(), "s3cr3t-value"),))).wire
    assert out.headers == ((name.lower(), REDACTED),)


@pytest.mark.parametrize(
    "key", ["x-api-key", "verif-hash", "csc", "cvc2", "cvv2", "security_code", "SECKEY", "expiry_month", "Card-Number"]
)
def test_secret_json_keys_under_every_spelling(key: str) -> None:
    out = read(wire(json.dumps({"ok": 1, key: "s3cr3t-value"}).encode())).wire
    assert b"s3cr3t-value" not in out.body
    assert json.loads(out.body) == {"ok": 1, key: REDACTED}


def test_the_name_list_is_normalized() -> None:
    assert all(name == normalized(name) for name in SECRET_FIELDS)
    assert normalized("X-Api-Key") == normalized("api_key") == "apikey"


@pytest.mark.parametrize(
    "body",
    [b'{"cvv":"123","cvv":""}', b'{"SECKEY":"FLWSECK-abc","SECKEY":null}', b'{"note":"x","c\\u0076v":"123","cvv":""}'],
)
def test_every_duplicate_key_goes(body: bytes) -> None:
    out = read(wire(body)).wire
    assert b"123" not in out.body and b"FLWSECK-abc" not in out.body
    json.loads(out.body)


@pytest.mark.parametrize("content_type", ["text/plain", "", "application/x-www-form-urlencoded", "text/html"])
def test_form_bodies_whatever_their_content_type(content_type: str) -> None:
    headers = (("content-type", content_type),) if content_type else ()
    out = read(wire(b"order=1&cvv=123&card%5Fnumber=4111", headers=headers)).wire
    assert b"cvv=123" not in out.body and b"4111" not in out.body and b"order=1" in out.body


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://user:p@ss@host/v1?x=1", "https://user:[redacted]@host/v1?x=1"),
        (
            "https://h/p?x-api-key=k1&api-key=k2&key=k3&token=t&sig=s&signature=s2&auth=a&access_token=a2&password=p"
            "&q=1",
            "https://h/p?x-api-key=[redacted]&api-key=[redacted]&key=[redacted]&token=[redacted]&sig=[redacted]"
            "&signature=[redacted]&auth=[redacted]&access_token=[redacted]&password=[redacted]&q=1",
        ),
    ],
)
def test_redact_url(url: str, kept: str) -> None:
    assert redact_url(url) == kept


def test_urls_copied_into_events_are_redacted() -> None:
    body = {"status": "init", "order_id": "o1", "redirect_url": "https://pay.example/h?token=abc123&x=1"}
    event = tranzzo.translate(wire(json.dumps(body).encode(), operation="charge"))
    assert isinstance(event, ActionRequired) and event.url == "https://pay.example/h?token=[redacted]&x=1"
    rave = {
        "status": "success",
        "message": "LONG-REQ",
        "data": {"ping_url": "https://u:pw@rave.example/ping?sig=zz", "wait": 1000},
    }
    event = flutterwave.translate(wire(json.dumps(rave).encode(), operation="charge"))
    assert isinstance(event, LongRequestStarted) and "pw" not in event.ping_url and "zz" not in event.ping_url


def test_escaped_echoes_of_a_webhook_secret_go() -> None:
    secret = "whsec/é-0123"
    echoes = json.dumps(secret)[1:-1].replace("/", "\\/"), "".join(f"\\u{ord(c):04x}" for c in secret)
    for echo in echoes:
        body = ('{"event":"charge.completed","note":"' + echo + '"}').encode()
        event = flutterwave.webhook((("verif-hash", secret),), body, secret, at=T0)
        assert secret not in json.dumps(event.payload) and echo.encode() not in event.wire.body


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111.1111.1111.1111",
        "4111\u00a01111\u00a01111\u00a01111",
        "4111+1111+1111+1111",
        "4111%201111%201111%201111",
        "card4111111111111111x",
        "%3A4111111111111111",
        "ref 12 4111 1111 1111 1111",
    ],
)
def test_formatted_card_numbers_in_strings(text: str) -> None:
    out = read(wire(json.dumps({"note": text}).encode())).wire
    assert not cards_in(json.loads(out.body)["note"]) and not cards_in(out.body.decode())


@pytest.mark.parametrize(
    "number", ["4.111111111111111e15", "4111111111111111E0", "4111111111111111110", "-4111111111111111"]
)
def test_card_numbers_as_json_numbers_in_any_notation(number: str) -> None:
    out = read(wire(b'{"n": ' + number.encode() + b"}")).wire
    assert "4111111111" not in out.body.decode().replace("411111*", "")


def test_a_card_after_an_escape_inside_a_json_string() -> None:
    out = read(wire(b'{"note":"line\\n4111111111111111"}')).wire
    assert VISA.encode() not in out.body and VISA not in json.loads(out.body)["note"]


def test_masking_keeps_six_and_four() -> None:
    assert scrub_pans(b"4111 1111 1111 1111") == b"4111 11** **** 1111"


def test_references_and_amounts_are_read_before_masking() -> None:
    tx = [
        {
            "status": "success",
            "status_code": 1000,
            "order_id": VISA,
            "payment_id": "5555555555554444",
            "amount": "10.00",
            "currency": "UAH",
            "method": "purchase",
        }
    ]
    event = tranzzo.translate(wire(json.dumps(tx).encode()))
    assert isinstance(event, RequeryConfirmed)
    assert (event.reference, event.provider_ref) == (VISA, "5555555555554444")
    assert VISA.encode() not in event.wire.body


def test_a_base64_webhook_field_is_decoded_and_scrubbed() -> None:
    data = base64.urlsafe_b64encode(json.dumps({"order_id": "o1", "note": f"card {VISA}"}).encode()).decode()
    body = f"data={data}&signature={tranzzo.sign(data, 'api-secret')}".encode()
    event = tranzzo.webhook((), body, "api-secret", at=T0)
    assert event.signature_valid and VISA.encode() not in event.wire.body and event.payload is not None


def test_empty_webhook_secrets_are_configuration_errors() -> None:
    with pytest.raises(ValueError, match="api_secret is empty"):
        tranzzo.Credentials(pos_id="p", api_key="k", api_secret="", endpoints_key="e")
    with pytest.raises(ValueError, match="empty"):
        tranzzo.webhook((), b"data=e30=&signature=x", "", at=T0)
    with pytest.raises(ValueError, match="empty"):
        flutterwave.webhook((), b"{}", "", at=T0)


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_3xx_on_a_charge_is_never_a_payment_page(status: int) -> None:
    page = b"<html><head><title>301 Moved Permanently</title></head><body>moved</body></html>"
    headers = (("content-type", "text/html"), ("location", "https://cpay.tranzzo.com/api/v1/payment"))
    event = tranzzo.translate(wire(page, operation="charge", status=status, headers=headers))
    assert isinstance(event, OutcomeUnknown)


def test_a_2xx_location_is_still_the_hosted_page() -> None:
    event = tranzzo.translate(
        wire(b"", operation="charge", status=201, headers=(("location", "https://pay.example/h"),))
    )
    assert isinstance(event, ActionRequired) and event.url == "https://pay.example/h"


def test_a_clean_body_is_kept_verbatim_and_read_once() -> None:
    body = b'{ "status": "success", "amount": "10.00" }'
    reading = read(wire(body))
    assert reading.clean and reading.wire.body is body and reading.safe_value is reading.value


@settings(max_examples=examples(500))
@given(st.lists(st.sampled_from(["4111", "1111", "5555", "4444", "12", " ", "-", ".", "x", "\u00a0"]), max_size=24))
def test_no_card_number_survives_scrubbing(parts: list[str]) -> None:
    text = "".join(parts)
    assert not cards_in(scrub_pans(text.encode()).decode())


def test_scrubbing_a_hostile_body_is_linear() -> None:
    body = (b"4 " * 5_000) + (b"1-" * 5_000)
    out = scrub_pans(body)
    assert len(out) == len(body) and not cards_in(out.decode())
