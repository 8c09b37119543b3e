"""A declarative adapter for the "payment reference number API" family: JSON REST providers that take a charge
for a merchant reference and answer status queries by that reference.

A ``ReferenceApiSpec`` says where things live (dotted paths, first match wins) and which values mean what;
``GenericAdapter(spec)`` exposes the same members as a provider module (``translate``, ``request``, ``webhook``,
``POLICY``, ``Credentials``, ``NAME``), so the runner and ``AdapterContract`` treat it like any other adapter.

There is no public wire format for the "CGI payment reference number API" of source (c) (see
shared/research/wire-formats.md §4): ``EXAMPLE_SPEC`` describes an **invented** provider, labelled as such, that
shows every knob. Gateway pages (nginx, Cloudflare, ALB, empty, HTML) are always ambiguous on a charge, a
Cloudflare 522 too: requery first, and the not-found rule decides any resend.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import ClassVar, Final
from urllib.parse import quote

import msgspec

from payfold import (
    ActionRequired,
    ChargeAccepted,
    ChargeDeclined,
    ChargeDuplicate,
    ChargeRejected,
    Event,
    NotProcessed,
    OutcomeUnknown,
    Payment,
    Policy,
    Poll,
    PollFailed,
    Requery,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
    RequeryPending,
    SendCharge,
    Validate,
    WebhookReceived,
    Wire,
    to_decimal_text,
    to_minor,
)
from payfold.adapters.wire.fields import amount as read_amount
from payfold.adapters.wire.fields import clip, first, text
from payfold.adapters.wire.gateway import recognize, retry_after, too_large, transport_failure, unanswered
from payfold.adapters.wire.redact import redact_answer
from payfold.adapters.wire.request import HttpRequest

_SERVER_CAUSES: Final = {500: "server_error", 502: "bad_gateway", 503: "unavailable", 504: "gateway_timeout"}


class ReferenceApiSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Where a reference-number provider keeps each fact, and which values mean what. Paths are dotted
    (``"payment.amount.value"``); each field lists alternatives, tried in order."""

    name: str
    """The provider name, as used in ``PaymentCreated.provider``."""
    base_url: str
    charge_method: str = "POST"
    charge_path: str = "/payments"
    """URL path of the charge call; ``{reference}`` is replaced by the (URL-quoted) merchant reference."""
    status_method: str = "GET"
    status_path: str = "/payments/{reference}"
    reference_field: str = "reference"
    amount_field: str = "amount"
    currency_field: str = "currency"
    amount_in_minor_units: bool = False
    """True: amounts travel as integers of minor units; False: as decimal text (``"4500.00"``)."""
    detail_fields: tuple[str, ...] = ("description", "customer_email", "callback_url", "token")
    """``PaymentCreated.details`` keys copied into the charge body."""
    auth_header: str = "authorization"
    auth_value: str = "Bearer {api_key}"

    status_paths: tuple[str, ...] = ("status",)
    provider_ref_paths: tuple[str, ...] = ("id",)
    reference_paths: tuple[str, ...] = ("reference",)
    amount_paths: tuple[str, ...] = ("amount",)
    currency_paths: tuple[str, ...] = ("currency",)
    redirect_paths: tuple[str, ...] = ("redirect_url",)
    error_code_paths: tuple[str, ...] = ("error.code", "code")
    error_message_paths: tuple[str, ...] = ("error.message", "message")

    success: frozenset[str] = frozenset(("success", "successful", "paid", "completed"))
    failure: frozenset[str] = frozenset(("failed", "failure", "declined", "rejected", "cancelled"))
    pending: frozenset[str] = frozenset(("pending", "processing", "initiated", "created"))
    not_found: frozenset[str] = frozenset(("not_found",))
    """Status values or error codes meaning "no such payment" (compared lower-case, like every value set)."""
    duplicate: frozenset[str] = frozenset(("duplicate_reference",))
    """Error codes meaning the reference already exists."""
    rejected_statuses: frozenset[int] = frozenset((400, 401, 403, 405, 406, 422))
    """HTTP statuses that, with the provider's own JSON error, mean the charge request was refused."""
    not_processed_statuses: frozenset[int] = frozenset((404, 429))
    """HTTP statuses that mean a charge was not processed (whatever the body) and may be resent."""
    webhook_signature_header: str = "x-signature"
    """The header holding hex HMAC-SHA256 of the raw webhook body under the webhook secret."""
    policy: Policy = msgspec.field(default_factory=Policy)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("ReferenceApiSpec.name must not be empty")
        if "{reference}" not in self.status_path:
            raise ValueError(f"ReferenceApiSpec.status_path must hold {{reference}}, got {self.status_path!r}")
        for field in ("status_paths", "amount_paths", "currency_paths", "reference_paths"):
            if not getattr(self, field):
                raise ValueError(f"ReferenceApiSpec.{field} must list at least one path")


