"""Redacting bytes that are not (or are too large to be) parsed: form bodies, HTML, text, and the kept part of a
body over ``MAX_BODY``.

Secret fields are found by pattern, in JSON syntax (``"name": value``) and in form or query syntax
(``name=value`` after ``&``, ``;``, ``?`` or at the start; names percent-decoded), whatever the declared content
type: a CVV in a form body sent as ``text/plain`` goes too. Names are compared after ``names.normalized``; in
form syntax the wider ``names.PARAM_NAMES`` applies (a form body is a query string). Literal secrets are replaced
in every form they may take in a body (as is, JSON-escaped with or without ``\\/``, URL-quoted), then card
numbers are masked. Every pattern is possessive: one linear pass each.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import unquote_plus

from payfold.adapters.wire.cards import scrub_pans
from payfold.adapters.wire.echoes import MIN_SECRET, secret_forms
from payfold.adapters.wire.gateway import MAX_BODY, cut_marker
from payfold.adapters.wire.names import PARAM_NAMES, REDACTED, normalized
from payfold.adapters.wire.urls import redact_url

REDACTED_BYTES: Final = REDACTED.encode()
_NOTHING_TO_HIDE: Final = frozenset((b"null", b"true", b"false", b'""', b""))
_JSON_KEY: Final = re.compile(rb'"([A-Za-z0-9_.-]{1,60})"[ \t\r\n]*+:[ \t\r\n]*+')
_JSON_VALUE: Final = re.compile(rb'"(?:[^"\\]++|\\.?)*+(?:"|\Z)|[^\s,}\]]++', re.DOTALL)
"""A JSON value after a key: a string (also one the window cut short) or anything up to the next delimiter."""
_FORM_KEY: Final = re.compile(rb"[&;?\n]([A-Za-z0-9_.%+-]{1,90})=")
_FORM_VALUE: Final = re.compile(rb"[^&;\s\"'<>#]++")
_URL: Final = re.compile(rb"//[^\s\"'<>]++")


def _secret_key(name: bytes, names: frozenset[str], form: bool) -> bool:
    text = name.decode("ascii")
    if form and "%" in text:
        text = unquote_plus(text)
    return normalized(text) in names


def _redact_after(window: bytes, form: bool, names: frozenset[str]) -> bytes:
    """``window`` with the value after each key that names a secret replaced by ``[redacted]``.

    One pass: every key candidate is looked at once and a redacted value is skipped whole."""
    keys, values = (_FORM_KEY, _FORM_VALUE) if form else (_JSON_KEY, _JSON_VALUE)
    parts: list[bytes] = []
    last = start = 0
    while (key := keys.search(window, start)) is not None:
        start = key.end()
        if not _secret_key(key.group(1), names, form):
            continue
        value = values.match(window, start)
        if value is None or value.group() in _NOTHING_TO_HIDE or value.group() == b'"' + REDACTED_BYTES + b'"':
            continue
        parts += (window[last:start], REDACTED_BYTES if form else b'"' + REDACTED_BYTES + b'"')
        last = start = value.end()
    return b"".join((*parts, window[last:])) if parts else window


def redact_fields(data: bytes, fields: frozenset[str]) -> bytes:
    """``data`` (bytes never parsed) with the value of every secret field it shows in JSON or form syntax set to
    ``[redacted]``, and every URL in it through ``redact_url``. ``fields`` holds normalized names."""
    data = _redact_after(data, False, fields)
    data = _redact_after(b"&" + data, True, fields | PARAM_NAMES)[1:]  # "&": a pair at the very start too
    if b"//" in data and b"@" in data:
        data = _URL.sub(lambda m: redact_url(m.group().decode("latin-1")).encode("latin-1"), data)
    return data


def replace_secrets(data: bytes, secrets: tuple[str, ...]) -> bytes:
    """``data`` with every form of every literal secret (``MIN_SECRET`` characters or more) replaced."""
    for secret in secrets:
        if len(secret) < MIN_SECRET:
            continue
        for form in secret_forms(secret):
            if form in data:
                data = data.replace(form, REDACTED_BYTES)
    return data


def replace_secrets_text(text: str, secrets: tuple[str, ...]) -> str:
    """``replace_secrets`` for text."""
    if not secrets:
        return text
    return replace_secrets(text.encode("utf-8", "surrogatepass"), secrets).decode("utf-8", "surrogatepass")


def redact_bytes(data: bytes, fields: frozenset[str], secrets: tuple[str, ...] = ()) -> bytes:
    """A body that is not JSON, as an event may hold it: secret fields by pattern, URLs, literal ``secrets``,
    card numbers."""
    return scrub_pans(replace_secrets(redact_fields(data, fields), secrets))


_CUT_SLACK: Final = 4096
"""Bytes past ``MAX_BODY`` redacted along with the kept part, so a field, secret or card number across the cut is
judged whole (a literal secret replaced by the shorter ``[redacted]`` pulls later bytes into the kept part)."""
_TAIL: Final = 64
_RUN_BYTES: Final = b"0123456789 .+-%\xc2\xa0"


def _drop_secret_prefix(kept: bytes, secrets: tuple[str, ...]) -> bytes:
    """``kept`` without a trailing beginning of a secret (the cut fell inside it), replaced by ``[redacted]``."""
    for secret in secrets:
        if len(secret) < MIN_SECRET:
            continue
        for form in secret_forms(secret):
            for size in range(len(form) - 1, MIN_SECRET - 1, -1):
                if kept.endswith(form[:size]):
                    return kept[:-size] + REDACTED_BYTES
    return kept


def cut_body(body: bytes, secret_fields: frozenset[str], secrets: tuple[str, ...] = ()) -> bytes:
    """A body over ``MAX_BODY``, as an event may hold it: its first ``MAX_BODY`` bytes redacted as bytes
    (``redact_bytes``), then ``cut_marker(len(body))``. Never parsed; the work is bounded by the limit."""
    end = MAX_BODY + _CUT_SLACK
    limit = min(len(body), end + 64)
    while end < limit and body[end] in _RUN_BYTES:  # never end the window inside a run a card could hide in
        end += 1
    window = redact_bytes(body[:end], secret_fields, secrets)
    kept = window[:MAX_BODY]
    kept = kept[:-_TAIL] + scrub_pans(kept[-_TAIL:])  # a digit run the cut made shorter is judged again
    return _drop_secret_prefix(kept, secrets) + cut_marker(len(body))
