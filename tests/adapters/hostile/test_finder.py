"""The leak finder itself: it flags every format the rules name, and never a numeric reference that is not a card."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus

import pytest

from payfold import Wire
from payfold.testing._leaks import field_name, find_leaks, find_pans, luhn_valid
from payfold.testing._named_fields import card_field_leaks
from tests.adapters.hostile import _gen as gen

VISA = "4111111111111111"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        VISA,
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111.1111.1111.1111",
        "4111\u00a01111\u00a01111\u00a01111",
        "4111\\u00a01111\\u00a01111\\u00a01111",
        "4111+1111+1111+1111",
        "4111%201111%201111%201111",
        "paid\\n4111111111111111",
        "c%3A4111111111111111",
        "FLW-4111111111111111Z",
        "4.111111111111111e15",
        "41.11111111111111E+14",
        "4111111111111111.0",
    ],
)
def test_every_format_of_the_rules_is_a_card_number(text: str) -> None:
    assert VISA in find_pans(text)


def test_numeric_references_are_not_card_numbers() -> None:
    def case(rng: random.Random) -> list[str]:
        pan = gen.luhn_pan(rng)
        refs = [
            str(rng.randint(1_000_000_000_000, 1_999_999_999_999)),  # a millisecond timestamp
            pan[:-1] + str((int(pan[-1]) + rng.randint(1, 9)) % 10),  # Luhn-invalid
            rng.choice("01789") + gen.digits(rng, 12, 18),  # starts 0, 1, 7, 8 or 9
            pan[:6] + "*" * (len(pan) - 10) + pan[-4:],  # masked
            gen.digits(rng, 1, 12),  # too short
            pan + rng.choice("0123456789"),  # touches another digit: 14-20 digits in one group
        ]
        found = [ref for ref in refs[:-1] if find_pans(f"ref {ref}.")]
        if len(pan) == 19 and find_pans(refs[-1]):
            found.append(refs[-1])
        return [f"flagged {ref!r}" for ref in found]

    gen.run("finder-references", case)


def test_luhn_agrees_with_known_numbers() -> None:
    assert all(luhn_valid(n) for n in (VISA, "5555555555554444", "378282246310005", "6011111111111117"))
    assert not any(luhn_valid(n) for n in ("4111111111111112", "5555555555554445"))
    rng = random.Random(1)
    assert all(luhn_valid(gen.luhn_pan(rng)) for _ in range(1000))


def test_secrets_are_found_in_every_encoding() -> None:
    secret = 'sk_live/é"Zq:@x'
    forms = [
        secret,
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(char):04x}" for char in secret),
        quote(secret, safe=""),
        quote_plus(secret),
        quote(secret, safe="").lower(),
    ]
    forms += [
        base64.b64encode(prefix.encode() + secret.encode()).decode() for prefix in ("", "a", "ab", "abc", '{"k":"')
    ]
    forms += [base64.urlsafe_b64encode(b'{"note":"' + secret.encode() + b'"}').decode().rstrip("=")]
    for form in forms:
        leaks = find_leaks({"body": f"x={form}&y=1"}, [secret])
        assert [leak.kind for leak in leaks] == ["secret"], form


def test_findings_name_where_they_are() -> None:
    wire = Wire(
        operation="charge",
        sent_at=T0,
        received_at=T0,
        status=200,
        headers=(("x-note", "tok-abcdefgh"),),
        body=b'{"a":{"note":"4111 1111 1111 1111"}}',
        url="https://h.example/p?x=tok-abcdefgh",
    )
    where = {(leak.kind, leak.where) for leak in find_leaks(wire, ["tok-abcdefgh"], path="wire")}
    assert where == {("pan", "wire.body"), ("secret", "wire.headers[0][1]"), ("secret", "wire.url")}
    assert not find_leaks(Wire(operation="charge", sent_at=T0, received_at=T0, body=b'{"t":1767225600000}'))


def test_card_fields_are_found_in_any_spelling_and_place() -> None:
    assert {field_name(n) for n in ("PAN", "x-pan", "X_Pan", "p-a-n")} == {"pan"}
    assert field_name("x-Card_Number") == field_name("cardNumber") == "cardnumber"
    for holder in (
        '{"a":[{"Card-Number":"4111 11"}]}',
        '{"pan":"1","pan":""}',
        "order=1&cc_number=12",
        "https://h.example/p?x-card-number=1",
        (("x-pan", "****1111"),),
        {"cardno": 4111},
    ):
        assert card_field_leaks(holder), holder
    assert not card_field_leaks('{"pan":"","card":{"first_6digits":"411111","last_4digits":"1111"}}')
