"""Redaction: secret headers, parameters, fields and literals go; PANs are masked in place; nothing else moves."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from payfold import Wire
from payfold.adapters.wire.redact import (
    REDACTED,
    SECRET_FIELDS,
    SECRET_HEADERS,
    redact_answer,
    redact_json,
    redact_wire,
    scrub_pans,
)
from tests._settings import examples

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
VISA = "4111111111111111"  # a Luhn-valid test PAN
MASTERCARD = "5555555555554444"


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def wire(body: bytes = b"", headers: tuple[tuple[str, str], ...] = (), url: str = "") -> Wire:
    return Wire(operation="charge", sent_at=T0, received_at=T0, status=200, headers=headers, body=body, url=url)


def test_pans_are_masked_in_place_keeping_six_and_four() -> None:
    body = f'{{"card":"{VISA}","other":"{MASTERCARD}"}}'.encode()
    assert scrub_pans(body) == b'{"card":"411111******1111","other":"555555******4444"}'


def test_scrubbing_keeps_references_that_are_not_pans() -> None:
    kept = [
        b"4111111111111112",  # Luhn-invalid
        b"7111111111111114",  # starts with 7
        b"411111111111",  # 12 digits
        b"41111111111111111111",  # 20 digits: touches another digit
        b"1700000000000",  # a millisecond timestamp starts with 1
        b"2026-01-01 00:00:01.123",  # dates and times are too short
    ]
    for data in kept:
        assert scrub_pans(data) == data


def test_a_pan_next_to_letters_is_masked() -> None:
    # issue 9: letters around a card number do not hide it
    assert scrub_pans(b"x4111111111111111") == b"x411111******1111"
    assert scrub_pans(b"FLW-4111111111111111Z") == b"FLW-411111******1111Z"


def test_pan_next_to_punctuation_is_masked() -> None:
    assert scrub_pans(b"ref-4111111111111111.") == b"ref-411111******1111."
    assert scrub_pans(b"a=4111111111111111&b") == b"a=411111******1111&b"


@settings(max_examples=examples(2_000))
@given(st.binary(max_size=200))
def test_scrub_keeps_length_and_leaves_no_pan(data: bytes) -> None:
    out = scrub_pans(data)
    assert len(out) == len(data)
    assert scrub_pans(out) == out


@settings(max_examples=examples(1_000))
@given(st.from_regex(r"[2-6][0-9]{12,18}", fullmatch=True))
def test_every_luhn_valid_pan_is_masked(digits: str) -> None:
    out = scrub_pans(b'"' + digits.encode() + b'"')
    if luhn_valid(digits):
        assert digits.encode() not in out
        assert out[1:7] == digits[:6].encode() and out[-5:-1] == digits[-4:].encode()
        assert json.loads(out) == digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
    else:
        assert out == b'"' + digits.encode() + b'"'


def test_redact_json_replaces_secret_fields_at_any_depth() -> None:
    value = {"SECKEY": "FLWSECK-1", "data": [{"card": {"CVV": "123", "last4": "1111"}}], "otp": None}
    redacted, changed = redact_json(value)
    assert changed
    assert redacted == {"SECKEY": REDACTED, "data": [{"card": {"CVV": REDACTED, "last4": "1111"}}], "otp": None}
    assert value["SECKEY"] == "FLWSECK-1"  # the input is not touched


def test_redact_json_reports_nothing_when_nothing_is_secret() -> None:
    value = {"status": "success", "data": {"amount": 10}}
    assert redact_json(value) == (value, False)


def test_secret_headers_are_redacted_and_others_kept() -> None:
    headers = (*tuple((name, "CPAY key:secret") for name in sorted(SECRET_HEADERS)), ("server", "nginx"))
    out = redact_wire(wire(b"{}", headers))
    assert all(value == REDACTED for name, value in out.headers if name in SECRET_HEADERS)
    assert ("server", "nginx") in out.headers


def test_a_clean_json_body_keeps_the_providers_bytes() -> None:
    body = b'{ "status" : "success",\n  "amount": 10.50 }'
    out = redact_wire(wire(body))
    assert out.body == body


def test_a_json_body_with_a_secret_is_re_encoded() -> None:
    out = redact_wire(wire(b'{"txref": "T1", "SECKEY": "FLWSECK_TEST-abc"}'))
    assert json.loads(out.body) == {"txref": "T1", "SECKEY": REDACTED}


def test_a_pan_in_a_bare_number_is_masked_in_place() -> None:
    # the provider's bytes are kept except the digits (the body is evidence, not an API)
    out, value = redact_answer(wire(b'{"n": 4111111111111111, "m": 4111111111111111.0}'))
    assert out.body == b'{"n": 411111******1111, "m": 411111******1111.0}'
    assert value == {"n": "411111******1111", "m": "411111******1111.0"}


def test_the_read_value_holds_no_pan_either() -> None:
    _, value = redact_answer(wire(f'{{"transaction_id": "{VISA}"}}'.encode()))
    assert value == {"transaction_id": "411111******1111"}


def test_secret_query_parameters_and_url_passwords_are_redacted() -> None:
    out = redact_wire(wire(url="https://user:hunter22@api.example/v2/verify?txref=T1&SECKEY=FLWSECK-1&api_key=k#x"))
    assert out.url == f"https://user:{REDACTED}@api.example/v2/verify?txref=T1&SECKEY={REDACTED}&api_key={REDACTED}#x"


def test_literal_secrets_are_replaced_everywhere() -> None:
    secret = "s3cr3t-value"
    out = redact_wire(
        wire(
            f'{{"echo": "{secret}"}} '.encode(),
            (("x-debug", f"got {secret}"),),
            f"https://api.example/x?q={secret}",
        ),
        secrets=(secret, "abc"),
    )
    assert secret not in out.body.decode() and secret not in out.url and secret not in out.headers[0][1]


def test_a_form_body_gets_the_field_treatment() -> None:
    body = b"data=eyJhIjoxfQ%3D%3D&signature=abc&card_cvv=123"
    out = redact_wire(wire(body, (("content-type", "application/x-www-form-urlencoded"),)))
    assert out.body == b"data=eyJhIjoxfQ%3D%3D&signature=[redacted]&card_cvv=[redacted]"


def test_an_unchanged_wire_is_returned_as_is() -> None:
    original = wire(b'{"status": "ok"}', (("server", "nginx"),), "https://api.example/status?id=1")
    assert redact_wire(original) is original


def test_secret_fields_cover_the_documented_names() -> None:
    # normalized: case, dashes, underscores and an x- prefix dropped
    assert {"seckey", "apisecret", "ccnumber", "cardcvv", "cvv", "pin", "otp"} <= SECRET_FIELDS


def test_a_negative_json_number_that_is_a_card_number_is_masked() -> None:
    # found by fuzzing the Flutterwave contract: the sign hid the PAN from the number check
    value, changed = redact_json(-5593361157588)
    assert changed and value == "-559336***7588"


def test_a_secret_field_holding_true_false_or_null_is_kept() -> None:
    # found by fuzzing: {"CLIENT": false} carries no secret, and the body must be kept as the provider sent it
    assert redact_json({"CLIENT": False, "otp": None, "pin": True}) == (
        {"CLIENT": False, "otp": None, "pin": True},
        False,
    )
    assert redact_json({"pin": 1234})[0] == {"pin": REDACTED}
