"""Tranzzo callbacks: form fields ``data`` (base64url JSON) and ``signature`` = base64url(sha1(secret+data+secret))."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from payfold import WebhookReceived, Wire
from payfold.adapters.wire.cards import scrub_pans
from payfold.adapters.wire.fields import text
from payfold.adapters.wire.gateway import parse_json, too_large
from payfold.adapters.wire.names import REDACTED
from payfold.adapters.wire.raw import replace_secrets
from payfold.adapters.wire.reading import read


def sign(data: str, secret: str) -> str:
    """Tranzzo's webhook signature: base64url(sha1(secret + data + secret)), ``=`` padding kept."""
    digest = hashlib.sha1((secret + data + secret).encode("utf-8", "surrogatepass"), usedforsecurity=False).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _form_fields(body: bytes) -> list[tuple[str, str]]:
    if too_large(body):
        return []
    value = parse_json(body)
    if isinstance(value, dict):
        return [(k, v) for k, v in value.items() if isinstance(k, str) and isinstance(v, str)]
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True)
    except (UnicodeDecodeError, ValueError):
        return []


def _decoded(data: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (ValueError, TypeError, binascii.Error):
        return None


def webhook(headers: tuple[tuple[str, str], ...], body: bytes, secret: str, *, at: datetime) -> WebhookReceived:
    """A Tranzzo callback: checked in constant time, decoded, redacted. ``ValueError`` when ``secret`` is empty.

    The wire keeps the decoded JSON of ``data`` (a base64 blob cannot be redacted in place), read once by
    ``reading.read``; without JSON in ``data`` it keeps the form body, with ``data`` itself redacted when its
    decoded bytes hold a card number or the secret (a body over ``MAX_BODY`` is not read: unsigned, cut). A
    hint only: it never settles a payment. Total for any headers and body.
    """
    if not secret:
        raise ValueError(
            "tranzzo.webhook: the secret is empty; with it anyone could sign a valid webhook "
            "(pass the POS's API_SECRET, as in Credentials.api_secret)"
        )
    lowered = tuple((name.lower(), value) for name, value in headers)
    pairs = _form_fields(body)
    fields = dict(pairs)
    data, signature = fields.get("data", ""), fields.get("signature", "")
    expected = sign(data, secret).encode("ascii")
    valid = bool(data) and hmac.compare_digest(expected, signature.encode("utf-8", "replace"))
    raw = _decoded(data) if data else None
    payload_json = raw is not None and parse_json(raw) is not None
    kept = body
    if raw is not None and payload_json:
        kept = raw
        lowered = (*((n, v) for n, v in lowered if n != "content-type"), ("content-type", "application/json"))
    elif raw is not None and (scrub_pans(raw) != raw or replace_secrets(raw, (secret,)) != raw):
        kept = urlencode([(name, REDACTED if name == "data" else value) for name, value in pairs]).encode()
    wire = Wire(operation="webhook", sent_at=at, received_at=at, status=200, headers=lowered, body=kept)
    reading = read(wire, secrets=(secret,))
    payload = reading.safe_value if payload_json else None
    reference = (text(reading.value, "order_id") or "") if payload_json else ""
    return WebhookReceived(at=at, wire=reading.wire, signature_valid=valid, payload=payload, reference=reference)
