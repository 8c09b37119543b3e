"""Reading a wire once: the one step every provider adapter starts ``translate`` and ``webhook`` with.

``read(wire)`` decodes the body once and returns a ``Reading``:

- ``wire``: the redacted wire, what events store (headers, URL and body without secrets or card numbers);
- ``value``: the decoded JSON of the body as the provider sent it (None when the body is empty, not JSON, nested
  deeper than ``MAX_DEPTH`` or over ``MAX_BODY``). Read references and amounts from here: masking never changes
  what the adapter reads (a transaction id that looks like a card number stays the provider's id);
- ``safe_value``: the redacted value (the same object as ``value`` when nothing needed redacting): what a
  ``WebhookReceived.payload`` or any JSON copied into an event holds;
- ``clean``: True when the body needed no redaction, so text read from ``value`` is safe as it is;
- ``content_type`` (lower-cased, parameters dropped), ``cause`` (``gateway.recognize``'s word, None for JSON)
  and ``retry_after(at)``.

Then ``finish(event, reading)`` makes the event safe to store: URLs (``url``, ``ping_url``) go through
``redact_url`` always; when the body was not clean, free text read from ``value`` (``reason``, ``message``,
``cause``, ``code``, ``request_id``) has card numbers masked. References and amounts are left as read.

How the body is redacted (the body is re-encoded at most once, only when something had to change):

1. Fast path. A cheap test over the raw bytes proves the body holds nothing to redact: no backslash (no
   escapes), no ``%``, no ``//…@`` userinfo, no key or form field with a secret name (``names``; one regex over
   the lower-cased bytes with ``-`` and ``_`` removed), no run of 13 digits and separators and no large
   exponent (``cards.may_hold_card_bytes``). The body is kept verbatim and no Python walk runs.
2. JSON. One walk (``walk.Walk``) redacts the decoded value. The body is re-encoded from the redacted value when
   a field, secret or URL part was redacted, or when the raw bytes hold more keys than the decoded value
   (duplicate keys: msgspec keeps the last one, an earlier one may hide a secret). When only card numbers were
   found, their digits are masked in place in the provider's bytes (``cards.scrub_pans``; a bare number then
   reads ``411111******1111``), unless the body has escapes, a card number in exponent notation, or must stay
   JSON (``valid_json``, webhooks): then it is re-encoded. Otherwise the provider's bytes are kept.
3. Anything else (form bodies whatever their content type, HTML, text, JSON too deep to decode): redacted as
   bytes by pattern (``raw.redact_bytes``). A body over ``MAX_BODY`` is cut unread (``raw.cut_body``).

Literal ``secrets`` (a webhook's shared secret) are searched in every form a body may echo them in.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import Final

import msgspec

from payfold import ActionRequired, Event, LongRequestStarted, Wire
from payfold.adapters.wire import gateway
from payfold.adapters.wire.cards import exponent_card_in, scrub_pans, scrub_text
from payfold.adapters.wire.names import (
    PARAM_NAMES,
    REDACTED,
    SECRET_NAMES,
    is_secret_name,
    normalized_set,
    trie_pattern,
)
from payfold.adapters.wire.raw import cut_body, redact_bytes, replace_secrets_text
from payfold.adapters.wire.urls import redact_url
from payfold.adapters.wire.walk import Walk

_encoder: Final = msgspec.json.Encoder()
_EXPONENT_BYTES: Final = re.compile(rb"[0-9][eE][+-]?[0-9]")
_KELVIN: Final = "\u212a".encode()
_USERINFO: Final = re.compile(rb"//[^/\s\"'<>]*+@")
_STRING: Final = re.compile(rb'"(?:[^"\\]++|\\.)*+"([ \t\r\n]*+:)?', re.DOTALL)
"""A JSON string token, and whether a ``:`` follows it (then it is a key)."""


class Reading:
    """One wire read once (see the module docstring)."""

    __slots__ = ("clean", "content_type", "safe_value", "value", "wire")

    def __init__(
        self, wire: Wire, value: object | None, safe_value: object | None, *, clean: bool, content_type: str
    ) -> None:
        self.wire = wire
        self.value = value
        self.safe_value = safe_value
        self.clean = clean
        self.content_type = content_type

    @property
    def cause(self) -> str | None:
        """``gateway.recognize``'s word for what answered; None when the body is JSON."""
        if gateway.too_large(self.wire.body):
            return "too_large"
        if self.value is not None:
            return None
        return gateway.cause_of(self.wire.headers, self.wire.body)

    def retry_after(self) -> timedelta | None:
        """The answer's ``Retry-After`` advice from ``wire.received_at`` (``gateway.retry_after``)."""
        return gateway.retry_after(self.wire.headers, self.wire.received_at)


