"""The reference model: DESIGN section 4's safety rules restated over the raw event list.

It shares nothing with the decider: it never reads ``Payment``'s derived fields nor ``payfold._decide``'s
helpers, and it keeps its own books (which charge was sent when, what was heard since, which verdicts were
recorded). ``payfold._invariants`` runs it over a history, and over each step ``next_step`` proposes, so a
mistake in the decider's bookkeeping cannot hide behind the same mistake in the check.

Each rule judges one event *as if it were appended next*: ``Oracle.judge(event)`` returns what is wrong with it
(or None) without changing the model; ``Oracle.add(event)`` records it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from ._events import (
    ChargeRejected,
    Event,
    FailedManually,
    NotProcessed,
    OutcomeUnknown,
    PaymentCreated,
    PaymentFailed,
    PaymentSettled,
    PollCompleted,
    ProviderAnswer,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryNotFound,
    RequeryPending,
    RequestSent,
    ReviewRequired,
    SettledManually,
    WebhookReceived,
)
from ._policy import Policy

_INFORMATIVE: Final = (RequeryNotFound, RequeryPending, RequeryConfirmed, RequeryDeclined)
"""Requery answers that say something about the payment; any other answer to a requery is a failed requery."""
_VERDICTS: Final = (PaymentSettled, PaymentFailed, SettledManually, FailedManually)

RESEND: Final = "no double charge"
FAILED: Final = "failed only on evidence"
SETTLED: Final = "settled only on confirmation"
ABSORBING: Final = "verdicts are absorbing"
AMBIGUITY_WAIT: Final = "requery waits after an ambiguity"
POLL_COMPLETED: Final = "requery after poll completed"


def is_requery_answer(event: Event) -> bool:
    """An answer to a status query (whatever its class: a 502 page on a requery is an ``outcome_unknown``)."""
    return isinstance(event, _INFORMATIVE) or (
        isinstance(event, ProviderAnswer)
        and not isinstance(event, WebhookReceived)
        and event.wire.operation == "requery"
    )


def is_charge_side(event: Event) -> bool:
    """An answer to a charge or a validate request."""
    return (
        isinstance(event, ProviderAnswer)
        and not isinstance(event, _INFORMATIVE)
        and event.wire.operation in ("charge", "validate")
    )


def _not_processed_charge(event: Event) -> bool:
    return isinstance(event, NotProcessed) and event.wire.operation == "charge"


class Oracle:
    """The books of one payment, kept from its raw events, and the rules that judge the next one."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.events: list[Event] = []
        self.created: PaymentCreated | None = None
        self.charge_indexes: list[int] = []
        """Where each charge's ``request_sent`` stands in ``events``."""
        self.verdict: Event | None = None
        self.reviewed = False

    def add(self, event: Event) -> None:
        """Record ``event`` (judged or not)."""
        index = len(self.events)
        self.events.append(event)
        if isinstance(event, PaymentCreated) and self.created is None:
            self.created = event
        elif isinstance(event, RequestSent) and event.operation == "charge":
            self.charge_indexes.append(index)
        elif isinstance(event, _VERDICTS) and self.verdict is None:
            self.verdict = event
        elif isinstance(event, ReviewRequired):
            self.reviewed = True

    def judge(self, event: Event) -> tuple[str, str] | None:
        """``(rule, what is wrong)`` if appending ``event`` now breaks a rule, else None."""
        if isinstance(event, RequestSent):
            if event.operation == "charge":
                return self._charge(event)
            return self._request(event)
        if isinstance(event, (*_VERDICTS, ReviewRequired)) and self.verdict is not None:
            return ABSORBING, f"{type(event).__name__} after the verdict {type(self.verdict).__name__}"
        if isinstance(event, PaymentFailed):
            return self._failed()
        if isinstance(event, PaymentSettled):
            return self._settled()
        return None

    # --- the resend rule ----------------------------------------------------------------------------------------

    def _charge(self, event: RequestSent) -> tuple[str, str] | None:
        if self.verdict is not None:
            return RESEND, f"a charge sent after the verdict {type(self.verdict).__name__}"
        if self._poll_completed_unanswered():
            return POLL_COMPLETED, "a charge sent after the long request completed: a requery was due"
        if not self.charge_indexes:
            return None  # the first charge
        count = len(self.charge_indexes) + 1
        if count > self.policy.max_charge_attempts:
            return RESEND, f"charge {count} exceeds max_charge_attempts={self.policy.max_charge_attempts}"
        if self.reviewed:
            return RESEND, "a charge resent after a review was raised"
        if self._latest_charge_not_processed() or self._not_found_rule_holds():
            return None
        return RESEND, f"charge {count} sent while the outcome of charge {count - 1} is unknown"

    def _since_latest_charge(self) -> Sequence[Event]:
        return self.events[self.charge_indexes[-1] + 1 :]

    def _evidence_since_latest_charge(self) -> list[Event]:
        """What was heard about the latest charge since it was sent: its answers, validates, polls and informative
        requery answers (failed requeries, webhooks and other requests say nothing)."""
        evidence: list[Event] = []
        for event in self._since_latest_charge():
            if isinstance(event, RequestSent):
                if event.operation == "validate":
                    evidence.append(event)
            elif isinstance(event, _INFORMATIVE) or (
                isinstance(event, ProviderAnswer)
                and not isinstance(event, WebhookReceived)
                and event.wire.operation in ("charge", "validate", "poll")
            ):
                evidence.append(event)
        return evidence

    def _latest_charge_not_processed(self) -> bool:
        """Everything heard since the latest charge was sent says "not processed"."""
        evidence = self._evidence_since_latest_charge()
        return bool(evidence) and all(_not_processed_charge(e) for e in evidence)

    def _not_found_rule_holds(self) -> bool:
        """After the latest charge was sent (and after its latest answer other than "not processed"), the last
        ``not_found_answers`` informative requery answers are all not-found, the latest of them at least
        ``not_found_grace`` after that send."""
        sent_at = self.events[self.charge_indexes[-1]].at
        informative: list[Event] = []
        for event in self._since_latest_charge():
            if is_charge_side(event) and not _not_processed_charge(event):
                informative = []  # new word about the charge: the count starts again
            elif isinstance(event, _INFORMATIVE):
                informative.append(event)
        last = informative[-self.policy.not_found_answers :]
        if len(last) < self.policy.not_found_answers or not all(isinstance(e, RequeryNotFound) for e in last):
            return False
        return last[-1].at >= sent_at + self.policy.not_found_grace

    # --- verdicts -----------------------------------------------------------------------------------------------

    def _failed(self) -> tuple[str, str] | None:
        declined = any(isinstance(e, RequeryDeclined) for e in self.events)
        confirmed = any(isinstance(e, RequeryConfirmed) for e in self.events)
        if declined and not confirmed:
            return None
        if self._never_processed() or self._rejected_before_any_transaction():
            return None
        return FAILED, "failed without a declined requery, a final rejection or charges all not processed"

    def _never_processed(self) -> bool:
        charges = len(self.charge_indexes)
        not_processed = sum(1 for e in self.events if _not_processed_charge(e))
        return (
            charges >= self.policy.max_charge_attempts
            and not_processed >= charges
            and self._latest_charge_not_processed()
        )

    def _rejected_before_any_transaction(self) -> bool:
        """The latest charge was rejected, every earlier charge was answered "not processed", and no requery
        spoke after the rejection."""
        if not self.charge_indexes:
            return False
        latest = self.charge_indexes[-1]
        rejected_at: int | None = None
        for offset, event in enumerate(self._since_latest_charge(), start=latest + 1):
            if is_charge_side(event):
                rejected_at = offset if isinstance(event, ChargeRejected) and event.wire.operation == "charge" else None
        if rejected_at is None:
            return False
        if any(isinstance(e, _INFORMATIVE) for e in self.events[rejected_at + 1 :]):
            return False
        earlier_not_processed = sum(1 for e in self.events[:latest] if _not_processed_charge(e))
        return earlier_not_processed >= len(self.charge_indexes) - 1

    def _settled(self) -> tuple[str, str] | None:
        created = self.created
        confirmations = [e for e in self.events if isinstance(e, RequeryConfirmed)]
        if created is None or not confirmations:
            return SETTLED, "settled without a confirming requery"
        if any(isinstance(e, RequeryDeclined) for e in self.events):
            return SETTLED, "settled although a requery declined"
        wanted = (created.amount, created.currency, created.reference)
        for confirmation in confirmations:
            said = (confirmation.amount, confirmation.currency, confirmation.reference)
            if said != wanted:
                return SETTLED, f"settled although a requery confirmed {said}, not {wanted}"
        return None

    # --- other requests -----------------------------------------------------------------------------------------

    def _request(self, event: RequestSent) -> tuple[str, str] | None:
        if event.operation == "poll" and self._poll_completed_unanswered():
            return POLL_COMPLETED, "a poll sent after the long request completed: a requery was due"
        if event.operation == "requery":
            ambiguity = self._fresh_ambiguity()
            if ambiguity is not None and event.at < ambiguity + self.policy.ambiguity_delay:
                return AMBIGUITY_WAIT, (
                    f"requery at {event.at.isoformat()}, ambiguity at {ambiguity.isoformat()}"
                    f" + {self.policy.ambiguity_delay}"
                )
        return None

    def _poll_completed_unanswered(self) -> bool:
        """A poll answered ``completed`` and no request but a validate was sent since: a requery is due."""
        for event in reversed(self.events):
            if isinstance(event, PollCompleted):
                return self.verdict is None
            if isinstance(event, RequestSent) and event.operation != "validate":
                return False
        return False

    def _fresh_ambiguity(self) -> datetime | None:
        """When the latest charge-side ambiguity was recorded, while no requery has answered since."""
        for event in reversed(self.events):
            if is_requery_answer(event):
                return None
            if isinstance(event, OutcomeUnknown) and event.wire.operation in ("charge", "validate"):
                return event.at
        return None
