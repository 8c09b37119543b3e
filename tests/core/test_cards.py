"""``PaymentCreated`` refuses card data in ``details``; stored events are read back whatever they hold."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

import payfold
from payfold import PaymentCreated

AT = datetime(2026, 1, 1, tzinfo=UTC)
SEPARATORS = ("", " ", "-", ".", "+", "\u00a0", "%20")


def luhn_complete(body: str) -> str:
    """``body`` plus the check digit that makes it Luhn-valid (computed here, not with payfold's code)."""
    digits = [int(c) for c in body]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:  # these get doubled once the check digit is appended
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return body + str((10 - total % 10) % 10)


def created(details: dict[str, str]) -> PaymentCreated:
    return PaymentCreated(
        at=AT, payment_id="pay-1", provider="tranzzo", amount=100, currency="UAH", reference="order-1", details=details
    )


pans = st.builds(
    lambda first, rest: luhn_complete(first + rest),
    st.sampled_from("23456"),
    st.integers(12, 18).flatmap(lambda n: st.text("0123456789", min_size=n - 1, max_size=n - 1)),
)


@given(
    pan=pans,
    separator=st.sampled_from(SEPARATORS),
    group=st.integers(1, 6),
    before=st.sampled_from(("", "x", "card: ")),
)
def test_a_card_number_in_details_is_refused_however_it_is_written(
    pan: str, separator: str, group: int, before: str
) -> None:
    written = separator.join(pan[i : i + group] for i in range(0, len(pan), group))
    with pytest.raises(ValueError, match=r"details\['note'\] holds a card number") as refused:
        created({"note": before + written + "y"})
    assert pan not in str(refused.value) and pan[-4:] in str(refused.value)  # masked in the message


@given(name=st.sampled_from(("pan", "card_number", "Card-Number", "x-cardno", "CC_NUMBER", "cvv", "CVC2")))
def test_a_field_named_for_card_data_may_hold_no_digit(name: str) -> None:
    with pytest.raises(ValueError, match="names card data"):
        created({name: "12"})
    assert created({name: "tok_visa"}).details[name] == "tok_visa"


def test_numbers_that_are_not_card_numbers_are_kept() -> None:
    kept = {
        "timestamp": "1700000000000",  # 13 digits starting with 1
        "phone": "+380 44 123 45 67",
        "invoice": luhn_complete("7" + "0" * 14),  # starts with 7
        "order": "4111111111111112",  # Luhn-invalid
    }
    assert dict(created(kept).details) == kept


def test_a_stored_event_is_read_back_even_when_its_details_look_like_a_card() -> None:
    stored = msgspec.json.encode(
        {"type": "created", "at": "2026-01-01T00:00:00Z", "payment_id": "p", "provider": "tranzzo", "amount": 1,
         "currency": "UAH", "reference": "r", "details": {"customer": "4111111111111111"}}
    )  # fmt: skip
    event = payfold.decode(stored)
    assert isinstance(event, PaymentCreated) and event.details["customer"] == "4111111111111111"
    with pytest.raises(ValueError, match="holds a card number"):  # yet writing it again is refused
        created(dict(event.details))
