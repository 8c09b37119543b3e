"""The one list of secret names: what redaction looks for in headers, JSON keys, form fields and query parameters.

Names are compared after ``normalized``: lower-cased, a leading ``x-`` or ``x_`` dropped, then every ``-`` and
``_`` dropped. So ``X-Api-Key``, ``api_key``, ``API-KEY`` and ``apiKey`` are all ``apikey``; ``SECKEY`` and
``x-seckey`` are ``seckey``. Both sides are normalized: a caller's own set (``secret_fields=``) may be written in
any of these spellings.

- ``SECRET_NAMES``: credentials and card data. A header, JSON key (at any depth) or form field with one of these
  names has its value replaced by ``REDACTED`` (a ``null``, ``true``, ``false`` or ``""`` is kept: it hides
  nothing).
- ``CARD_NAMES``: the card-data part of ``SECRET_NAMES`` (numbers, security codes, expiry, PIN). Any value at
  all under these names goes, digits or not.
- ``PARAM_NAMES``: the same list, named for query parameters (``key``, ``token``, ``sig``, ``signature`` and
  ``auth`` are in it: never harmless in a URL, a header, a form or a JSON body).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from payfold._cards import CARD_FIELDS, normalized_name

REDACTED: Final = "[redacted]"
"""What a redacted value becomes."""

CARD_NAMES: Final[frozenset[str]] = CARD_FIELDS | frozenset(
    (
        # expiry (with a PAN it is cardholder data; payfold never needs it back)
        "expiry",
        "expirydate",
        "expirymonth",
        "expiryyear",
        "expdate",
        "expmonth",
        "expyear",
        "expiration",
        "expirationdate",
        "expirationmonth",
        "expirationyear",
        "cardexp",
        "cardexpiry",
        "ccexpmonth",
        "ccexpyear",
        # customer authentication
        "pin",
        "cardpin",
        "otp",
    )
)
"""Card data and customer authentication, normalized: the core's card numbers and security codes
(``payfold._cards.CARD_FIELDS``, which ``PaymentCreated`` refuses in ``details``), expiry, PIN and OTP."""

SECRET_NAMES: Final[frozenset[str]] = CARD_NAMES | frozenset(
    (
        "seckey",
        "pbfseckey",
        "secret",
        "secretkey",
        "secrethash",
        "apisecret",
        "apikey",
        "apiauth",
        "apitoken",
        "authtoken",
        "endpointskey",
        "privatekey",
        "encryptionkey",
        "clientsecret",
        "accesstoken",
        "refreshtoken",
        "password",
        "passwd",
        "pwd",
        "key",
        "token",
        "sig",
        "signature",
        "auth",
        "passphrase",
        "verifhash",
        "authorization",
        "proxyauthorization",
        "cookie",
        "setcookie",
    )
)
"""Every secret name for headers, JSON keys and form fields, normalized."""

PARAM_NAMES: Final[frozenset[str]] = SECRET_NAMES
"""Query parameter (and header) names whose value is redacted: the same one list."""


normalized: Final = normalized_name
"""The one normalization of a name (``payfold._cards.normalized_name``): lower-cased, no leading ``x-``/``x_``,
no ``-`` or ``_``."""


@lru_cache(maxsize=4096)
def is_secret_name(name: str, names: frozenset[str] = SECRET_NAMES) -> bool:
    """True when ``normalized(name)`` is in ``names`` (a set of normalized names, see ``normalized_set``)."""
    return normalized(name) in names


@lru_cache(maxsize=16)
def normalized_set(names: frozenset[str]) -> frozenset[str]:
    """``names`` normalized: what a caller's ``secret_fields=`` means."""
    return frozenset(normalized(name) for name in names)


def trie_pattern(names: frozenset[str]) -> str:
    """A regular expression alternation matching exactly ``names``, factored by common prefixes so that a
    failed match costs one comparison per level instead of one per name."""
    children: dict[str, set[str]] = {}
    ends = False
    for name in names:
        if not name:
            ends = True
            continue
        children.setdefault(name[0], set()).add(name[1:])
    branches = [_escape(head) + trie_pattern(frozenset(tails)) for head, tails in sorted(children.items())]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


def _escape(char: str) -> str:
    return char if char.isalnum() else "\\" + char
