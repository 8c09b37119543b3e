"""A leak finder for decoded events: planted credentials, card numbers and card-named fields that survived.

Written from the rules (DESIGN §6 and issue 9), not from the redaction code it judges: it imports nothing from
``payfold.adapters`` and shares no name list, pattern or Luhn code with it. It looks at every text an event holds
(``wire.body``, ``wire.url``, header names and values, payloads, details, reasons) and at what those texts decode
to (JSON escapes, percent-encoding, HTML entities, base64 and base64url runs), so a leak hidden by an encoding is
still found. Findings name the field path and the decoding that revealed them.
"""

from __future__ import annotations

import base64
import binascii
import functools
import html
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal
from urllib.parse import quote, quote_plus, unquote, unquote_plus

import msgspec

LeakKind = Literal["secret", "pan", "card_field"]

CARD_FIELD_NAMES: Final = frozenset(
    (
        *("pan", "cardpan", "cardnumber", "cardno", "cardnum", "ccnumber", "ccnum", "ccno", "creditcardnumber"),
        *("creditcardno", "debitcardnumber", "primaryaccountnumber"),
    )
)
"""Field names (normalized by ``field_name``) that hold a card number: any digit under them is a leak."""

SECRET_FIELD_NAMES: Final = frozenset(
    (
        *("seckey", "secretkey", "secret", "apisecret", "apikey", "apiauth", "authorization", "auth", "verifhash"),
        *("cookie", "setcookie", "csc", "cvc", "cvc2", "cvv", "cvv2", "cardcvv", "cardcvc", "securitycode", "pin"),
        *("cardpin", "otp", "password", "passwd", "pwd", "token", "accesstoken", "signature", "sig", "key"),
        *("expiry", "cardexpiry", "expirydate", "expdate", "expmonth", "expyear", "expirymonth", "expiryyear"),
        *("pbfseckey", "encryptionkey", "client", "apitoken", "authtoken", "refreshtoken", "clientsecret"),
        *("privatekey", "passphrase", "secrethash", "endpointskey", "proxyauthorization", "cid", "creditcard"),
        *("cardsecuritycode", "cardexp", "ccexpmonth", "ccexpyear", "expiration", "expirationdate"),
        *("expirationmonth", "expirationyear"),
    )
)
"""Field names (normalized) that name a credential or card secret: a value under them is never innocent."""


class Leak(msgspec.Struct, frozen=True, kw_only=True):
    """One finding: ``kind`` of leak, ``where`` (field path, then the decodings applied), and what was found."""

    kind: LeakKind
    where: str
    found: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.where}: {self.found!r}"


@functools.lru_cache(maxsize=4096)
def field_name(name: str) -> str:
    """``name`` normalized: lower case, an ``x-``/``x_`` prefix dropped, dashes, underscores, dots, spaces gone."""
    lowered = name.strip().lower()
    if lowered[:2] in ("x-", "x_"):
        lowered = lowered[2:]
    return lowered.translate(_NAME_PUNCTUATION)


_NAME_PUNCTUATION: Final = str.maketrans("", "", "-_. ")


def luhn_valid(digits: str) -> bool:
    """The Luhn check over a string of ASCII digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# --- texts and their decodings ----------------------------------------------------------------------------


def texts(value: Any, path: str = "event") -> Iterator[tuple[str, str]]:
    """Every text inside ``value`` (a Struct, mapping, sequence, bytes, number), with its field path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            item = getattr(value, name)
            if item is not None and not isinstance(item, bool | datetime):
                yield from texts(item, f"{path}.{name}")
    elif isinstance(value, bytes | bytearray | memoryview):
        yield path, bytes(value).decode("utf-8", "replace")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts(key, f"{path}[key {key!r}]")
            yield from texts(item, f"{path}.{key}")
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from texts(item, f"{path}[{index}]")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path, repr(value)


_JSON_ESCAPE: Final = re.compile(r"\\(?:u([0-9a-fA-F]{4})|([\"\\/bfnrt]))")
_SIMPLE_ESCAPES: Final = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_B64_RUN: Final = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")


