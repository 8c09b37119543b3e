"""Recognise what answered when the provider's own JSON did not: nginx, Cloudflare, AWS ALB, HTML, nothing.

Every provider adapter shares this reader (DESIGN §5). It never raises and never decides a payment: the adapter
turns the cause word into an event (on a charge, every cause here is ambiguous). It also holds the limits every
adapter reads a wire within: ``MAX_BODY`` (the largest body parsed) and ``retry_after`` (the only reader of
``Retry-After``). Every pattern here runs in time linear in the body (possessive quantifiers where a pattern
could otherwise backtrack over a run of whitespace).

| cause        | recognised by (first match wins)                                                              |
|--------------|-----------------------------------------------------------------------------------------------|
| "too_large"  | a body over ``MAX_BODY`` bytes: never parsed nor searched                                      |
| (None)       | the body is JSON: the provider's own answer, for the adapter to read                           |
| "cloudflare" | a ``cf-error-type`` header (only on pages Cloudflare itself made)                              |
| "awselb"     | ``server: awselb/2.0`` (the load balancer made the answer; its body may even be empty)         |
| "empty"      | an empty or whitespace-only body                                                               |
| "cloudflare" | ``<center>cloudflare</center>`` footer, ``cf-error-details``, or a ``| 52x:`` title          |
| "nginx"      | ``<center>nginx</center>`` or ``<center>nginx/x.y…</center>`` footer                           |
| "cloudflare" | an HTML body with ``server: cloudflare`` or a ``cf-ray`` header                                |
| "nginx"      | an HTML body with ``server: nginx…``                                                           |
| "html"       | any other HTML                                                                                 |
| "unreadable" | anything else that is not JSON                                                                 |
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Final

import msgspec

from payfold import Event, NotProcessed, OutcomeUnknown, PollFailed, RequeryFailed, WebhookReceived, Wire

_decoder: Final = msgspec.json.Decoder()
_WHITESPACE: Final = b" \t\r\n\f\v"
_NGINX_FOOTER: Final = re.compile(rb"<center>\s*+nginx(?:/[^<]*+)?\s*+</center>", re.IGNORECASE)
_CLOUDFLARE_FOOTER: Final = re.compile(rb"<center>\s*+cloudflare\s*+</center>", re.IGNORECASE)
_CLOUDFLARE_BRANDED: Final = re.compile(rb"cf-error-details|<title>[^<]*\|\s*+52\d:", re.IGNORECASE)
_HTML_START: Final = re.compile(
    rb"\s*+(?:\xef\xbb\xbf)?\s*+<(?:!doctype|html|head|body|title|!--|\?xml)", re.IGNORECASE
)
_HTML_ANYWHERE: Final = re.compile(rb"<html[\s>]|</html>|<body[\s>]|<title>", re.IGNORECASE)
_NEVER_REACHED: Final = frozenset((521, 522, 523))


MAX_BODY: Final = 1 << 20
"""The largest body an adapter parses: 1 MiB (1,048,576 bytes).

Real answers are a few kilobytes (the largest sample in research/corpus is under 2 KB; a Tranzzo status array
with dozens of transactions or a Rave verify with its ``meta`` stays far below 100 KB), so a bigger body is no
answer payfold can act on: it is unreadable, ambiguous on a charge (``too_large``). The limit also bounds what
one event stores and what one ``translate`` costs: at most ``MAX_BODY`` bytes are redacted and scrubbed, whatever
the size of the body (well under a second even for a body made only of card-number-shaped runs). The body is
kept up to the limit, followed by ``cut_marker(size)``."""


def too_large(body: bytes) -> bool:
    """True when ``body`` is over ``MAX_BODY``: it is not parsed, searched or decoded, only cut and redacted."""
    return len(body) > MAX_BODY


def cut_marker(size: int) -> bytes:
    """What follows the first ``MAX_BODY`` bytes kept of a ``size``-byte body:
    ``b"...[payfold: body cut at 1048576 of <size> bytes]"``."""
    return b"...[payfold: body cut at %d of %d bytes]" % (MAX_BODY, size)


MAX_DEPTH: Final = 200
"""JSON nested deeper than this is unreadable: no provider sends it, and walking it could exhaust the stack."""
_JSON_STRING: Final = re.compile(rb'"(?:[^"\\]++|\\.)*+(?:"|\\?\Z)', re.DOTALL)
"""A JSON string (or one left open at the end): its brackets are text, not structure."""
_NOT_BRACKETS: Final = bytes(byte for byte in range(256) if byte not in b"[]{}")
_DEPTH_STEP: Final = tuple(1 if byte in b"[{" else -1 for byte in range(256))


def too_deep(body: bytes) -> bool:
    """True when ``body`` may nest JSON deeper than ``MAX_DEPTH``. The brackets inside strings are left out
    (a string of closing brackets cannot hide a deep nesting from this check and let a later walk over the
    decoded value exhaust the stack). Linear: one pattern pass and one pass in C over the brackets."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return False
    structure = _JSON_STRING.sub(b'""', body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, structure)), default=0) > MAX_DEPTH


