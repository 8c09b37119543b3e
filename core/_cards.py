"""Card data in text the app hands payfold: found so that it is refused, never stored (DESIGN §6).

payfold never handles raw card data. ``PaymentCreated.details`` is for non-secret charge parameters (a provider
token, an email, callback URLs); a card number or a security code there is a mistake in the calling app, caught
when the event is built, before anything is recorded.

A card number is a Luhn-valid run of 13-19 digits starting with 2-6 (the design's rule, which keeps numeric
references such as 13-digit millisecond timestamps readable), written plainly or with single separators between
digits: a space, ``-``, ``.``, ``+``, a no-break space or ``%20``, as people and forms format them. Letters
around it do not hide it. Fields *named* for card data (``pan``, ``card_number``, ``cvv``, ...; compared after
dropping case, dashes, underscores and an ``x-`` prefix) may hold no digit at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Final

_RUN: Final = re.compile(r"[0-9](?:(?:[ .+\-\u00a0]|%20)?[0-9])*")
"""A run of digits with at most one separator between two digits (possessive in effect: no nested repeats)."""
_NOT_DIGIT: Final = re.compile(r"[^0-9]")
_DOUBLED: Final = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)

CARD_FIELDS: Final[frozenset[str]] = frozenset(
    (
        # card numbers
        "pan",
        "cardpan",
        "cardnumber",
        "cardno",
        "cardnum",
        "ccnumber",
        "ccnum",
        "ccno",
        "creditcard",
        "creditcardnumber",
        "creditcardno",
        "debitcardnumber",
        "primaryaccountnumber",
        # security codes
        "cvv",
        "cvv2",
        "cvc",
        "cvc2",
        "csc",
        "cid",
        "securitycode",
        "cardsecuritycode",
        "cardcvv",
        "cardcvc",
    )
)
"""Names of card numbers and security codes, normalized (``normalized_name``). The adapters' redaction
(``payfold.adapters.wire.names``) builds its card list on this one."""


READING_RECORDED: Final[ContextVar[bool]] = ContextVar("payfold_reading_recorded", default=False)
"""True while the codec decodes stored bytes: a recorded fact is always read back as it is, so a log written
before this check (or a numeric id that happens to look like a card) never becomes unreadable."""


def normalized_name(name: str) -> str:
    """``name`` lower-cased, without dashes, underscores or a leading ``x-``: ``X-Card_Number`` -> ``cardnumber``."""
    lowered = name.lower()
    if lowered.startswith(("x-", "x_")):
        lowered = lowered[2:]
    return lowered.replace("-", "").replace("_", "")


def luhn_valid(digits: str) -> bool:
    """True when the ASCII digit string ``digits`` passes the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        total += _DOUBLED[digit] if index % 2 else digit
    return total % 10 == 0


def card_number_in(text: str) -> str | None:
    """The first card number in ``text``, masked for an error message (first 6 and last 4 digits), or None."""
    for match in _RUN.finditer(text):
        digits = _NOT_DIGIT.sub("", match.group().replace("%20", " "))
        if 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits):
            return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
    return None


def check_no_card_data(where: str, fields: Mapping[str, str]) -> None:
    """Raise ``ValueError`` naming the field when ``fields`` (a str-to-str mapping) holds card data.

    Not while the codec reads stored events (``READING_RECORDED``): the check guards what is written.
    """
    if READING_RECORDED.get():
        return
    for name, value in fields.items():
        for part, text in (("key", name), ("value", value)):
            masked = card_number_in(text)
            if masked is not None:
                raise ValueError(
                    f"{where}[{name!r}] holds a card number in its {part} ({masked}): payfold never stores card "
                    "data; charge with a provider token, a hosted payment page or the provider's encrypted blob"
                )
        if normalized_name(name) in CARD_FIELDS and any(char.isdigit() for char in value):
            raise ValueError(
                f"{where}[{name!r}] names card data and holds digits: payfold never stores card data; charge with "
                "a provider token, a hosted payment page or the provider's encrypted blob"
            )
