"""Redaction: what an adapter does to a wire before any event holds it (DESIGN §6).

Order: secret headers, secret query parameters (and URL passwords), secret JSON or form fields at any depth,
literal secret strings anywhere, then the last-line PAN scrubber. A JSON body is re-encoded only when a field
was redacted (or a PAN sat in a bare number): otherwise the provider's bytes are kept verbatim, PANs masked in
place so the JSON stays valid.

A body over ``MAX_BODY`` is never parsed: its first ``MAX_BODY`` bytes are redacted as bytes (secret fields
found by pattern, ``"name": value`` or ``name=value``; literal secrets; the PAN scrubber), cut, and followed by
``cut_marker``. The work is bounded by the limit, not by the body.
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache
from typing import Final
from urllib.parse import parse_qsl, quote, quote_plus, urlencode

import msgspec

from payfold import Wire
from payfold.adapters.wire.gateway import MAX_BODY, cut_marker, parse_json, too_large

REDACTED: Final = "[redacted]"
_REDACTED_BYTES: Final = REDACTED.encode()

SECRET_HEADERS: Final[frozenset[str]] = frozenset(
    (
        "x-api-auth",
        "x-api-key",
        "authorization",
        "proxy-authorization",
        "verif-hash",
        "cookie",
        "set-cookie",
    )
)
"""Header names (lower-case) whose value is always replaced by ``REDACTED``."""

SECRET_FIELDS: Final[frozenset[str]] = frozenset(
    (
        # credentials
        "seckey",
        "secret",
        "secret_key",
        "secretkey",
        "secret_hash",
        "api_secret",
        "apisecret",
        "api_key",
        "apikey",
        "client_secret",
        "access_token",
        "refresh_token",
        "password",
        "passwd",
        "verif_hash",
        "x-api-auth",
        "authorization",
        # card data and customer authentication
        "cc_number",
        "card_number",
        "cardnumber",
        "cardno",
        "pan",
        "card_cvv",
        "cvv",
        "cvv2",
        "cvc",
        "pin",
        "otp",
        "expirymonth",
        "expiryyear",
        "exp_month",
        "exp_year",
        "card_exp",
    )
)
"""JSON or form keys (compared lower-case) whose value is redacted at any depth. Card expiry counts: with a
PAN it is cardholder data, and payfold never needs it back."""

SECRET_PARAMS: Final[frozenset[str]] = SECRET_FIELDS | frozenset(("key", "token", "sig", "signature", "auth"))
"""Query parameter names (compared lower-case) whose value is redacted in a wire's URL."""

_PAN_BYTES: Final = re.compile(rb"(?<![0-9A-Za-z])[2-6][0-9]{12,18}(?![0-9A-Za-z])")
_PAN_TEXT: Final = re.compile(r"(?<![0-9A-Za-z])[2-6][0-9]{12,18}(?![0-9A-Za-z])", re.ASCII)
_QUERY_PAIR: Final = re.compile(r"([?&;])([^=&;#?]*+)=([^&;#?]*+)")
"""A query pair. A ``?`` starts a new pair, also inside a value (``?ref=1?key=…``, or a nested URL's query), so a
secret after it is found, and no part of the pattern can backtrack across a run of ``?``."""
_USERINFO: Final = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://[^/@:?#]*):[^/@?#]*@")
_DOUBLED: Final = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_encoder: Final = msgspec.json.Encoder()
_MIN_SECRET: Final = 4


def _luhn_valid(digits: bytes) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = char - 48
        total += _DOUBLED[digit] if index % 2 else digit
    return total % 10 == 0


def _mask(digits: bytes) -> bytes:
    return digits[:6] + b"*" * (len(digits) - 10) + digits[-4:]


def _mask_match(match: re.Match[bytes]) -> bytes:
    digits = match.group()
    return _mask(digits) if _luhn_valid(digits) else digits