def parse_json(body: bytes) -> object | None:
    """The decoded JSON value of ``body``; None when it is empty, not JSON, not UTF-8 or nested deeper than
    ``MAX_DEPTH``. Never raises.

    A body that is the JSON literal ``null`` also gives None (nothing to read either way).
    """
    if not body or too_deep(body):
        return None
    try:
        value: object = _decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    return value


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str:
    for key, value in headers:
        if key.lower() == name:
            return value
    return ""


def _has_header(headers: tuple[tuple[str, str], ...], name: str) -> bool:
    return any(key.lower() == name for key, _ in headers)


def _is_html(headers: tuple[tuple[str, str], ...], body: bytes) -> bool:
    if "html" in _header(headers, "content-type").lower():
        return True
    return _HTML_START.match(body) is not None or _HTML_ANYWHERE.search(body, 0, 4096) is not None


def recognize(status: int | None, headers: tuple[tuple[str, str], ...], body: bytes) -> str | None:
    """None when ``body`` is JSON; otherwise the word for what answered (see the module table).

    ``status`` is accepted for symmetry with the other readers; the cause is read from headers and body alone.
    """
    del status
    if too_large(body):
        return "too_large"
    if parse_json(body) is not None:
        return None
    return cause_of(headers, body)


def cause_of(headers: tuple[tuple[str, str], ...], body: bytes) -> str:
    """What answered, for a body already known not to be JSON (``recognize`` without the parse)."""
    if too_large(body):
        return "too_large"
    if _has_header(headers, "cf-error-type"):
        return "cloudflare"
    server = _header(headers, "server").strip().lower()
    if server.startswith("awselb"):
        return "awselb"
    if not body.strip(_WHITESPACE):
        return "empty"
    if _CLOUDFLARE_FOOTER.search(body) or _CLOUDFLARE_BRANDED.search(body):
        return "cloudflare"
    if _NGINX_FOOTER.search(body):
        return "nginx"
    if _is_html(headers, body):
        if server.startswith("cloudflare") or _has_header(headers, "cf-ray"):
            return "cloudflare"
        if server.startswith("nginx"):
            return "nginx"
        return "html"
    return "unreadable"


def origin_never_reached(status: int | None, headers: tuple[tuple[str, str], ...], body: bytes) -> bool:
    """True for a Cloudflare 521/522/523: the request never reached the provider's origin.

    520 and 524 (the origin got the request) and everything else give False. Adapters still treat a charge
    answered this way as ambiguous (requery first); this only tells the evidence apart.
    """
    if status not in _NEVER_REACHED:
        return False
    if _has_header(headers, "cf-ray") or _has_header(headers, "cf-error-type"):
        return True
    if _header(headers, "server").strip().lower().startswith("cloudflare"):
        return True
    return recognize(status, headers, body) == "cloudflare"


MAX_RETRY_AFTER: Final = timedelta(days=1)
"""The longest ``Retry-After`` advice taken: anything longer is cut to a day (the policy's backoff goes on)."""

