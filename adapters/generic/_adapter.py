"""``GenericAdapter``: an object built from a ``ReferenceApiSpec`` with the members of a provider module
(``translate``, ``request``, ``webhook``, ``POLICY``, ``Credentials``, ``NAME``)."""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import ClassVar, Final
from urllib.parse import quote

import msgspec

from payfold import (
    Event,
    Payment,
    Poll,
    PollFailed,
    Requery,
    SendCharge,
    Validate,
    WebhookReceived,
    Wire,
    to_decimal_text,
)
from payfold.adapters.generic._answers import charge_event, requery_event
from payfold.adapters.generic._spec import ReferenceApiCredentials, ReferenceApiSpec, check_webhook_secret
from payfold.adapters.wire.fields import text
from payfold.adapters.wire.gateway import transport_failure, unanswered
from payfold.adapters.wire.reading import Reading, finish, read
from payfold.adapters.wire.request import HttpRequest


class GenericAdapter:
    """An adapter built from a ``ReferenceApiSpec``; the same members as a provider module."""

    Credentials: ClassVar[type[ReferenceApiCredentials]] = ReferenceApiCredentials

    def __init__(self, spec: ReferenceApiSpec) -> None:
        self.spec = spec
        self.NAME: Final = spec.name
        self.POLICY: Final = spec.policy

    def __repr__(self) -> str:
        return f"GenericAdapter({self.spec.name!r})"

    def request(
        self, action: SendCharge | Poll | Requery | Validate, payment: Payment, credentials: ReferenceApiCredentials
    ) -> HttpRequest:
        """The charge (``SendCharge``) or status (``Requery``) request; the family has no poll or OTP call."""
        spec = self.spec
        base = (credentials.base_url or spec.base_url).rstrip("/")
        reference = quote(payment.reference, safe="")
        auth = (spec.auth_header.lower(), spec.auth_value.format(api_key=credentials.api_key))
        if isinstance(action, SendCharge):
            amount: object = (
                payment.amount if spec.amount_in_minor_units else to_decimal_text(payment.amount, payment.currency)
            )
            body: dict[str, object] = {
                spec.reference_field: payment.reference,
                spec.amount_field: amount,
                spec.currency_field: payment.currency,
            }
            body.update({k: v for k, v in payment.details.items() if k in spec.detail_fields and v})
            return HttpRequest(
                operation="charge",
                method=spec.charge_method,
                url=base + spec.charge_path.format(reference=reference),
                headers=(auth, ("accept", "application/json"), ("content-type", "application/json")),
                body=msgspec.json.encode(body),
            )
        if isinstance(action, Requery):
            return HttpRequest(
                operation="requery",
                method=spec.status_method,
                url=base + spec.status_path.format(reference=reference),
                headers=(auth, ("accept", "application/json")),
            )
        raise ValueError(f"{spec.name}.request: a reference-number API has no {type(action).__name__} call")

    def translate(self, wire: Wire) -> Event:
        """The event ``wire`` stands for under this spec. Total: only a programming error raises. A body over
        ``MAX_BODY`` is unreadable whatever the status (``outcome_unknown``/``too_large`` on a charge)."""
        reading = read(wire)
        return finish(self._meaning(reading), reading)

    def _meaning(self, reading: Reading) -> Event:
        safe, value = reading.wire, reading.value
        status = safe.status
        if status is None or safe.error is not None:
            return transport_failure(safe)
        if reading.cause == "too_large":
            return unanswered(safe, "too_large")
        match safe.operation:
            case "charge" | "validate":
                return charge_event(self.spec, safe, status, value, reading.cause)
            case "requery":
                return requery_event(self.spec, safe, status, value, reading.cause)
            case "poll":
                return PollFailed(at=safe.received_at, wire=safe, reason=f"{self.spec.name} has no long requests")
            case "webhook":
                return unanswered(safe, "webhook")

    def webhook(
        self, headers: tuple[tuple[str, str], ...], body: bytes, secret: str, *, at: datetime
    ) -> WebhookReceived:
        """A callback signed with the hex HMAC (``spec.webhook_digest``) of the raw body under ``secret``, in
        ``spec.webhook_signature_header``. An empty ``secret`` is a configuration error (ValueError)."""
        check_webhook_secret(secret, f"{self.spec.name}.webhook: secret")
        lowered = tuple((name.lower(), value) for name, value in headers)
        wanted = self.spec.webhook_signature_header.lower()
        given = next((value for name, value in lowered if name == wanted), "")
        key = secret.encode("utf-8", "surrogatepass")
        expected = hmac.new(key, body, self.spec.webhook_digest).hexdigest().encode("ascii")
        valid = bool(given) and hmac.compare_digest(expected, given.strip().lower().encode("utf-8", "replace"))
        wire = Wire(operation="webhook", sent_at=at, received_at=at, status=200, headers=lowered, body=body)
        reading = read(wire, secrets=(secret,), valid_json=True)
        reference = text(reading.value, *self.spec.reference_paths) or ""
        return WebhookReceived(
            at=at, wire=reading.wire, signature_valid=valid, payload=reading.safe_value, reference=reference
        )


def adapter_for(spec: ReferenceApiSpec) -> GenericAdapter:
    """``GenericAdapter(spec)``."""
    return GenericAdapter(spec)
