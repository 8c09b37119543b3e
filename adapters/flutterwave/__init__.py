"""Flutterwave Rave v2 (``flwv3-pug/getpaidx/api``): wire bytes to events, steps to requests. Sans-I/O.

Charges and validates are sent with ``?use_polling=1``: a request Rave cannot finish within its 25 s window is
answered ``LONG-REQ`` with a ping URL, polled until ``REQSPONSE`` says ``completed``, then requeried by
``txref``. Only a requery (``v2/verify``) ever confirms or declines a payment. See docs/adapters.md.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Final

from payfold import (
    Event,
    NotProcessed,
    OutcomeUnknown,
    Policy,
    PollFailed,
    RequeryFailed,
    WebhookReceived,
    Wire,
)
from payfold.adapters.flutterwave._charge import charge_answer
from payfold.adapters.flutterwave._poll import poll_answer, redact_inner_response
from payfold.adapters.flutterwave._requery import requery_answer
from payfold.adapters.flutterwave._request import Credentials, request
from payfold.adapters.wire.fields import clip, text
from payfold.adapters.wire.gateway import too_large, unanswered
from payfold.adapters.wire.reading import Reading, finish, read
from payfold.adapters.wire.redact import SECRET_FIELDS

__all__ = ["NAME", "POLICY", "SECRET_FIELDS_RAVE", "Credentials", "request", "translate", "webhook"]

NAME: Final = "flutterwave"

SECRET_FIELDS_RAVE: Final = SECRET_FIELDS | frozenset(("client", "pbfseckey", "encryption_key", "encryptionkey"))
"""The shared secret fields plus ``client``, the encrypted card blob of a charge request."""

POLICY: Final = Policy(
    name="flutterwave",
    timeout=timedelta(seconds=35),
    ambiguity_delay=timedelta(seconds=3),
    verify_delay=timedelta(seconds=3),
    poll_backoff=(timedelta(seconds=2), timedelta(seconds=3), timedelta(seconds=5)),
    max_polls=10,
    requery_backoff=(*(timedelta(seconds=3),) * 5, timedelta(minutes=15)),
)
"""Rave's documented numbers. ``timeout`` exceeds Rave's 25 s window (its timeout answers must arrive);
requeries follow the Rave PHP SDK: every 3 s, 5 times, then every 15 minutes ("Queue it for requery … about
15 minutes after"). Rave documents no poll cadence (the Android SDK polls at once, without a cap): payfold
polls after 2, 3, then every 5 s, at most 10 times, and requeries after that."""


def translate(wire: Wire) -> Event:
    """The one event for ``wire`` (at ``wire.received_at``, holding the redacted wire). Total: never raises on
    any status, body, header or transport error. The wire is read once (``reading.read``): references and
    amounts come from the body as sent. A body over ``MAX_BODY`` is unreadable whatever the status
    (``outcome_unknown``/``too_large`` on a charge)."""
    reading = read(wire, secret_fields=SECRET_FIELDS_RAVE)
    return finish(_meaning(reading), reading)


def _meaning(reading: Reading) -> Event:
    safe, value = reading.wire, reading.value
    if safe.operation == "webhook":
        return WebhookReceived(at=safe.received_at, wire=safe, signature_valid=False, payload=reading.safe_value)
    if safe.status is None:
        return _no_answer(safe)
    if too_large(safe.body) or reading.cause == "too_large":
        return unanswered(safe, "too_large")
    match safe.operation:
        case "charge" | "validate":
            return charge_answer(safe, value)
        case "poll":
            safe, safe_value = redact_inner_response(safe, reading.safe_value, SECRET_FIELDS_RAVE)
            return poll_answer(safe, value, safe_value)
        case "requery":
            return requery_answer(safe, value)


def _no_answer(wire: Wire) -> Event:
    """No HTTP answer: ``connect`` on a charge or validate sent nothing; anything else may have been processed."""
    error = clip(wire.error or "no_response", 60)
    match wire.operation:
        case "charge" | "validate":
            if error == "connect":
                return NotProcessed(at=wire.received_at, wire=wire, reason="connect")
            return OutcomeUnknown(at=wire.received_at, wire=wire, cause=error)
        case "poll":
            return PollFailed(at=wire.received_at, wire=wire, reason=error)
        case _:
            return RequeryFailed(at=wire.received_at, wire=wire, reason=error)


def webhook(headers: Iterable[tuple[str, str]], body: bytes, secret: str, *, at: datetime) -> WebhookReceived:
    """A Rave callback (the v2 flat body or the v3 ``{"event", "data"}`` envelope): a hint, never a verdict.

    ``secret`` is the dashboard's secret hash (Settings > Webhooks), which Rave sends back as the ``verif-hash``
    header; an empty one is a ``ValueError`` (anyone could send a matching empty header). ``signature_valid``
    when the header equals ``secret`` (constant time). ``payload`` and ``wire.body`` hold the decoded, redacted
    JSON (None when unreadable).
    """
    if not secret:
        raise ValueError(
            "flutterwave.webhook: the secret hash is empty; with it anyone could send a valid webhook "
            "(set a secret hash in the Rave dashboard and pass it here)"
        )
    pairs = tuple((name.lower(), value) for name, value in headers)
    given = next((value for name, value in pairs if name == "verif-hash"), None)
    valid = given is not None and hmac.compare_digest(
        given.encode("utf-8", "surrogatepass"), secret.encode("utf-8", "surrogatepass")
    )
    wire = Wire(operation="webhook", sent_at=at, received_at=at, headers=pairs, body=body)
    reading = read(wire, secret_fields=SECRET_FIELDS_RAVE, secrets=(secret,), valid_json=True)
    reference = text(reading.value, "txRef", "data.tx_ref", "data.txRef", "tx_ref") or ""
    return WebhookReceived(
        at=at, wire=reading.wire, signature_valid=valid, payload=reading.safe_value, reference=reference
    )
