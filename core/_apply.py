"""What each event does to a payment's state: one small function per event kind, and the table the fold reads.

``ROWS[status][event class]`` gives the status after the event (from the compiled machine, ``_machine.TABLE``)
and the function that applies it to a ``Draft``. The functions never assign a status and never read ``status``,
``version`` or ``last_at``: the fold (``_fold``) keeps those in locals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from ._events import (
    TAG_OF,
    TYPE_OF,
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
from ._payment import CONFLICTS_KEPT, Draft
from ._status import Status

Apply = Callable[[Draft, Any], None]


def _request_sent(draft: Draft, event: RequestSent) -> None:
    operation = event.operation
    if operation == "webhook":
        return  # nobody waits for an answer to a webhook
    draft.in_flight = event  # the draft turns it into an ``InFlight`` once, when it freezes
    if operation == "charge":
        draft.charges_sent += 1
        draft.last_charge_sent_at = event.at
        draft.not_found_streak = 0  # a new question: what was heard before is about an earlier charge
        draft.last_not_found_at = None
        draft.heard_since_charge = False
    elif operation == "requery":
        draft.requeries_sent += 1
    elif operation == "poll":
        draft.polls_sent += 1
    elif operation == "validate":
        draft.validates_sent += 1
        draft.heard_since_charge = True


def _answered(draft: Draft, operation: str) -> None:
    """The answer to the request in flight, when it is one for the same operation, lands it."""
    in_flight = draft.in_flight
    if in_flight is not None and in_flight.operation == operation:
        draft.in_flight = None


_NAMES_A_REF: Final = frozenset(cls for cls in TAG_OF if "provider_ref" in cls.__struct_fields__)
"""Event classes with a ``provider_ref`` field (a class test, cheaper than ``getattr`` with a default)."""


def _charge_side(draft: Draft, event: Any) -> bool:
    """An answer to a charge or validate request (the latest one decides the next step). An answer on the wire
    of a requery or a poll is one of those instead: False then."""
    operation = event.wire.operation
    if operation == "requery":
        _requery_answer(draft, event)
        return False
    if operation == "poll":
        _poll_answer(draft, event)
        return False
    in_flight = draft.in_flight
    if in_flight is not None and in_flight.operation == operation:
        draft.in_flight = None
    cls = type(event)
    if cls is not NotProcessed or operation != "charge":
        # Evidence about the charge: a not_processed resend is off, and a not-found run starts again.
        draft.heard_since_charge = True
        draft.not_found_streak = 0
        draft.last_not_found_at = None
    draft.charge_answer = TAG_OF[cls]
    draft.charge_answer_at = event.at
    draft.retry_after = None
    draft.awaiting_customer = None
    draft.awaiting_since = None
    draft.poll_completed_at = None
    if cls in _NAMES_A_REF and event.provider_ref:
        draft.provider_ref = event.provider_ref
    return True


def _charge_answer(draft: Draft, event: Any) -> None:
    _charge_side(draft, event)


def _not_processed(draft: Draft, event: NotProcessed) -> None:
    operation = event.wire.operation
    if operation == "validate":
        _answered(draft, operation)  # nothing happened: the customer still has to act
    elif _charge_side(draft, event) and operation == "charge":
        draft.retry_after = event.retry_after
        draft.charges_not_processed += 1


def _charge_rejected(draft: Draft, event: ChargeRejected) -> None:
    # Final only when no earlier charge can have moved money: each was answered "not processed".
    final = event.wire.operation == "charge" and draft.charges_not_processed >= draft.charges_sent - 1
    if _charge_side(draft, event):
        draft.rejected = event
        draft.rejection_final = final


def _outcome_unknown(draft: Draft, event: OutcomeUnknown) -> None:
    if _charge_side(draft, event):  # an ambiguous requery or poll is no ambiguity about the charge
        draft.ambiguous_at = event.at


def _action_required(draft: Draft, event: ActionRequired) -> None:
    if _charge_side(draft, event):
        draft.awaiting_customer = event.kind
        draft.awaiting_since = event.at


def _long_request(draft: Draft, event: LongRequestStarted) -> None:
    if _charge_side(draft, event):
        draft.ping_url = event.ping_url
        draft.poll_from = event.at + event.wait
        draft.polls_sent = 0
        draft.poll_answer_at = None
        draft.polling_over = False


def _poll_answer(draft: Draft, event: Any) -> None:
    in_flight = draft.in_flight
    if in_flight is not None and in_flight.operation == "poll":
        draft.in_flight = None
    draft.poll_answer_at = event.at
    draft.heard_since_charge = True
    if type(event) is PollCompleted:
        draft.polling_over = True
        draft.poll_completed_at = event.at


_REQUERY_TAGS: Final = frozenset(
    {"requery_confirmed", "requery_declined", "requery_pending", "requery_not_found", "requery_failed"}
)


def _requery_answer(draft: Draft, event: Any) -> None:
    """An answer to a status query. Any answer that is not one of the requery events (a 502 page on a requery
    is an ``outcome_unknown``) is a failed requery: the status API itself did not answer."""
    in_flight = draft.in_flight
    if in_flight is not None and in_flight.operation == "requery":
        draft.in_flight = None
    cls = type(event)
    tag = TAG_OF[cls]
    if tag not in _REQUERY_TAGS:
        tag = "requery_failed"
    # Consecutive not-found answers: a not-found adds one; a failed requery neither counts nor breaks the run;
    # any real answer restarts it.
    if tag != "requery_failed":
        draft.heard_since_charge = True
        if tag == "requery_not_found":
            draft.last_not_found_at = event.at
            draft.not_found_streak += 1
        else:
            draft.not_found_streak = 0
    draft.requery_answer = tag
    draft.requery_answer_at = event.at
    draft.awaiting_customer = None
    draft.awaiting_since = None
    draft.poll_completed_at = None
    if draft.ping_url is not None:
        draft.polling_over = True
    if cls is RequeryConfirmed:
        draft.confirmed = event
        if event.provider_ref:
            draft.provider_ref = event.provider_ref
    elif cls is RequeryDeclined:
        draft.declined = event


def _webhook(draft: Draft, event: WebhookReceived) -> None:
    if event.signature_valid and (draft.webhook_at is None or event.at > draft.webhook_at):
        draft.webhook_at = event.at


def _review(draft: Draft, event: ReviewRequired) -> None:
    draft.needs_review = True
    draft.review_reason = event.reason


def _verdict(draft: Draft, event: PaymentEvent) -> None:
    draft.in_flight = None
    draft.awaiting_customer = None
    draft.awaiting_since = None


def _late(draft: Draft, event: PaymentEvent) -> None:
    """After a verdict, an answer that agrees with it (or says nothing) is only counted in ``version``."""


def _contradiction(draft: Draft, event: Event) -> None:
    """After a verdict, an answer that contradicts it: recorded (the first few kept), never applied."""
    draft.conflict_count += 1
    if len(draft.conflicts) < CONFLICTS_KEPT:
        draft.conflicts = (*draft.conflicts, event)


_APPLY: Final[Mapping[type[PaymentEvent], Apply]] = {
    RequestSent: _request_sent,
    ChargeAccepted: _charge_answer,
    ChargeDeclined: _charge_answer,
    ChargeRejected: _charge_rejected,
    ChargeDuplicate: _charge_answer,
    NotProcessed: _not_processed,
    ActionRequired: _action_required,
    OutcomeUnknown: _outcome_unknown,
    LongRequestStarted: _long_request,
    PollPending: _poll_answer,
    PollCompleted: _poll_answer,
    PollFailed: _poll_answer,
    RequeryConfirmed: _requery_answer,
    RequeryDeclined: _requery_answer,
    RequeryPending: _requery_answer,
    RequeryNotFound: _requery_answer,
    RequeryFailed: _requery_answer,
    WebhookReceived: _webhook,
    ReviewRequired: _review,
    PaymentSettled: _verdict,
    PaymentFailed: _verdict,
    SettledManually: _verdict,
    FailedManually: _verdict,
}

# Answers that contradict a verdict: recorded in ``conflicts``, never applied.
_CONTRADICTS: Final[Mapping[Status, tuple[type[PaymentEvent], ...]]] = {
    Status.SETTLED: (RequeryDeclined, ChargeDeclined),
    Status.FAILED: (RequeryConfirmed, ChargeAccepted),
}


def _apply_in(status: Status, cls: type[PaymentEvent]) -> Apply:
    if status in _CONTRADICTS:
        return _contradiction if cls in _CONTRADICTS[status] else _late
    return _APPLY[cls]


def _rows() -> dict[Status, dict[type[PaymentEvent], tuple[Status, Apply]]]:
    """The machine's table by status, then event class: the status after the event and how to apply it."""
    rows: dict[Status, dict[type[PaymentEvent], tuple[Status, Apply]]] = {status: {} for status in Status}
    for (status, tag), after in TABLE.items():
        cls = TYPE_OF[tag]
        rows[status][cls] = (after, _apply_in(status, cls))
    return rows


ROWS: Final = _rows()
"""The fold's one lookup per event: status -> event class -> (status after, apply)."""