def _json_unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return chr(int(code, 16)) if code else _SIMPLE_ESCAPES[match.group(2)]

    unescaped = _JSON_ESCAPE.sub(one, text)
    return unescaped.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _textual(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(char.isprintable() or char in "\r\n\t" for char in decoded)
    return decoded if decoded and printable >= 0.95 * len(decoded) else None


def _base64_texts(text: str) -> Iterator[str]:
    for match in _B64_RUN.finditer(text):
        run = match.group().rstrip("=").replace("-", "+").replace("_", "/")
        for start in range(4):
            part = run[start:]
            part = part[: len(part) - len(part) % 4] if len(part) % 4 == 1 else part
            try:
                raw = base64.b64decode(part + "=" * (-len(part) % 4), validate=True)
            except (binascii.Error, ValueError):
                continue
            decoded = _textual(raw)
            if decoded is not None:
                yield decoded
                break


def views(text: str, *, depth: int = 3) -> tuple[tuple[str, str], ...]:
    """``text`` and what it decodes to, as ``(decodings applied, text)``; each distinct text once (cached)."""
    return _views(text, depth) if len(text) > 3 else (("", text),)


@functools.lru_cache(maxsize=8192)
def _views(text: str, depth: int) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    pending = [("", text, 0)]
    while pending:
        label, current, level = pending.pop()
        if current in found:
            continue
        found[current] = label
        if level >= depth:
            continue
        derived: list[tuple[str, str]] = []
        if "\\" in current:
            derived.append(("json-unescaped", _json_unescape(current)))
        if "%" in current or "+" in current:
            derived += [("url-decoded", unquote(current)), ("form-decoded", unquote_plus(current))]
        if "&" in current and ";" in current:
            derived.append(("html-unescaped", html.unescape(current)))
        derived += [("base64", decoded) for decoded in _base64_texts(current)]
        pending += [(f"{label}|{name}" if label else name, item, level + 1) for name, item in derived]
    return tuple((label, view) for view, label in found.items())


# --- secrets ----------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def secret_forms(secret: str) -> frozenset[str]:
    """``secret`` as written raw, JSON-escaped (``\\/``, ``\\uXXXX``), percent-encoded and in base64 (any offset)."""
    raw = secret.encode("utf-8", "surrogatepass")
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1].replace("/", "\\/"),
        "".join(f"\\u{ord(char):04x}" for char in secret if ord(char) < 0x10000),
        quote(secret, safe=""),
        quote(secret, safe="/:@"),
        quote_plus(secret),
    }
    forms |= {form.lower() for form in list(forms) if "%" in form}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii")
        inner = encoded[-(-8 * offset // 6) : (8 * (offset + len(raw))) // 6]
        forms |= {inner, inner.replace("+", "-").replace("/", "_")}
    return frozenset(form for form in forms if len(form) >= 4)


# --- card numbers -----------------------------------------------------------------------------------------

_SEPARATOR: Final = r"(?:[ \-.+\u00a0]|%20|%[cC]2%[aA]0|\\u00[aA]0|&nbsp;|&#160;)"
_DIGIT_RUN: Final = re.compile(rf"[0-9](?:{_SEPARATOR}?[0-9])*")
_SPLIT: Final = re.compile(_SEPARATOR)
_EXPONENT: Final = re.compile(r"(?<![\w.*])([0-9]+(?:\.[0-9]+)?)[eE]([+-]?[0-9]{1,3})(?![0-9])")


def _card_like(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits)


def find_pans(text: str) -> list[str]:
    """The Luhn-valid card numbers written in ``text`` (as bare digit strings), in any of the rule's formats.

    A card number is 13-19 digits starting 2-6; its digits may be split by single spaces, dashes, dots, nbsp
    (raw, ``\\u00a0``, ``%C2%A0``, ``&nbsp;``), ``+`` or ``%20``, and may touch letters and escapes. Any run of
    whole groups between separators counts. A number in exponent notation counts by the integer it denotes.
    """
    found: list[str] = []
    for match in _DIGIT_RUN.finditer(text):
        groups = _SPLIT.split(match.group())
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > 19:
                    break
                if _card_like(digits):
                    found.append(digits)
    for match in _EXPONENT.finditer(text):
        try:
            number = Decimal(match.group(1)).scaleb(int(match.group(2)))
        except (InvalidOperation, ValueError):
            continue
        if number == number.to_integral_value() and number < 10**19:
            digits = str(int(number))
            if _card_like(digits):
                found.append(digits)
    return found


# --- named fields -----------------------------------------------------------------------------------------


def find_leaks(value: Any, secrets: Iterable[str] = (), *, path: str = "event") -> list[Leak]:
    """Every planted secret (of 4 characters or more) and every Luhn-valid card number left in ``value``."""
    forms = [(form, secret) for secret in set(secrets) if len(secret) >= 4 for form in secret_forms(secret)]
    shortest = min((len(form) for form, _ in forms), default=0)
    leaks: dict[tuple[str, str, str], Leak] = {}
    for where, text in texts(value, path):
        for label, view in views(text):
            place = f"{where}|{label}" if label else where
            if forms and len(view) >= shortest:
                for form, secret in forms:
                    if form in view:
                        leaks.setdefault(("secret", where, secret), Leak(kind="secret", where=place, found=secret))
            if len(view) > 4:
                for digits in find_pans(view):
                    leaks.setdefault(("pan", where, digits), Leak(kind="pan", where=place, found=digits))
    return list(leaks.values())
