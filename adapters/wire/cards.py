"""Card numbers in text: found and masked in place, the first 6 and last 4 digits kept (DESIGN §6).

A card number is a Luhn-valid run of 13-19 digits starting with 2-6: the design's rule, which keeps numeric
references readable (a 13-digit millisecond timestamp starts with 1). It is found:

- written plainly or with one separator between two digits: a space, ``-``, ``.``, ``+``, a no-break space
  (U+00A0, its UTF-8 bytes ``C2 A0``, the JSON escape ``\\u00a0``, ``%C2%A0``, ``&nbsp;`` or ``&#160;``) or
  ``%20``; every window of whole digit
  groups holding 13-19 digits is judged, so ``ref 12 4111 1111 1111 1111`` loses its card number too;
- next to letters or escapes (``card4111111111111111x``, ``\\n4111…`` inside a JSON string, ``%3A4111…``);
- never inside a longer unbroken digit run (20+ digits in a row touch other digits: not a card number).

Masking replaces digits with ``*`` one for one and keeps separators, so lengths and JSON strings stay valid.
Linear in the text: one regex pass (no nested quantifiers) and, per run, at most 19 windows per digit group.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Final

_SEP: Final = r"(?:[ .+\-\xa0]|\xc2\xa0|%20|%[cC]2%[aA]0|\\u00[aA]0|&nbsp;|&#160;)"
"""One separator. Bytes are read as Latin-1 text, so the UTF-8 no-break space is the two characters C2 A0."""
_RUN: Final = re.compile(rf"[0-9]++(?:{_SEP}[0-9]++)*+")
_SEPARATOR: Final = re.compile(_SEP)
_CANDIDATE: Final = re.compile(r"[0-9](?:[0-9 .+\-\xa0\xc2]|%20|%[cC]2%[aA]0|\\u00[aA]0|&nbsp;|&#160;){11,}[0-9]")
"""Anything a card number could hide in: 13 or more digits and separators in a row (a fast superset)."""
_EXPONENT: Final = re.compile(r"[0-9.][eE]\+?0*[1-9][0-9]")
"""A number written with an exponent of 10 or more (``4.1e15``): it may be a card number in disguise."""
_EXPONENT_NUMBER: Final = re.compile(r"(?<![0-9.])([0-9]++(?:\.[0-9]++)?)[eE]([+-]?[0-9]{1,3})(?![0-9])")
"""A number in exponent notation, judged by the integer it denotes (``4.965691348141881e16``)."""
_DOUBLED: Final = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_FIRST: Final = frozenset("23456")


def may_hold_card(text: str) -> bool:
    """False only when ``text`` certainly holds no card number (no 13-digit run, no large exponent)."""
    return _CANDIDATE.search(text) is not None or _EXPONENT.search(text) is not None


def luhn_valid(digits: str) -> bool:
    """True when the ASCII digit string ``digits`` passes the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        total += _DOUBLED[digit] if index % 2 else digit
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """True for 13-19 ASCII digits starting with 2-6 that pass the Luhn check."""
    return 13 <= len(digits) <= 19 and digits[0] in _FIRST and luhn_valid(digits)


def _masked_positions(groups: list[str]) -> set[int]:
    """Indexes (into the joined digits) to mask: the middle of every window of whole groups that is a card.

    Luhn sums of windows come from prefix sums (one per parity of position, plain and doubled), so each window
    costs a few additions: linear in the run however hostile (``4 4 4 …`` has up to 7 windows per digit)."""
    digits = "".join(groups)
    plain = [[0], [0]]
    doubled = [[0], [0]]
    for index, char in enumerate(digits):
        value = ord(char) - 48
        for parity in (0, 1):
            hit = index % 2 == parity
            plain[parity].append(plain[parity][-1] + (value if hit else 0))
            doubled[parity].append(doubled[parity][-1] + (_DOUBLED[value] if hit else 0))
    masked: set[int] = set()
    start = 0
    for first, group in enumerate(groups):
        end = start
        if group[0] in _FIRST:
            for last in range(first, len(groups)):
                end += len(groups[last])
                size = end - start
                if size > 19:
                    break
                if size >= 13:
                    odd = (end - 1) % 2
                    total = plain[odd][end] - plain[odd][start] + doubled[1 - odd][end] - doubled[1 - odd][start]
                    if total % 10 == 0:
                        masked.update(range(start + 6, end - 4))
        start += len(group)
    return masked