def scrub_pans(data: bytes) -> bytes:
    """Mask every Luhn-valid run of 13-19 digits starting with 2-6 that touches no other digit or ASCII letter.

    The first 6 and last 4 digits stay; the rest become ``*`` of the same length, so JSON strings stay valid.
    """
    if len(data) < 13:
        return data
    return _PAN_BYTES.sub(_mask_match, data)


def _scrub_text(text: str) -> str:
    if len(text) < 13:
        return text
    return _PAN_TEXT.sub(lambda m: _mask(m.group().encode()).decode(), text)


def _pan_number(value: int) -> bool:
    text = str(value).encode()
    return 13 <= len(text) <= 19 and text[:1] in b"23456" and _luhn_valid(text)


def _may_hide_a_secret(item: object) -> bool:
    """A secret field's value worth redacting: not empty, not already redacted, not a bare true/false/null."""
    return item is not None and not isinstance(item, bool) and item not in ("", REDACTED)


def _walk(value: object, fields: frozenset[str], scrub: bool) -> tuple[object, bool]:
    if isinstance(value, dict):
        out: dict[object, object] = {}
        changed = False
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in fields and _may_hide_a_secret(item):
                out[key] = REDACTED
                changed = True
                continue
            new, item_changed = _walk(item, fields, scrub)
            if scrub and isinstance(key, str):
                scrubbed_key = _scrub_text(key)
                item_changed = item_changed or scrubbed_key != key
                key = scrubbed_key
            out[key] = new
            changed = changed or item_changed
        return (out, True) if changed else (value, False)
    if isinstance(value, list):
        items: list[object] = []
        changed = False
        for item in value:
            new, item_changed = _walk(item, fields, scrub)
            items.append(new)
            changed = changed or item_changed
        return (items, True) if changed else (value, False)
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > 10**12 and _pan_number(abs(value)):
            return ("-" if value < 0 else "") + _mask(str(abs(value)).encode()).decode(), True
        return value, False
    if scrub and isinstance(value, str):
        text = _scrub_text(value)
        return text, text != value
    if isinstance(value, float) and (scrub or abs(value) >= 1e12):
        text = repr(value)
        masked = _scrub_text(text)
        return (masked, True) if masked != text else (value, False)
    return value, False


def redact_json(value: object, secret_fields: frozenset[str] = SECRET_FIELDS) -> tuple[object, bool]:
    """A copy of ``value`` with secret fields (any depth) set to ``REDACTED`` and PAN-like bare numbers masked,
    and whether anything changed. Unchanged parts are shared, not copied."""
    return _walk(value, secret_fields, scrub=False)


def _secret_forms(secret: str) -> tuple[bytes, ...]:
    """``secret`` as it may appear in a body: as is, JSON-escaped, URL-quoted (a lone surrogate, which no JSON
    encoder takes, is looked for as is and URL-quoted)."""
    forms = {secret, quote(secret, safe="", errors="surrogatepass"), quote_plus(secret, errors="surrogatepass")}
    with contextlib.suppress(UnicodeEncodeError):
        forms.add(msgspec.json.encode(secret).decode()[1:-1])
    return tuple(sorted((form.encode("utf-8", "surrogatepass") for form in forms), key=len, reverse=True))


def _replace_secrets(data: bytes, secrets: tuple[str, ...]) -> bytes:
    for secret in secrets:
        if len(secret) < _MIN_SECRET:
            continue
        for form in _secret_forms(secret):
            if form in data:
                data = data.replace(form, _REDACTED_BYTES)
    return data


def _replace_secrets_text(text: str, secrets: tuple[str, ...]) -> str:
    if not secrets:
        return text
    return _replace_secrets(text.encode("utf-8", "surrogatepass"), secrets).decode("utf-8", "surrogatepass")