@lru_cache(maxsize=16)
def _key_probe(fields: frozenset[str]) -> re.Pattern[bytes]:
    """A JSON key (``"name":``) that may be secret, searched in the REVERSED body, lower-cased, with ``-``,
    ``_`` and whitespace removed (a leading ``x`` allowed: ``x-api-key`` is ``xapikey`` there). Reversed, every
    attempt starts at a ``:"`` pair, so the search costs about one step per key, not per character."""
    return re.compile(f':"{_reversed_trie(fields)}x?"'.encode())


@lru_cache(maxsize=16)
def _pair_probe(names: frozenset[str]) -> re.Pattern[bytes]:
    """A form or query name (``&name=``), searched in the reversed lower-cased body without ``-`` and ``_``."""
    return re.compile(f"={_reversed_trie(names)}x?[&;?\\n\\r\\t ]".encode())


def _reversed_trie(names: frozenset[str]) -> str:
    return trie_pattern(frozenset(name[::-1] for name in names))


_NOT_NAME: Final = b"-_ \t\r\n"
_DIGITS: Final = bytes.maketrans(b"0123456789", b"0000000000")
_RUN_OF_13: Final = b"0" * 13
_SEPARATORS: Final = b" .+-\xa0\xc2"


def may_hold_card_quick(data: bytes) -> bool:
    """False only when ``data`` certainly holds no card number: no 13 digits in a row once separators are
    dropped, no exponent-looking ``<digit>e<digit>`` and no HTML no-break space. Two C passes, no regex."""
    zeroed = data.translate(_DIGITS, _SEPARATORS)
    if _RUN_OF_13 in zeroed:
        return True
    if b"e" in data or b"E" in data:
        marked = zeroed.replace(b"E", b"e")
        if b"0e0" in marked or b"0e+0" in marked:
            return True
    return b"&nbsp;" in data or b"&#160;" in data


def _clean(body: bytes, fields: frozenset[str], params: frozenset[str]) -> bool:
    """True when ``body`` certainly holds nothing to redact (the fast path)."""
    if b"\\" in body or b"%" in body or may_hold_card_quick(body):
        return False
    if b"@" in body and _USERINFO.search(body) is not None:
        return False
    lowered = body.lower()
    if _KELVIN in body:
        lowered = lowered.replace(_KELVIN, b"k")
    if _key_probe(fields).search(lowered.translate(None, _NOT_NAME)[::-1]) is not None:
        return False
    if b"=" in body:
        pairs = b"&" + lowered.translate(None, b"-_")
        if _pair_probe(fields | params).search(pairs[::-1]) is not None:
            return False
    return True


def _key_count(body: bytes) -> int:
    return sum(1 for match in _STRING.finditer(body) if match.group(1) is not None)


def _reencode(body: bytes, walk: Walk, *, changed: bool, valid_json: bool) -> bool:
    """Whether the body must be re-encoded from the redacted value rather than masked in place."""
    if walk.structural or walk.keys != _key_count(body):
        return True  # a field went, or duplicate keys: an earlier duplicate may hide what the value no longer shows
    if _EXPONENT_BYTES.search(body) is not None and exponent_card_in(body.decode("latin-1")):
        return True  # a card number written as an exponent number: only re-encoding removes it
    if not changed:
        return False
    return valid_json or b"\\" in body or (walk.numbers and _EXPONENT_BYTES.search(body) is not None)


_PLAIN_NAMES: Final = frozenset(("content-type", "content-length", "server", "date", "cf-ray", "connection", "vary"))