class ReferenceApiCredentials(msgspec.Struct, frozen=True, kw_only=True):
    """An API key for a reference-number provider; an empty ``base_url`` means the spec's. Never printed."""

    api_key: str
    base_url: str = ""

    def __repr__(self) -> str:
        return f"ReferenceApiCredentials(base_url={self.base_url!r}, api_key=***)"

    __str__ = __repr__


Credentials = ReferenceApiCredentials
"""The module-level name every adapter exposes."""


def _lower(value: str | None) -> str:
    return value.lower() if value is not None else ""


class GenericAdapter:
    """An adapter built from a ``ReferenceApiSpec``; the same members as a provider module."""

    Credentials: ClassVar[type[ReferenceApiCredentials]] = ReferenceApiCredentials

    def __init__(self, spec: ReferenceApiSpec) -> None:
        self.spec = spec
        self.NAME: Final = spec.name
        self.POLICY: Final = spec.policy

    def __repr__(self) -> str:
        return f"GenericAdapter({self.spec.name!r})"

    # --- requests ---------------------------------------------------------------------------------------

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

    # --- answers ----------------------------------------------------------------------------------------

    def _value(self, value: object, paths: tuple[str, ...]) -> str:
        return _lower(text(value, *paths))

    def _error(self, value: object) -> tuple[str, str]:
        code = text(value, *self.spec.error_code_paths) or ""
        message = text(value, *self.spec.error_message_paths) or ""
        return code, clip(message or code or "no message")

    def _charge(self, wire: Wire, status: int, value: object | None) -> Event:
        spec, at = self.spec, wire.received_at
        if status in spec.not_processed_statuses:
            reason = self._error(value)[1] if value is not None else f"HTTP {status}"
            return NotProcessed(at=at, wire=wire, reason=reason, retry_after=retry_after(wire.headers, at))
        if value is None:
            return OutcomeUnknown(at=at, wire=wire, cause=recognize(status, wire.headers, wire.body) or "unreadable")
        code, message = self._error(value)
        if code.lower() in spec.duplicate:
            return ChargeDuplicate(at=at, wire=wire, code=code)
        if status in spec.rejected_statuses:
            return ChargeRejected(at=at, wire=wire, reason=message, code=code or str(status))
        if not 200 <= status < 300:
            return OutcomeUnknown(at=at, wire=wire, cause=_SERVER_CAUSES.get(status, f"http_{status}"))
        state = self._value(value, spec.status_paths)
        ref = text(value, *spec.provider_ref_paths)
        if state in spec.pending:
            url = text(value, *spec.redirect_paths)
            if url is not None and url.lower().startswith(("https://", "http://")):
                return ActionRequired(at=at, wire=wire, kind="redirect", url=url, provider_ref=ref)
            return ChargeAccepted(at=at, wire=wire, provider_ref=ref, code=state, message=message)
        if state in spec.success:
            return ChargeAccepted(at=at, wire=wire, provider_ref=ref, code=state, message=message)
        if state in spec.failure:
            return ChargeDeclined(at=at, wire=wire, code=code or state, reason=message)
        return OutcomeUnknown(at=at, wire=wire, cause="unrecognised")

    def _requery(self, wire: Wire, status: int, value: object | None) -> Event:
        spec, at = self.spec, wire.received_at
        if value is None:
            return RequeryFailed(at=at, wire=wire, reason=recognize(status, wire.headers, wire.body) or "unreadable")
        code, message = self._error(value)
        state = self._value(value, spec.status_paths)
        if status in (200, 404) and (code.lower() in spec.not_found or state in spec.not_found):
            return RequeryNotFound(at=at, wire=wire)
        if not 200 <= status < 300:
            return RequeryFailed(at=at, wire=wire, reason=clip(f"HTTP {status}: {message}"))
        if state in spec.pending:
            return RequeryPending(at=at, wire=wire, code=state, reason=message)
        if state in spec.failure:
            return RequeryDeclined(at=at, wire=wire, code=code or state, reason=message)
        if state not in spec.success:
            return RequeryFailed(at=at, wire=wire, reason=f"unknown status {clip(state, 40)!r}")
        currency = text(value, *spec.currency_paths)
        raw = first(value, spec.amount_paths)
        if currency is None or raw is None:
            return RequeryFailed(at=at, wire=wire, reason="success without an amount or currency")
        if spec.amount_in_minor_units:
            amount = raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else None
            amount = amount if to_minor(0, currency) is not None else None
        else:
            amount = to_minor(read_amount(raw), currency)
        reference = text(value, *spec.reference_paths)
        if amount is None or reference is None:
            return RequeryFailed(at=at, wire=wire, reason="success with an unreadable amount, currency or reference")
        provider_ref = text(value, *spec.provider_ref_paths) or ""
        return RequeryConfirmed(
            at=at, wire=wire, provider_ref=provider_ref, reference=reference, amount=amount, currency=currency
        )

    def translate(self, wire: Wire) -> Event:
        """The event ``wire`` stands for under this spec. Total: only a programming error raises. A body over
        ``MAX_BODY`` is unreadable whatever the status (``outcome_unknown``/``too_large`` on a charge)."""
        safe, value = redact_answer(wire)
        status = safe.status
        if status is None or safe.error is not None:
            return transport_failure(safe)
        if too_large(wire.body):
            return unanswered(safe, "too_large")
        match safe.operation:
            case "charge" | "validate":
                return self._charge(safe, status, value)
            case "requery":
                return self._requery(safe, status, value)
            case "poll":
                return PollFailed(at=safe.received_at, wire=safe, reason=f"{self.spec.name} has no long requests")
            case "webhook":
                return unanswered(safe, "webhook")

    def webhook(
        self, headers: tuple[tuple[str, str], ...], body: bytes, secret: str, *, at: datetime
    ) -> WebhookReceived:
        """A callback signed with hex HMAC-SHA256 of the raw body (``spec.webhook_signature_header``)."""
        lowered = tuple((name.lower(), value) for name, value in headers)
        wanted = self.spec.webhook_signature_header.lower()
        given = next((value for name, value in lowered if name == wanted), "")
        key = secret.encode("utf-8", "surrogatepass")
        expected = hmac.new(key, body, hashlib.sha256).hexdigest().encode("ascii")
        valid = bool(given) and hmac.compare_digest(expected, given.strip().lower().encode("utf-8", "replace"))
        wire = Wire(operation="webhook", sent_at=at, received_at=at, status=200, headers=lowered, body=body)
        safe, value = redact_answer(wire, secrets=(secret,))
        return WebhookReceived(at=at, wire=safe, signature_valid=valid, payload=value)


