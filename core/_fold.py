"""evolve and fold: a payment's events in, its state out. Pure, total over valid histories, incremental."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from msgspec.structs import replace

from ._errors import IllegalTransition
from ._events import (
    TAG_OF,
    ActionRequired,
    ChargeAccepted,
    ChargeDeclined,
    ChargeDuplicate,
    ChargeRejected,
    Event,
    FailedManually,
    LongRequestStarted,
    NotProcessed,
    OutcomeUnknown,
    PaymentCreated,
    PaymentEvent,
    PaymentFailed,
    PaymentSettled,
    PollCompleted,
    PollFailed,
    PollPending,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
    RequeryPending,
    RequestSent,
    ReviewRequired,
    SettledManually,
    WebhookReceived,
)
from ._machine import TABLE
from ._payment import InFlight, Payment
from ._status import Status

Changes = dict[str, Any]
_NONE: Final[Changes] = {}


def _created(event: PaymentCreated) -> Payment:
    return Payment(
        payment_id=event.payment_id,
        provider=event.provider,
        amount=event.amount,
        currency=event.currency,
        reference=event.reference,
        details=event.details,
        status=Status.CREATED,
        version=1,
        created_at=event.at,
        last_at=event.at,
    )


def _request_sent(state: Payment, event: RequestSent) -> Changes:
    changes: Changes = {
        "in_flight": InFlight(operation=event.operation, attempt=event.attempt, at=event.at, url=event.url)
    }
    match event.operation:
        case "charge":
            changes["charges_sent"] = state.charges_sent + 1
            changes["last_charge_sent_at"] = event.at
            changes.update(not_found_streak=0, last_not_found_at=None, heard_since_charge=False)  # a new question
        case "validate":
            changes["validates_sent"] = state.validates_sent + 1
            changes["heard_since_charge"] = True
        case "poll":
            changes["polls_sent"] = state.polls_sent + 1
        case "requery":
            changes["requeries_sent"] = state.requeries_sent + 1
        case "webhook":
            changes.pop("in_flight")  # nobody waits for an answer to a webhook
    return changes


def _answered(state: Payment, operation: str) -> Changes:
    """The answer to the request in flight, when it is one for the same operation, lands it."""
    in_flight = state.in_flight
    if in_flight is not None and in_flight.operation == operation:
        return {"in_flight": None}
    return {}


def _charge_side(state: Payment, event: Any, **more: Any) -> Changes:
    """An answer to a charge or validate request (the latest one decides the next step)."""
    operation = event.wire.operation
    if operation == "requery":
        return _requery_answer(state, event, "requery_failed")
    if operation == "poll":
        return _poll_answer(state, event)
    changes = _answered(state, operation)
    if not (operation == "charge" and isinstance(event, NotProcessed)):
        # Evidence about the charge: a not_processed resend is off, and a not-found run starts again.
        changes.update(heard_since_charge=True, not_found_streak=0, last_not_found_at=None)
    changes.update(
        charge_answer=TAG_OF[type(event)],
        charge_answer_at=event.at,
        retry_after=None,
        awaiting_customer=None,
        awaiting_since=None,
        poll_completed_at=None,
    )
    provider_ref = getattr(event, "provider_ref", None)
    if provider_ref:
        changes["provider_ref"] = provider_ref
    changes.update(more)
    return changes


def _not_processed(state: Payment, event: NotProcessed) -> Changes:
    operation = event.wire.operation
    if operation == "validate":
        return _answered(state, operation)  # nothing happened: the customer still has to act
    if operation != "charge":
        return _charge_side(state, event)
    return _charge_side(
        state, event, retry_after=event.retry_after, charges_not_processed=state.charges_not_processed + 1
    )


def _charge_rejected(state: Payment, event: ChargeRejected) -> Changes:
    changes = _charge_side(state, event)
    if "charge_answer" in changes:
        # Final only when no earlier charge can have moved money: each was answered "not processed".
        final = event.wire.operation == "charge" and state.charges_not_processed >= state.charges_sent - 1
        changes.update(rejected=event, rejection_final=final)
    return changes


def _outcome_unknown(state: Payment, event: OutcomeUnknown) -> Changes:
    if event.wire.operation in ("requery", "poll"):
        return _charge_side(state, event)
    return _charge_side(state, event, ambiguous_at=event.at)


def _action_required(state: Payment, event: ActionRequired) -> Changes:
    changes = _charge_side(state, event)
    if "charge_answer" in changes:
        changes.update(awaiting_customer=event.kind, awaiting_since=event.at)
    return changes


def _long_request(state: Payment, event: LongRequestStarted) -> Changes:
    changes = _charge_side(state, event)
    if "charge_answer" in changes:
        changes.update(
            ping_url=event.ping_url,
            poll_from=event.at + event.wait,
            polls_sent=0,
            poll_answer_at=None,
            polling_over=False,
        )
    return changes


def _poll_answer(state: Payment, event: Any) -> Changes:
    changes = _answered(state, "poll")
    changes.update(poll_answer_at=event.at, heard_since_charge=True)
    if isinstance(event, PollCompleted):
        changes["polling_over"] = True
        changes["poll_completed_at"] = event.at
    return changes


def _requery_answer(state: Payment, event: Any, tag: str) -> Changes:
    changes = _answered(state, "requery")
    if tag == "requery_not_found":
        changes["last_not_found_at"] = event.at
    if tag != "requery_failed":
        changes["heard_since_charge"] = True
    changes.update(
        requery_answer=tag,
        requery_answer_at=event.at,
        not_found_streak=_streak(state.not_found_streak, tag),
        awaiting_customer=None,
        awaiting_since=None,
        poll_completed_at=None,
    )
    if state.ping_url is not None:
        changes["polling_over"] = True
    if isinstance(event, RequeryConfirmed):
        changes["confirmed"] = event
        changes["provider_ref"] = event.provider_ref or state.provider_ref
    elif isinstance(event, RequeryDeclined):
        changes["declined"] = event
    return changes


def _streak(streak: int, tag: str) -> int:
    """Consecutive not-found answers: a not-found adds one; a failed requery (the status API itself did not
    answer) neither counts nor breaks the run; any real answer restarts it."""
    if tag == "requery_not_found":
        return streak + 1
    return streak if tag == "requery_failed" else 0


def _webhook(state: Payment, event: WebhookReceived) -> Changes:
    if event.signature_valid and (state.webhook_at is None or event.at > state.webhook_at):
        return {"webhook_at": event.at}
    return _NONE


def _review(state: Payment, event: ReviewRequired) -> Changes:
    return {"needs_review": True, "review_reason": event.reason}


def _verdict(state: Payment, event: PaymentEvent) -> Changes:
    return {"in_flight": None, "awaiting_customer": None, "awaiting_since": None}


def _requery(tag: str) -> Callable[[Payment, Any], Changes]:
    return lambda state, event: _requery_answer(state, event, tag)


_APPLY: Final[dict[type[PaymentEvent], Callable[[Payment, Any], Changes]]] = {
    RequestSent: _request_sent,
    ChargeAccepted: _charge_side,
    ChargeDeclined: _charge_side,
    ChargeRejected: _charge_rejected,
    ChargeDuplicate: _charge_side,
    NotProcessed: _not_processed,
    ActionRequired: _action_required,
    OutcomeUnknown: _outcome_unknown,
    LongRequestStarted: _long_request,
    PollPending: _poll_answer,
    PollCompleted: _poll_answer,
    PollFailed: _poll_answer,
    RequeryConfirmed: _requery("requery_confirmed"),
    RequeryDeclined: _requery("requery_declined"),
    RequeryPending: _requery("requery_pending"),
    RequeryNotFound: _requery("requery_not_found"),
    RequeryFailed: _requery("requery_failed"),
    WebhookReceived: _webhook,
    ReviewRequired: _review,
    PaymentSettled: _verdict,
    PaymentFailed: _verdict,
    SettledManually: _verdict,
    FailedManually: _verdict,
}

# Answers that contradict a verdict: recorded in ``conflicts``, never applied.
_CONTRADICTS: Final[dict[Status, tuple[type[PaymentEvent], ...]]] = {
    Status.SETTLED: (RequeryDeclined, ChargeDeclined),
    Status.FAILED: (RequeryConfirmed, ChargeAccepted),
}


def evolve(state: Payment | None, event: Event) -> Payment:
    """The state after ``event``. ``state`` is None only for the first event, which must be ``created``.

    Raises ``IllegalTransition`` naming the status and the tag when the machine has no such transition.
    """
    cls = type(event)
    tag = TAG_OF[cls]
    if state is None:
        if cls is PaymentCreated:
            return _created(event)  # type: ignore[arg-type]
        raise IllegalTransition(None, tag, "the first event of a payment must be 'created'")
    try:
        status = TABLE[(state.status, tag)]
    except KeyError:
        detail = "'created' is only ever the first event" if cls is PaymentCreated else ""
        raise IllegalTransition(state.status.value, tag, detail) from None
    last_at = event.at if event.at > state.last_at else state.last_at
    if state.status in _CONTRADICTS:  # a verdict: record, never apply
        if isinstance(event, _CONTRADICTS[state.status]):
            return replace(state, version=state.version + 1, last_at=last_at, conflicts=(*state.conflicts, event))
        return replace(state, version=state.version + 1, last_at=last_at)
    changes = _APPLY[cls](state, event)
    if changes:
        return replace(state, status=status, version=state.version + 1, last_at=last_at, **changes)
    return replace(state, status=status, version=state.version + 1, last_at=last_at)


def fold(events: Iterable[Event], state: Payment | None = None) -> Payment:
    """Fold ``events`` onto ``state`` (None: from nothing). ``fold(b, fold(a)) == fold(a + b)``.

    Raises ``ValueError`` for an empty history from nothing, and ``IllegalTransition`` for an illegal event.
    """
    for event in events:
        state = evolve(state, event)
    if state is None:
        raise ValueError("cannot fold an empty history: a payment starts with a 'created' event")
    return state