def redact_url(url: str, secret_params: frozenset[str] = SECRET_PARAMS) -> str:
    """``url`` with the values of secret query parameters, and any userinfo password, set to ``REDACTED``."""
    if not url:
        return url
    url = _USERINFO.sub(lambda m: f"{m.group(1)}:{REDACTED}@", url)
    if "=" not in url or ("?" not in url and ";" not in url):
        return url

    def pair(match: re.Match[str]) -> str:
        sep, name, value = match.groups()
        if value and name.lower() in secret_params:
            return f"{sep}{name}={REDACTED}"
        return match.group()

    head, hash_mark, fragment = url.partition("#")
    return _QUERY_PAIR.sub(pair, head) + hash_mark + fragment


def _is_form(wire: Wire) -> bool:
    content_type = wire.header("content-type")
    return content_type is not None and "x-www-form-urlencoded" in content_type.lower()


def _redact_form(body: bytes, fields: frozenset[str]) -> bytes:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return body
    if not any(name.lower() in fields and value for name, value in pairs):
        return body
    safe = [(name, REDACTED if name.lower() in fields and value else value) for name, value in pairs]
    return urlencode(safe).encode()


_CUT_SLACK: Final = 4096
"""Bytes past ``MAX_BODY`` redacted along with the kept part, so a field, secret or card number across the cut is
judged whole (a literal secret replaced by the shorter ``[redacted]`` pulls later bytes into the kept part)."""
_TAIL: Final = 32
_DIGITS: Final = b"0123456789"
_NOTHING_TO_HIDE: Final = frozenset((b"null", b"true", b"false", b'""'))


_JSON_KEY: Final = re.compile(rb'"([A-Za-z0-9_.-]{1,40})"[ \t\r\n]*+:[ \t\r\n]*+')
_JSON_VALUE: Final = re.compile(rb'"(?:[^"\\]++|\\.?)*+(?:"|\Z)|[^\s,}\]]++', re.DOTALL)
"""A JSON value after a key: a string (also one the window cut short) or anything up to the next delimiter."""
_FORM_KEY: Final = re.compile(rb"[&;?]([A-Za-z0-9_.-]{1,40})=")
_FORM_VALUE: Final = re.compile(rb"[^&;\s]++")


@lru_cache(maxsize=8)
def _field_names(fields: frozenset[str]) -> frozenset[bytes]:
    return frozenset(name.lower().encode("utf-8", "surrogatepass") for name in fields)


def _redact_after(window: bytes, keys: re.Pattern[bytes], values: re.Pattern[bytes], names: frozenset[bytes]) -> bytes:
    """``window`` with the value after each ``keys`` match that names a secret field replaced by ``[redacted]``.

    One pass: every key candidate is looked at once and a redacted value is skipped whole; every quantifier in
    the patterns is possessive, so the pass is linear in the window."""
    quoted = keys is _JSON_KEY
    parts: list[bytes] = []
    last = start = 0
    while (key := keys.search(window, start)) is not None:
        start = key.end()
        if key.group(1).lower() not in names:
            continue
        value = values.match(window, start)
        if value is None or value.group() in _NOTHING_TO_HIDE:
            continue
        parts += (window[last:start], b'"' + _REDACTED_BYTES + b'"' if quoted else _REDACTED_BYTES)
        last = start = value.end()
    return b"".join((*parts, window[last:])) if parts else window


def _redact_fields(window: bytes, fields: frozenset[str]) -> bytes:
    """``window`` (bytes never parsed) with the value of every secret field it shows, in JSON (``"name": value``)
    or form syntax (``name=value``), set to ``[redacted]``; names compared without regard to ASCII case."""
    names = _field_names(fields)
    window = _redact_after(window, _JSON_KEY, _JSON_VALUE, names)
    return _redact_after(b"&" + window, _FORM_KEY, _FORM_VALUE, names)[1:]  # "&": a pair at the very start too