def _mask_run(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) < 13:
        return run
    if run.isdigit():
        return run[:6] + "*" * (len(run) - 10) + run[-4:] if is_card_number(run) else run
    groups = _SEPARATOR.split(run)
    masked = _masked_positions(groups)
    if not masked:
        return run
    out: list[str] = []
    index = 0
    separators = iter(sep.group() for sep in _SEPARATOR.finditer(run))
    for number, group in enumerate(groups):
        if number:
            out.append(next(separators))
        out.append("".join("*" if index + k in masked else char for k, char in enumerate(group)))
        index += len(group)
    return "".join(out)


def _denoted(match: re.Match[str]) -> str | None:
    """The digits of the integer an exponent-notation number denotes, when it is a card number."""
    mantissa, exponent = match.groups()
    whole, _, fraction = mantissa.partition(".")
    shift = int(exponent) - len(fraction)
    digits = (whole + fraction).lstrip("0")
    if not digits or len(digits) > 40:
        return None
    if shift < 0:
        if digits[shift:].strip("0"):
            return None  # not a whole number
        digits = digits[:shift]
    elif len(digits) + shift <= 19:
        digits += "0" * shift
    else:
        return None
    return digits if is_card_number(digits) else None


def _mask_exponent(match: re.Match[str]) -> str:
    digits = _denoted(match)
    return match.group() if digits is None else digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def exponent_card_in(text: str) -> bool:
    """True when ``text`` writes a card number in exponent notation (``4.965691348141881e16``)."""
    return any(_denoted(match) is not None for match in _EXPONENT_NUMBER.finditer(text))


def scrub_text(text: str) -> str:
    """``text`` with every card number masked in place (see the module docstring); a card number written in
    exponent notation is replaced by its masked digits (the only change of length)."""
    if len(text) < 13 and _EXPONENT.search(text) is None:
        return text
    if _CANDIDATE.search(text) is not None:
        text = _RUN.sub(_mask_run, text)
    if _EXPONENT.search(text) is not None:
        text = _EXPONENT_NUMBER.sub(_mask_exponent, text)
    return text


def scrub_pans(data: bytes) -> bytes:
    """``data`` with every card number masked in place (``scrub_text`` over the bytes read as Latin-1)."""
    if len(data) < 6:
        return data
    text = data.decode("latin-1")
    scrubbed = scrub_text(text)
    return data if scrubbed is text else scrubbed.encode("latin-1")


def masked_number(value: int | float) -> str | None:
    """A JSON number that is a card number in any notation, masked as text (``"411111******1111"``), or None.

    Integers are judged by their digits; a float by its shortest text (``4.111111111111111e+15``) and, when it
    is a whole number below 10**19, by its integer digits too.
    """
    if isinstance(value, int):
        if -(10**12) < value < 10**12 or not -(10**19) < value < 10**19:
            return None  # under 13 digits, or 20 and more in one run: never a card number
        text = str(value)
        masked = scrub_text(text)
        return masked if masked != text else None
    text = repr(value)
    masked = scrub_text(text)
    if masked != text:
        return masked
    if value.is_integer() and 1e12 <= abs(value) < 1e19:
        whole = format(Decimal(text), "f").partition(".")[0]  # the integer the shortest text denotes
        masked = scrub_text(whole)
        return masked if masked != whole else None
    return None


_CANDIDATE_BYTES: Final = re.compile(_CANDIDATE.pattern.encode("latin-1"))
_EXPONENT_BYTES: Final = re.compile(_EXPONENT.pattern.encode("latin-1"))


def may_hold_card_bytes(data: bytes) -> bool:
    """``may_hold_card`` for bytes (the no-break space as UTF-8 or as the escape ``\\u00a0``)."""
    return _CANDIDATE_BYTES.search(data) is not None or _EXPONENT_BYTES.search(data) is not None
