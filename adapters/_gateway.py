"""Recognise what answered when the provider's own JSON did not: nginx, Cloudflare, AWS ALB, HTML, nothing.

Every provider adapter shares this reader (DESIGN §5). It never raises and never decides a payment: the adapter
turns the cause word into an event (on a charge, every cause here is ambiguous).

| cause        | recognised by (first match wins)                                                              |
|--------------|-----------------------------------------------------------------------------------------------|
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
from email.utils import parsedate_to_datetime
from typing import Final

import msgspec

from payfold import Event, NotProcessed, OutcomeUnknown, PollFailed, RequeryFailed, WebhookReceived, Wire

_decoder: Final = msgspec.json.Decoder()
_WHITESPACE: Final = b" \t\r\n\f\v"
_NGINX_FOOTER: Final = re.compile(rb"<center>\s*nginx(?:/[^<]*)?\s*</center>", re.IGNORECASE)
_CLOUDFLARE_FOOTER: Final = re.compile(rb"<center>\s*cloudflare\s*</center>", re.IGNORECASE)
_CLOUDFLARE_BRANDED: Final = re.compile(rb"cf-error-details|<title>[^<]*\|\s*52\d:", re.IGNORECASE)
_HTML_START: Final = re.compile(rb"\s*(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|head|body|title|!--|\?xml)", re.IGNORECASE)
_HTML_ANYWHERE: Final = re.compile(rb"<html[\s>]|</html>|<body[\s>]|<title>", re.IGNORECASE)
_NEVER_REACHED: Final = frozenset((521, 522, 523))


MAX_DEPTH: Final = 200
"""JSON nested deeper than this is unreadable: no provider sends it, and walking it could exhaust the stack."""
_BRACKET: Final = re.compile(rb"[\[\]{}]")


def too_deep(body: bytes) -> bool:
    """True when ``body`` may nest JSON deeper than ``MAX_DEPTH`` (brackets inside strings count too: a body
    that only looks deep is treated as unreadable, which is always safe)."""
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return False
    depth = 0
    for match in _BRACKET.finditer(body):
        depth += 1 if match.group() in b"[{" else -1
        if depth > MAX_DEPTH:
            return True
    return False


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
    if parse_json(body) is not None:
        return None
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


_MAX_RETRY_AFTER: Final = timedelta(days=1)


def retry_after(headers: tuple[tuple[str, str], ...], received_at: datetime) -> timedelta | None:
    """The ``Retry-After`` advice as a span from ``received_at`` (seconds or an HTTP date), at most one day.

    None when the header is absent or unreadable (the policy's default applies then).
    """
    value = _header(headers, "retry-after").strip()
    if not value:
        return None
    if value.isdigit():
        return min(timedelta(seconds=int(value[:9])), _MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(when - received_at, timedelta(0)), _MAX_RETRY_AFTER)


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
            return WebhookReceived(at=at, wire=wire, signature_valid=False, payload=parse_json(wire.body))


def transport_failure(wire: Wire) -> Event:
    """A wire with no usable response: ``connect`` on a charge or validate is ``NotProcessed`` (nothing left the
    client); any other failure is ``unanswered`` with the transport word as its cause."""
    cause = wire.error or "no_response"
    if cause == "connect" and wire.operation in ("charge", "validate"):
        return NotProcessed(at=wire.received_at, wire=wire, reason="connect")
    return unanswered(wire, cause)