_OWS: Final = " \t"
_DELTA_SECONDS: Final = re.compile(r"[0-9]+")
_WEEKDAY: Final = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH: Final = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME: Final = r"([0-9]{2}):([0-9]{2}):([0-9]{2})"
_IMF_FIXDATE: Final = re.compile(rf"{_WEEKDAY}, ([0-9]{{2}}) {_MONTH} ([0-9]{{4}}) {_TIME} GMT")
_RFC850_DATE: Final = re.compile(
    rf"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), ([0-9]{{2}})-{_MONTH}-([0-9]{{2}}) {_TIME} GMT"
)
_ASCTIME_DATE: Final = re.compile(rf"{_WEEKDAY} {_MONTH} ([0-9 ][0-9]) {_TIME} ([0-9]{{4}})")
_MONTHS: Final = {name: number for number, name in enumerate(_MONTH[1:-1].split("|"), start=1)}


def http_date(value: str, received_at: datetime) -> datetime | None:
    """An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, or the obsolete RFC 850 and asctime forms, all in GMT), or None.

    Only ASCII digits and the exact, case-sensitive names are accepted; an impossible date (31 Feb, hour 24) is
    None. A two-digit RFC 850 year more than 50 years after ``received_at`` is read in the century before.
    """
    if len(value) > 40:
        return None
    if match := _IMF_FIXDATE.fullmatch(value):
        day, month, year, hour, minute, second = match.groups()
    elif match := _ASCTIME_DATE.fullmatch(value):
        month, day, hour, minute, second, year = match.groups()
    elif match := _RFC850_DATE.fullmatch(value):
        day, month, short_year, hour, minute, second = match.groups()
        century = received_at.year - received_at.year % 100
        guess = century + int(short_year)
        year = str(guess - 100 if guess > received_at.year + 50 else guess)
    else:
        return None
    try:
        return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), min(int(second), 59), tzinfo=UTC)
    except ValueError:
        return None


def retry_after(headers: tuple[tuple[str, str], ...], received_at: datetime) -> timedelta | None:
    """The ``Retry-After`` advice (RFC 9110 §10.2.3) as a span from ``received_at``, never from the clock.

    ``delta-seconds`` (ASCII digits only, surrounding spaces or tabs allowed) or an ``http_date``; advice beyond
    ``MAX_RETRY_AFTER`` is cut to it and a date in the past is zero. Anything else (other scripts' digits, a
    sign, a fraction, ``1e3``, a date with a numeric zone) is no advice: None, and the policy's default applies.
    Total: never raises, whatever the value.
    """
    value = _header(headers, "retry-after").strip(_OWS)
    if _DELTA_SECONDS.fullmatch(value):
        digits = value.lstrip("0") or "0"
        if len(digits) > 6:
            return MAX_RETRY_AFTER
        return min(timedelta(seconds=int(digits)), MAX_RETRY_AFTER)
    when = http_date(value, received_at)
    if when is None:
        return None
    return min(max(when - received_at, timedelta(0)), MAX_RETRY_AFTER)


def unanswered(wire: Wire, cause: str) -> Event:
    """What an answer nobody can read means for ``wire.operation`` (``wire`` already redacted).

    charge/validate: ``OutcomeUnknown(cause)``; requery: ``RequeryFailed``; poll: ``PollFailed``; webhook: an
    unsigned ``WebhookReceived``. Never a verdict, never a resend.
    """
    at = wire.received_at
    match wire.operation:
        case "charge" | "validate":
            return OutcomeUnknown(at=at, wire=wire, cause=cause)
        case "requery":
            return RequeryFailed(at=at, wire=wire, reason=cause)
        case "poll":
            return PollFailed(at=at, wire=wire, reason=cause)
        case "webhook":
            payload = None if too_large(wire.body) else parse_json(wire.body)
            return WebhookReceived(at=at, wire=wire, signature_valid=False, payload=payload)


def transport_failure(wire: Wire) -> Event:
    """A wire with no usable response: ``connect`` on a charge or validate is ``NotProcessed`` (nothing left the
    client); any other failure is ``unanswered`` with the transport word as its cause."""
    cause = wire.error or "no_response"
    if cause == "connect" and wire.operation in ("charge", "validate"):
        return NotProcessed(at=wire.received_at, wire=wire, reason="connect")
    return unanswered(wire, cause)
