"""Money: integer minor units plus an ISO 4217 code; decimal wire amounts read with ``decimal``, never float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Final

from ._errors import InvalidAmount, UnknownCurrency

# ISO 4217 minor-unit exponents. Codes not listed here are refused, never guessed.
_THREE = ("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND")
_ZERO = (
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "PYG",
    "RWF",
    "UGX",
    "UYI",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
)
_TWO = (
    "AED",
    "AFN",
    "ALL",
    "AMD",
    "ANG",
    "AOA",
    "ARS",
    "AUD",
    "AWG",
    "AZN",
    "BAM",
    "BBD",
    "BDT",
    "BGN",
    "BMD",
    "BND",
    "BOB",
    "BRL",
    "BSD",
    "BTN",
    "BWP",
    "BYN",
    "BZD",
    "CAD",
    "CDF",
    "CHF",
    "CNY",
    "COP",
    "CRC",
    "CUP",
    "CVE",
    "CZK",
    "DKK",
    "DOP",
    "DZD",
    "EGP",
    "ERN",
    "ETB",
    "EUR",
    "FJD",
    "FKP",
    "GBP",
    "GEL",
    "GHS",
    "GIP",
    "GMD",
    "GTQ",
    "GYD",
    "HKD",
    "HNL",
    "HTG",
    "HUF",
    "IDR",
    "ILS",
    "INR",
    "IRR",
    "JMD",
    "KES",
    "KGS",
    "KHR",
    "KPW",
    "KYD",
    "KZT",
    "LAK",
    "LBP",
    "LKR",
    "LRD",
    "LSL",
    "MAD",
    "MDL",
    "MGA",
    "MKD",
    "MMK",
    "MNT",
    "MOP",
    "MRU",
    "MUR",
    "MVR",
    "MWK",
    "MXN",
    "MYR",
    "MZN",
    "NAD",
    "NGN",
    "NIO",
    "NOK",
    "NPR",
    "NZD",
    "PAB",
    "PEN",
    "PGK",
    "PHP",
    "PKR",
    "PLN",
    "QAR",
    "RON",
    "RSD",
    "RUB",
    "SAR",
    "SBD",
    "SCR",
    "SDG",
    "SEK",
    "SGD",
    "SHP",
    "SLE",
    "SOS",
    "SRD",
    "SSP",
    "STN",
    "SVC",
    "SYP",
    "SZL",
    "THB",
    "TJS",
    "TMT",
    "TOP",
    "TRY",
    "TTD",
    "TWD",
    "TZS",
    "UAH",
    "USD",
    "UYU",
    "UZS",
    "VES",
    "WST",
    "XCD",
    "YER",
    "ZAR",
    "ZMW",
    "ZWL",
    "XTS",  # the ISO test code; payfold counts it with 2 decimals (Tranzzo's test mode uses it)
)

CURRENCY_EXPONENTS: Final[MappingProxyType[str, int]] = MappingProxyType(
    {code: 0 for code in _ZERO} | {code: 2 for code in _TWO} | {code: 3 for code in _THREE}
)


_MAX_DIGITS: Final = 17
"""Amounts of more than 18 integer digits are unreadable: no provider means them, and they overflow int64."""


def exponent(currency: str) -> int:
    """The number of minor-unit digits of ``currency``; ``UnknownCurrency`` for a code not in the table."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise UnknownCurrency(f"currency {currency!r} is not an ISO 4217 code payfold knows") from None


def check_money(amount: int, currency: str) -> None:
    """Raise unless ``amount`` is a positive int of minor units and ``currency`` a known code."""
    if type(amount) is not int or amount <= 0:
        raise InvalidAmount(f"amount must be a positive integer of minor units, got {amount!r}")
    exponent(currency)


def to_minor(value: object, currency: str) -> int | None:
    """Read a wire amount (``"4500.00"``, ``10.5``, ``4500``) as minor units of ``currency``.

    Returns None when the amount is unreadable: not a number, negative, absurdly large, a currency not in the table, or
    non-zero digits beyond the currency's exponent (never rounded). Floats are read through their shortest
    ``repr``, so ``10.5`` is ``Decimal("10.5")``, never a binary approximation.
    """
    digits = CURRENCY_EXPONENTS.get(currency) if isinstance(currency, str) else None
    if digits is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 40:
            return None
    else:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0 or number.adjusted() > _MAX_DIGITS:
        return None
    scaled = number.scaleb(digits)
    if scaled != scaled.to_integral_value():
        return None
    return int(scaled)


def to_decimal_text(amount: int, currency: str) -> str:
    """Minor units as the provider's decimal text: ``to_decimal_text(450000, "NGN") == "4500.00"``."""
    digits = exponent(currency)
    return str(Decimal(amount).scaleb(-digits).quantize(Decimal(1).scaleb(-digits)))