def _drop_secret_prefix(kept: bytes, secrets: tuple[str, ...]) -> bytes:
    """``kept`` without a trailing beginning of a secret (the cut fell inside it), replaced by ``[redacted]``."""
    for secret in secrets:
        if len(secret) < _MIN_SECRET:
            continue
        for form in _secret_forms(secret):
            for size in range(len(form) - 1, _MIN_SECRET - 1, -1):
                if kept.endswith(form[:size]):
                    return kept[:-size] + _REDACTED_BYTES
    return kept


def cut_body(body: bytes, secret_fields: frozenset[str] = SECRET_FIELDS, secrets: tuple[str, ...] = ()) -> bytes:
    """A body over ``MAX_BODY``, as an event may hold it: its first ``MAX_BODY`` bytes redacted as bytes (secret
    fields by pattern, literal ``secrets``, card numbers), then ``cut_marker(len(body))``. Never parsed."""
    end = MAX_BODY + _CUT_SLACK
    limit = min(len(body), end + 20)
    while end < limit and body[end] in _DIGITS:  # never end the window inside a run a PAN could hide in
        end += 1
    window = _redact_fields(body[:end], secret_fields)
    window = scrub_pans(_replace_secrets(window, secrets))
    kept = window[:MAX_BODY]
    kept = kept[:-_TAIL] + scrub_pans(kept[-_TAIL:])  # a digit run the cut made shorter is judged again
    return _drop_secret_prefix(kept, secrets) + cut_marker(len(body))


def redact_answer(
    wire: Wire,
    *,
    secret_fields: frozenset[str] = SECRET_FIELDS,
    secrets: tuple[str, ...] = (),
    secret_params: frozenset[str] = SECRET_PARAMS,
) -> tuple[Wire, object | None]:
    """``redact_wire`` plus the JSON value of the redacted body (None when it is not JSON), decoded once.

    The value is what an adapter reads: it holds no secret field and no PAN the scrubber masked.
    """
    headers = wire.headers
    if any(name in SECRET_HEADERS for name, _ in headers) or secrets:
        headers = tuple(
            (name, REDACTED if name.lower() in SECRET_HEADERS else _replace_secrets_text(value, secrets))
            for name, value in headers
        )
    url = _replace_secrets_text(redact_url(wire.url, secret_params), secrets)
    body = wire.body
    if too_large(body):
        body = cut_body(body, secret_fields, secrets)
        headers = tuple((name, _scrub_text(item)) for name, item in headers)
        return msgspec.structs.replace(wire, headers=headers, url=_scrub_text(url), body=body), None
    value = parse_json(body)
    if value is not None:
        value, changed = redact_json(value, secret_fields)
        if changed:
            body = _encoder.encode(value)
    elif body and _is_form(wire):
        body = _redact_form(body, secret_fields)
    if secrets:
        replaced = _replace_secrets(body, secrets)
        if replaced != body:
            body = replaced
            value = parse_json(body)
    scrubbed = scrub_pans(body)
    if scrubbed != body:
        if value is not None:
            value, _ = _walk(value, secret_fields, scrub=True)
            reread = parse_json(scrubbed)
            scrubbed = scrubbed if reread is not None else scrub_pans(_encoder.encode(value))
        body = scrubbed
    url = _scrub_text(url)
    headers = tuple((name, _scrub_text(item)) for name, item in headers)
    if headers == wire.headers and url == wire.url and body is wire.body:
        return wire, value
    return msgspec.structs.replace(wire, headers=headers, url=url, body=body), value


def redact_wire(
    wire: Wire,
    *,
    secret_fields: frozenset[str] = SECRET_FIELDS,
    secrets: tuple[str, ...] = (),
    secret_params: frozenset[str] = SECRET_PARAMS,
) -> Wire:
    """``wire`` with nothing secret left: headers, URL, JSON or form body fields, literal ``secrets``, PANs."""
    return redact_answer(wire, secret_fields=secret_fields, secrets=secrets, secret_params=secret_params)[0]