def _plain_headers(headers: tuple[tuple[str, str], ...], params: frozenset[str]) -> bool:
    """True when no header name is secret and no value may hold a URL secret or a card number."""
    for name, value in headers:
        if name not in _PLAIN_NAMES and is_secret_name(name, params):
            return False
        if "=" in value or "@" in value or "%" in value or "&" in value:
            return False
        if len(value) >= 13 and may_hold_card_quick(value.encode("utf-8", "surrogatepass")):
            return False
        if len(name) >= 13 and may_hold_card_quick(name.encode("utf-8", "surrogatepass")):
            return False
    return True


def _headers(
    headers: tuple[tuple[str, str], ...], params: frozenset[str], secrets: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    if not secrets and _plain_headers(headers, params):
        return headers
    out: list[tuple[str, str]] = []
    changed = False
    for name, value in headers:
        name = scrub_text(name)
        if is_secret_name(name, params):
            safe = REDACTED
        else:
            safe = replace_secrets_text(value, secrets)
            safe = redact_url(safe, params) if ("=" in safe or "@" in safe) else scrub_text(safe)
        changed = changed or safe != value
        out.append((name, safe))
    return tuple(out) if changed else headers


def _content_type(headers: tuple[tuple[str, str], ...]) -> str:
    for name, value in headers:
        if name == "content-type":
            return value.split(";", 1)[0].strip().lower()
    return ""


def read(
    wire: Wire,
    *,
    secret_fields: frozenset[str] = SECRET_NAMES,
    secrets: tuple[str, ...] = (),
    secret_params: frozenset[str] = PARAM_NAMES,
    valid_json: bool = False,
) -> Reading:
    """``wire`` read once: decoded, redacted, ready to classify (see the module docstring). Never raises.

    ``secret_fields`` and ``secret_params`` may be spelled any way (they are normalized); ``secrets`` are literal
    strings (4 characters or more) to replace wherever they appear. ``valid_json``: a JSON body must stay JSON
    (a webhook, whose payload is its body), so card numbers in bare numbers are re-encoded, not masked in place."""
    fields = secret_fields if secret_fields is SECRET_NAMES else normalized_set(secret_fields)
    params = secret_params if secret_params is PARAM_NAMES else normalized_set(secret_params)
    headers = _headers(wire.headers, params, secrets)
    url = redact_url(replace_secrets_text(wire.url, secrets), params) if wire.url else wire.url
    content_type = _content_type(headers)
    body = wire.body
    if gateway.too_large(body):
        safe = msgspec.structs.replace(wire, headers=headers, url=url, body=cut_body(body, fields, secrets))
        return Reading(safe, None, None, clean=False, content_type=content_type)
    value = gateway.parse_json(body)
    safe_value = value
    if not body or (not secrets and _clean(body, fields, params)):
        kept = body
    elif value is not None:
        walk = Walk(fields, secrets)
        safe_value, changed = walk.run(value)
        if _reencode(body, walk, changed=changed, valid_json=valid_json):
            kept = _encoder.encode(safe_value)
        else:
            kept = scrub_pans(body)  # card digits masked in place: the provider's bytes otherwise kept
    else:
        kept = redact_bytes(body, fields, secrets)
    if kept is body and headers is wire.headers and url == wire.url:
        return Reading(wire, value, safe_value, clean=True, content_type=content_type)
    safe = msgspec.structs.replace(wire, headers=headers, url=url, body=kept)
    return Reading(safe, value, safe_value, clean=kept is body, content_type=content_type)


_TEXT_FIELDS: Final = ("reason", "message", "cause", "code", "request_id")


def finish(event: Event, reading: Reading) -> Event:
    """``event`` safe to store: its URLs redacted, and (when the body was not clean) card numbers masked in the
    free text it read from ``reading.value``. References and amounts are kept as read."""
    changes: dict[str, str] = {}
    if isinstance(event, ActionRequired) and event.url:
        changes["url"] = redact_url(event.url)
    elif isinstance(event, LongRequestStarted):
        changes["ping_url"] = redact_url(event.ping_url)
    if not reading.clean:
        for name in _TEXT_FIELDS:
            text = getattr(event, name, None)
            if isinstance(text, str) and len(text) >= 4:
                changes[name] = redact_url(text) if ("=" in text or "@" in text) else scrub_text(text)
    changes = {name: text for name, text in changes.items() if text != getattr(event, name)}
    return msgspec.structs.replace(event, **changes) if changes else event
