"""Reading one provider answer under a ``ReferenceApiSpec``: the charge table and the requery table.

The order is the documented one (docs/adapters.md, "Generic"): a duplicate first (a resend of a reference the
provider already holds could only meet the duplicate again), then the spec's message rules, then the HTTP status,
then the payment status in a 2xx body. Non-JSON answers go to the shared gateway recognizer and are never read by
a rule.
"""

from __future__ import annotations

from typing import Final

from payfold import (
    ActionRequired,
    ChargeAccepted,
    ChargeDeclined,
    ChargeDuplicate,
    ChargeRejected,
    Event,
    NotProcessed,
    OutcomeUnknown,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
    RequeryPending,
    Wire,
    to_minor,
)
from payfold.adapters.generic._rules import CHARGE_OUTCOMES, REQUERY_OUTCOMES, RuleOutcome, allows
from payfold.adapters.generic._spec import ReferenceApiSpec
from payfold.adapters.wire.fields import amount as read_amount
from payfold.adapters.wire.fields import clip, first, text
from payfold.adapters.wire.gateway import recognize, retry_after

_SERVER_CAUSES: Final = {500: "server_error", 502: "bad_gateway", 503: "unavailable", 504: "gateway_timeout"}


def _state(spec: ReferenceApiSpec, value: object) -> str:
    """The payment status the answer names, lower-case; "" when it names none."""
    found = text(value, *spec.status_paths)
    return found.lower() if found is not None else ""


def _error(spec: ReferenceApiSpec, value: object) -> tuple[str, str]:
    """The provider's error code ("" when none) and a message to show (the code, or "no message", when none)."""
    code = text(value, *spec.error_code_paths) or ""
    message = text(value, *spec.error_message_paths) or ""
    return code, clip(message or code or "no message")


def _recognised(spec: ReferenceApiSpec, status: int, state: str) -> bool:
    """True for a 2xx naming a payment status the spec maps: no message rule may override it."""
    return 200 <= status < 300 and (state in spec.success or state in spec.failure or state in spec.pending)


def rule_outcome(
    spec: ReferenceApiSpec, value: object, outcomes: frozenset[RuleOutcome], status: int
) -> RuleOutcome | None:
    """The outcome of the first of ``spec.message_rules`` (among ``outcomes``) that matches this answer, or None.

    A rule matches when its status (if any) is ``status``, its outcome may be read from ``status`` at all (the
    safety table in ``_rules``), and the text at one of its paths holds what it looks for.
    """
    for rule in spec.message_rules:
        if rule.outcome not in outcomes or not allows(rule.outcome, status):
            continue
        if rule.status is not None and rule.status != status:
            continue
        for path in spec.rule_paths(rule):
            found = text(value, path)
            if found is not None and rule.matches(found):
                return rule.outcome
    return None


def _redirect(spec: ReferenceApiSpec, value: object) -> str | None:
    url = text(value, *spec.redirect_paths)
    return url if url is not None and url.lower().startswith(("https://", "http://")) else None


def charge_event(
    spec: ReferenceApiSpec, wire: Wire, status: int, value: object | None, cause: str | None = None
) -> Event:
    """A charge (or validate) answer with HTTP ``status``; ``value`` is the redacted JSON (None when not JSON)."""
    at = wire.received_at
    if value is None:
        if status in spec.not_processed_statuses:
            return NotProcessed(at=at, wire=wire, reason=f"HTTP {status}", retry_after=retry_after(wire.headers, at))
        return OutcomeUnknown(
            at=at, wire=wire, cause=cause or recognize(status, wire.headers, wire.body) or "unreadable"
        )
    code, message = _error(spec, value)
    state = _state(spec, value)
    if code.lower() in spec.duplicate:
        return ChargeDuplicate(at=at, wire=wire, code=code)
    if not _recognised(spec, status, state):
        match rule_outcome(spec, value, CHARGE_OUTCOMES, status):
            case "charge_duplicate":
                return ChargeDuplicate(at=at, wire=wire, code=code or clip(message, 80))
            case "not_processed":
                return NotProcessed(at=at, wire=wire, reason=message, retry_after=retry_after(wire.headers, at))
            case "charge_rejected":
                return ChargeRejected(at=at, wire=wire, reason=message, code=code or str(status))
            case _:
                pass  # no rule matched: the answer is read by its status and payment status below
    if status in spec.not_processed_statuses:
        return NotProcessed(at=at, wire=wire, reason=message, retry_after=retry_after(wire.headers, at))
    if status in spec.rejected_statuses:
        return ChargeRejected(at=at, wire=wire, reason=message, code=code or str(status))
    if not 200 <= status < 300:
        # 3xx included: a redirect status on an API call is a proxy's answer, not the provider's payment page.
        return OutcomeUnknown(at=at, wire=wire, cause=_SERVER_CAUSES.get(status, f"http_{status}"))
    ref = text(value, *spec.provider_ref_paths)
    if state in spec.pending:
        url = _redirect(spec, value)
        if url is not None:
            return ActionRequired(at=at, wire=wire, kind="redirect", url=url, provider_ref=ref)
        return ChargeAccepted(at=at, wire=wire, provider_ref=ref, code=state, message=message)
    if state in spec.success:
        return ChargeAccepted(at=at, wire=wire, provider_ref=ref, code=state, message=message)
    if state in spec.failure:
        return ChargeDeclined(at=at, wire=wire, code=code or state, reason=message)
    if not state and spec.redirect_without_status:
        url = _redirect(spec, value)
        if url is not None:
            return ActionRequired(at=at, wire=wire, kind="redirect", url=url, provider_ref=ref)
    return OutcomeUnknown(at=at, wire=wire, cause="unrecognised")


def _minor_amount(spec: ReferenceApiSpec, raw: object, currency: str) -> int | None:
    """The confirmed amount in minor units, or None when it cannot be read exactly."""
    if not spec.amount_in_minor_units:
        return to_minor(read_amount(raw), currency)
    if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0:
        return None
    return raw if to_minor(0, currency) is not None else None


def requery_event(
    spec: ReferenceApiSpec, wire: Wire, status: int, value: object | None, cause: str | None = None
) -> Event:
    """A status answer with HTTP ``status``; ``value`` is the redacted JSON (None when not JSON)."""
    at = wire.received_at
    if value is None:
        return RequeryFailed(
            at=at, wire=wire, reason=cause or recognize(status, wire.headers, wire.body) or "unreadable"
        )
    code, message = _error(spec, value)
    state = _state(spec, value)
    if status in (200, 404) and (code.lower() in spec.not_found or state in spec.not_found):
        return RequeryNotFound(at=at, wire=wire)
    if not _recognised(spec, status, state):
        match rule_outcome(spec, value, REQUERY_OUTCOMES, status):
            case "requery_not_found":
                return RequeryNotFound(at=at, wire=wire)
            case "requery_failed":
                return RequeryFailed(at=at, wire=wire, reason=clip(f"HTTP {status}: {message}"))
            case _:
                pass  # no rule matched: the answer is read by its status and payment status below
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
    amount = _minor_amount(spec, raw, currency)
    reference = text(value, *spec.reference_paths)
    if amount is None or reference is None:
        return RequeryFailed(at=at, wire=wire, reason="success with an unreadable amount, currency or reference")
    provider_ref = text(value, *spec.provider_ref_paths) or ""
    return RequeryConfirmed(
        at=at, wire=wire, provider_ref=provider_ref, reference=reference, amount=amount, currency=currency
    )
