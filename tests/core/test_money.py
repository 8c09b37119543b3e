"""Money on the wire: decimal, never float; unreadable rather than rounded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payfold import CURRENCY_EXPONENTS, InvalidAmount, PaymentCreated, UnknownCurrency, to_decimal_text, to_minor
from payfold.testing import T0


@pytest.mark.parametrize(
    ("value", "currency", "minor"),
    [
        ("4500.00", "NGN", 450_000),
        ("4500.000", "NGN", 450_000),
        (10.5, "USD", 1_050),
        (4500, "UAH", 450_000),
        ("1.234", "KWD", 1_234),
        ("1500", "JPY", 1_500),
        (" 7.10 ", "XTS", 710),
        ("0.1", "USD", 10),
    ],
)
def test_readable_amounts(value: object, currency: str, minor: int) -> None:
    assert to_minor(value, currency) == minor


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        ("4500.001", "NGN"),
        ("1.5", "JPY"),
        ("1.2345", "KWD"),
        ("12", "ZZZ"),
        ("-1.00", "USD"),
        ("NaN", "USD"),
        ("Infinity", "USD"),
        ("1e400", "USD"),
        ("", "USD"),
        (None, "USD"),
        (True, "USD"),
        ([1], "USD"),
        ("ten", "USD"),
    ],
)
def test_unreadable_amounts_are_none_never_rounded(value: object, currency: str) -> None:
    assert to_minor(value, currency) is None


@given(st.integers(1, 10**12), st.sampled_from(sorted(CURRENCY_EXPONENTS)))
def test_decimal_text_round_trips(minor: int, currency: str) -> None:
    assert to_minor(to_decimal_text(minor, currency), currency) == minor


def test_payment_created_validates_money() -> None:
    with pytest.raises(InvalidAmount, match="positive integer"):
        PaymentCreated(at=T0, payment_id="p", provider="t", amount=0, currency="UAH", reference="r")
    with pytest.raises(UnknownCurrency, match="'EURO'"):
        PaymentCreated(at=T0, payment_id="p", provider="t", amount=1, currency="EURO", reference="r")
    with pytest.raises(ValueError, match="reference must not be empty"):
        PaymentCreated(at=T0, payment_id="p", provider="t", amount=1, currency="UAH", reference="")