def adapter_for(spec: ReferenceApiSpec) -> GenericAdapter:
    """``GenericAdapter(spec)``."""
    return GenericAdapter(spec)


EXAMPLE_SPEC: Final = ReferenceApiSpec(
    name="example-refnum",
    base_url="https://api.refnum.example",
    charge_path="/v1/payments",
    status_path="/v1/payments/{reference}",
    reference_field="reference",
    amount_field="amount",
    currency_field="currency",
    status_paths=("payment.status", "status"),
    provider_ref_paths=("payment.id", "id"),
    reference_paths=("payment.reference", "reference"),
    amount_paths=("payment.amount.value", "payment.amount"),
    currency_paths=("payment.amount.currency", "payment.currency"),
    redirect_paths=("payment.next_action.url", "payment.redirect_url"),
    error_code_paths=("error.code",),
    error_message_paths=("error.message", "message"),
    success=frozenset(("succeeded", "success")),
    failure=frozenset(("failed", "declined")),
    pending=frozenset(("pending", "processing", "requires_action")),
    not_found=frozenset(("payment_not_found",)),
    duplicate=frozenset(("duplicate_reference",)),
)
"""An **invented** reference-number provider (no public one exists, see the module docstring), answering::

    {"payment": {"id": "pm_1", "reference": "order-1", "status": "succeeded",
                 "amount": {"value": "4500.00", "currency": "NGN"}}}
    {"error": {"code": "payment_not_found", "message": "No payment with this reference"}}   (HTTP 404)
"""

example: Final = GenericAdapter(EXAMPLE_SPEC)
"""The adapter for ``EXAMPLE_SPEC``."""
