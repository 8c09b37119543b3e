"""The folded state of one payment: everything ``next_step`` needs, derived from the events alone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

import msgspec
from msgspec.structs import asdict

from ._details import NO_DETAILS
from ._events import (
    ActionKind,
    ChargeRejected,
    Event,
    PaymentCreated,
    RequeryConfirmed,
    RequeryDeclined,
    RequestSent,
    ReviewReason,
)
from ._policy import Policy
from ._status import Status
from ._wire import Operation

CONFLICTS_KEPT: Final = 8
"""How many contradicting answers ``Payment.conflicts`` holds; later ones are counted, and kept in the log."""


class InFlight(msgspec.Struct, frozen=True, kw_only=True):
    """A request recorded as sent whose answer is not recorded yet."""

    operation: Operation
    attempt: int
    at: datetime
    url: str = ""


class Payment(msgspec.Struct, frozen=True, kw_only=True):
    """One payment, folded from its events. Build it with ``payfold.fold``, never by hand.

    The pinned fields come first. The rest are the facts the policy reads: counts of requests per operation,
    the latest charge-side and requery answers with their times, the ping URL, and the last signed webhook.
    """

    payment_id: str
    provider: str
    amount: int
    currency: str
    reference: str
    status: Status
    version: int
    needs_review: bool = False
    awaiting_customer: ActionKind | None = None
    conflicts: tuple[Event, ...] = ()
    """The first ``CONFLICTS_KEPT`` answers that contradicted the verdict (a decline after settled, a
    confirmation after failed), recorded and never applied. ``conflict_count`` counts them all; the log keeps
    every one, so the state stays the same size however many late answers arrive."""
    conflict_count: int = 0

    created_at: datetime
    last_at: datetime
    """The latest ``at`` folded; every step is due at or after it."""
    details: Mapping[str, str] = NO_DETAILS
    """The charge parameters of ``created``: the same read-only mapping (``payfold.Details``)."""
    policy: Policy | None = None
    """The policy ``created`` recorded (``PaymentCreated.policy``): the one this payment runs under."""
    provider_ref: str | None = None
    """The provider's own reference for this payment, from the latest answer that named one (Rave's flwRef)."""
    review_reason: ReviewReason | None = None
    awaiting_since: datetime | None = None

    in_flight: InFlight | None = None
    charges_sent: int = 0
    validates_sent: int = 0
    polls_sent: int = 0
    requeries_sent: int = 0
    last_charge_sent_at: datetime | None = None

    charge_answer: str | None = None
    """Tag of the latest answer to a charge or validate request."""
    charge_answer_at: datetime | None = None
    retry_after: timedelta | None = None
    charges_not_processed: int = 0
    """Charges answered ``not_processed`` (nothing moved); a resend is allowed only while all of them were."""
    ambiguous_at: datetime | None = None
    """When the latest charge-side ambiguity was recorded (an ``outcome_unknown``)."""
    heard_since_charge: bool = False
    """Since the latest charge was sent, something other than "not processed" was heard about it (a charge-side
    answer, a validate, a poll answer, an informative requery answer): a ``not_processed`` resend is off."""
    rejected: ChargeRejected | None = None
    """The latest ``charge_rejected`` answer."""
    rejection_final: bool = False
    """That rejection answered a charge and every earlier charge was answered ``not_processed``: no transaction
    can exist, so it is a verdict. Otherwise it is a refused resend, which says nothing about the earlier charge."""

    ping_url: str | None = None
    poll_from: datetime | None = None
    """``long_request.at + wait``: the first poll is due then."""
    poll_answer_at: datetime | None = None
    poll_completed_at: datetime | None = None
    """When a poll answered ``completed``, until the next charge-side or requery answer: a requery is due then."""
    polling_over: bool = False
    """A poll completed, or the poll budget is spent: requery from now on."""

    requery_answer: str | None = None
    requery_answer_at: datetime | None = None
    not_found_streak: int = 0
    """Informative requery answers in a row that were not-found, counted since the latest charge was sent (and
    since its latest answer other than "not processed"); a failed requery neither counts nor breaks the run."""
    last_not_found_at: datetime | None = None
    """When the latest of those not-found answers arrived (the not-found grace is measured to it)."""
    confirmed: RequeryConfirmed | None = None
    declined: RequeryDeclined | None = None

    webhook_at: datetime | None = None
    """When the latest webhook with a valid signature arrived."""

    def next_attempt(self, operation: Operation) -> int:
        """The ``attempt`` number of the next request of ``operation`` (1 for the first)."""
        sent = {
            "charge": self.charges_sent,
            "validate": self.validates_sent,
            "poll": self.polls_sent,
            "requery": self.requeries_sent,
        }
        return sent.get(operation, 0) + 1

    @property
    def is_final(self) -> bool:
        """True once a verdict (settled or failed) is recorded."""
        return self.status.is_verdict


class Draft:
    """``Payment``'s mutable twin, private to the fold: the events are applied to one draft in place and the
    frozen ``Payment`` is built once at the end, instead of copying every field of the state per event.

    Fields left at their default are not stored on the instance (reads fall back to the class, which holds
    ``Payment``'s defaults), so ``freeze`` passes only the fields a history actually set. The annotations mirror
    ``Payment`` field for field (a test compares them).
    """

    payment_id: str
    provider: str
    amount: int
    currency: str
    reference: str
    status: Status
    version: int
    needs_review: bool
    awaiting_customer: ActionKind | None
    conflicts: tuple[Event, ...]
    conflict_count: int
    created_at: datetime
    last_at: datetime
    details: Mapping[str, str]
    policy: Policy | None
    provider_ref: str | None
    review_reason: ReviewReason | None
    awaiting_since: datetime | None
    in_flight: InFlight | RequestSent | None
    """While folding, the ``RequestSent`` itself: ``freeze`` builds the ``InFlight`` once."""
    charges_sent: int
    validates_sent: int
    polls_sent: int
    requeries_sent: int
    last_charge_sent_at: datetime | None
    charge_answer: str | None
    charge_answer_at: datetime | None
    retry_after: timedelta | None
    charges_not_processed: int
    ambiguous_at: datetime | None
    heard_since_charge: bool
    rejected: ChargeRejected | None
    rejection_final: bool
    ping_url: str | None
    poll_from: datetime | None
    poll_answer_at: datetime | None
    poll_completed_at: datetime | None
    polling_over: bool
    requery_answer: str | None
    requery_answer_at: datetime | None
    not_found_streak: int
    last_not_found_at: datetime | None
    confirmed: RequeryConfirmed | None
    declined: RequeryDeclined | None
    webhook_at: datetime | None

    @classmethod
    def created(cls, event: PaymentCreated) -> Draft:
        """A draft of the payment ``event`` creates (the fold sets ``status``, ``version`` and ``last_at``)."""
        draft = cls()
        draft.payment_id = event.payment_id
        draft.provider = event.provider
        draft.amount = event.amount
        draft.currency = event.currency
        draft.reference = event.reference
        draft.details = event.details
        draft.policy = event.policy
        draft.created_at = event.at
        return draft

    @classmethod
    def of(cls, payment: Payment) -> Draft:
        """A draft holding every field of ``payment``."""
        draft = cls()
        draft.__dict__.update(asdict(payment))
        return draft

    def freeze(self) -> Payment:
        """The frozen ``Payment`` with the fields set on this draft and ``Payment``'s defaults for the rest."""
        fields = self.__dict__
        sent = fields.get("in_flight")
        if type(sent) is RequestSent:
            fields["in_flight"] = InFlight(operation=sent.operation, attempt=sent.attempt, at=sent.at, url=sent.url)
        return Payment(**fields)


for _field in msgspec.structs.fields(Payment):
    if _field.default is not msgspec.NODEFAULT:
        setattr(Draft, _field.name, _field.default)
