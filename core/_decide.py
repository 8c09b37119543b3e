"""next_step: the policy brain. Pure: the same state and policy always give the same step; no clock is read."""

from __future__ import annotations

from datetime import UTC, datetime

from ._events import PaymentFailed, PaymentSettled, ReviewReason, ReviewRequired
from ._jitter import jittered
from ._payment import Payment
from ._policy import Policy
from ._status import Status
from ._steps import Basis, Conclude, Done, Poll, Requery, SendCharge, Step


def next_step(state: Payment, policy: Policy) -> Step:
    """What the runner should do for ``state``, and when (``due``, never before ``state.last_at``).

    See docs/concepts.md for the rules; each has a test named after it in tests/test_decide.py.
    """
    status = state.status
    if status is Status.SETTLED or status is Status.FAILED:
        return Done(rule="verdict-final")
    if status is Status.CREATED:
        return SendCharge(due=state.last_at, rule="first-charge", basis=(("created", state.created_at),))
    if status is Status.REQUERIED:
        return _conclude(state)
    step = _open_step(state, policy)
    if state.needs_review:
        return step
    deadline = max(state.created_at + policy.deadline, state.last_at)
    if isinstance(step, Done) or deadline < step.due:
        review = ReviewRequired(at=deadline, reason="deadline", detail=f"no verdict {policy.deadline} after creation")
        return Conclude(event=review, due=deadline, rule="deadline-review", basis=(("created", state.created_at),))
    return step


def _conclude(state: Payment) -> Step:
    """In requeried: settle only on an exact match, fail on a decline, otherwise ask a human once."""
    if state.needs_review and state.review_reason != "deadline":
        return Done(rule="await-operator")
    at = state.last_at
    confirmed, declined = state.confirmed, state.declined
    if confirmed is not None and declined is not None:
        basis = (("confirmed", confirmed.at), ("declined", declined.at))
        detail = f"confirmed {confirmed.at.isoformat()}, declined {declined.at.isoformat()}"
        return _review(at, "contradiction", detail, "review-contradiction", basis)
    if confirmed is not None:
        basis = (("created", state.created_at), ("confirmed", confirmed.at))
        if confirmed.currency != state.currency:
            detail = f"expected {state.currency}, provider said {confirmed.currency}"
            return _review(at, "currency_mismatch", detail, "review-mismatch", basis)
        if confirmed.amount != state.amount:
            detail = f"expected {state.amount}, provider said {confirmed.amount}"
            return _review(at, "amount_mismatch", detail, "review-mismatch", basis)
        if confirmed.reference != state.reference:
            detail = f"expected {state.reference!r}, provider said {confirmed.reference!r}"
            return _review(at, "reference_mismatch", detail, "review-mismatch", basis)
        settled = PaymentSettled(at=at, provider_ref=confirmed.provider_ref)
        return Conclude(event=settled, due=at, rule="settle-on-exact-match", basis=basis)
    if declined is not None:
        reason = " ".join(part for part in ("declined", declined.code, declined.reason) if part)
        failed = PaymentFailed(at=at, reason=reason)
        return Conclude(event=failed, due=at, rule="fail-on-decline", basis=(("declined", declined.at),))
    return Done(rule="verdict-final")  # unreachable: requeried is entered only by a confirmation or a decline


def _review(at: datetime, reason: ReviewReason, detail: str, rule: str, basis: Basis) -> Conclude:
    return Conclude(event=ReviewRequired(at=at, reason=reason, detail=detail), due=at, rule=rule, basis=basis)


def _open_step(state: Payment, policy: Policy) -> SendCharge | Poll | Requery | Conclude:
    """Pending or polling: resend, poll or requery, whichever the latest evidence calls for."""
    in_flight = state.in_flight
    minimum = _ambiguity_minimum(state, policy)
    if in_flight is not None:
        # Sent, never answered (a crash between send and record): ambiguous. Requery, never resend.
        due = max(in_flight.at + policy.timeout + policy.in_flight_grace, state.last_at)
        basis: Basis = (("in_flight", in_flight.at),)
        if minimum is not None and minimum > due:
            return Requery(due=minimum, rule="ambiguity-wait", basis=(*basis, ("ambiguity", _at(state.ambiguous_at))))
        return Requery(due=due, rule="in-flight-is-ambiguous", basis=basis)
    step = _evidence_step(state, policy)
    if isinstance(step, Requery) and minimum is not None and step.due < minimum:
        # The wait after an ambiguity holds whatever else arrived meanwhile.
        return Requery(due=minimum, rule="ambiguity-wait", basis=(("ambiguity", _at(state.ambiguous_at)),))
    return step


def _ambiguity_minimum(state: Payment, policy: Policy) -> datetime | None:
    """``ambiguous_at + ambiguity_delay`` while no requery has answered since the ambiguity."""
    if state.ambiguous_at is None or _after(state.requery_answer_at, state.ambiguous_at):
        return None
    return state.ambiguous_at + policy.ambiguity_delay


def _evidence_step(state: Payment, policy: Policy) -> SendCharge | Poll | Requery | Conclude:
    floor = state.last_at
    if state.charges_sent == 0:
        return SendCharge(due=floor, rule="first-charge", basis=(("created", state.created_at),))
    rejected = state.rejected
    latest_is_rejection = state.charge_answer == "charge_rejected" and state.rejection_final
    if rejected is not None and latest_is_rejection and _after(state.charge_answer_at, state.requery_answer_at):
        # Refused before any transaction existed (every earlier charge was answered "not processed").
        reason = " ".join(part for part in ("rejected", rejected.code, rejected.reason) if part)
        failed = PaymentFailed(at=floor, reason=reason)
        return Conclude(event=failed, due=floor, rule="fail-on-final-rejection", basis=(("rejected", rejected.at),))
    if state.poll_completed_at is not None:  # the long request finished: ask what it did, now
        basis: Basis = (("poll_completed", state.poll_completed_at),)
        return Requery(due=max(state.poll_completed_at, floor), rule="requery-after-poll-completed", basis=basis)
    if state.needs_review:
        return _requery(state, policy, slowest=True)
    not_processed = state.charge_answer == "not_processed" and not state.heard_since_charge
    if not_processed and _after(state.charge_answer_at, state.requery_answer_at):
        if state.charges_sent < policy.max_charge_attempts:
            wait = state.retry_after if state.retry_after is not None else policy.retry_delay
            delay = jittered(wait, policy.jitter, state.payment_id, "charge", state.charges_sent)
            basis = (("charge_answer", _at(state.charge_answer_at)),)
            due = max(_at(state.charge_answer_at) + delay, floor)
            return SendCharge(due=due, rule="resend-not-processed", basis=basis)
        if state.charges_not_processed >= state.charges_sent:
            # Every charge was answered "not processed": no money can have moved.
            reason = f"not processed after {state.charges_sent} charge attempts"
            basis = (("charge_answer", _at(state.charge_answer_at)),)
            failed = PaymentFailed(at=floor, reason=reason)
            return Conclude(event=failed, due=floor, rule="fail-not-processed", basis=basis)
    if state.awaiting_customer is not None and state.awaiting_since is not None:
        due = max(state.awaiting_since + policy.customer_wait, floor)
        step = Requery(due=due, rule="requery-while-customer-acts", basis=(("awaiting", state.awaiting_since),))
        return _with_webhook(state, step, policy)
    if state.status is Status.POLLING and not state.polling_over and state.ping_url is not None:
        return _poll(state, policy)
    return _requery(state, policy, slowest=False)


def _poll(state: Payment, policy: Policy) -> Poll | Requery:
    url, floor = state.ping_url or "", state.last_at
    if state.polls_sent >= policy.max_polls:
        return Requery(due=floor, rule="poll-budget-spent", basis=(("latest", floor),))
    if state.polls_sent == 0 or state.poll_answer_at is None:
        start = _at(state.poll_from)
        wait = start - _at(state.charge_answer_at)
        delay = jittered(wait, policy.jitter, state.payment_id, "poll", 0) - wait
        basis: Basis = (("long_request", _at(state.charge_answer_at)),)
        return Poll(url=url, due=max(start + delay, floor), rule="poll-long-request", basis=basis)
    backoff = policy.poll_backoff[min(state.polls_sent - 1, len(policy.poll_backoff) - 1)]
    delay = jittered(backoff, policy.jitter, state.payment_id, "poll", state.polls_sent)
    basis = (("poll_answer", state.poll_answer_at),)
    return Poll(url=url, due=max(state.poll_answer_at + delay, floor), rule="poll-backoff", basis=basis)


def _requery(state: Payment, policy: Policy, *, slowest: bool) -> Requery | SendCharge:
    floor = state.last_at
    answered_since_charge = _after(state.requery_answer_at, state.charge_answer_at)
    if not answered_since_charge:
        # The first requery after a charge-side answer: verify it, or wait out an ambiguity.
        base = state.charge_answer_at or floor
        ambiguous = state.charge_answer in (None, "outcome_unknown")
        wait = policy.ambiguity_delay if ambiguous else policy.verify_delay
        rule = "ambiguity-wait" if ambiguous else "verify-charge-answer"
        if slowest:
            wait, rule = policy.requery_backoff[-1], "slowest-cadence-in-review"
        delay = jittered(wait, policy.jitter, state.payment_id, "requery", state.requeries_sent)
        basis: Basis = (("charge_answer", base),) if state.charge_answer_at is not None else (("latest", floor),)
        return _with_webhook(state, Requery(due=max(base + delay, floor), rule=rule, basis=basis), policy)
    answered_at = _at(state.requery_answer_at)
    if not slowest and _may_resend_after_not_found(state, policy):
        basis = (("charge_sent", _at(state.last_charge_sent_at)), ("not_found", _at(state.last_not_found_at)))
        return SendCharge(due=max(answered_at, floor), rule="resend-after-not-found", basis=basis)
    index = len(policy.requery_backoff) - 1 if slowest else max(state.requeries_sent - 1, 0)
    wait = policy.requery_backoff[min(index, len(policy.requery_backoff) - 1)]
    delay = jittered(wait, policy.jitter, state.payment_id, "requery", state.requeries_sent)
    rule = "slowest-cadence-in-review" if slowest else "requery-backoff"
    step = Requery(due=max(answered_at + delay, floor), rule=rule, basis=(("requery_answer", answered_at),))
    return _with_webhook(state, step, policy)


def _may_resend_after_not_found(state: Payment, policy: Policy) -> bool:
    """The not-found rule: since the latest charge was sent, the last ``not_found_answers`` informative requery
    answers are all not-found, and the latest of them came ``not_found_grace`` or more after that send."""
    if state.charges_sent >= policy.max_charge_attempts or state.not_found_streak < policy.not_found_answers:
        return False
    last_sent, last_not_found = state.last_charge_sent_at, state.last_not_found_at
    return last_sent is not None and last_not_found is not None and last_not_found >= last_sent + policy.not_found_grace


def _with_webhook(state: Payment, step: Requery, policy: Policy) -> Requery:
    """A signed webhook newer than the latest answer moves the requery to it, never past a minimum in force."""
    webhook_at = state.webhook_at
    latest_answer = max(_at(state.charge_answer_at), _at(state.requery_answer_at), _at(state.poll_answer_at))
    if webhook_at is None or webhook_at <= latest_answer:
        return step
    minimum = max(state.last_at, _ambiguity_minimum(state, policy) or state.last_at)
    due = max(webhook_at, minimum)
    if due >= step.due:
        return step
    return Requery(due=due, rule="webhook-brings-requery-forward", basis=(*step.basis, ("webhook", webhook_at)))


_NEVER = datetime.min.replace(tzinfo=UTC)


def _at(moment: datetime | None) -> datetime:
    """``moment``, or the earliest aware instant for None (so comparisons need no special case)."""
    return _NEVER if moment is None else moment


def _after(moment: datetime | None, other: datetime | None) -> bool:
    """True when ``moment`` is set and ``other`` is unset or strictly earlier."""
    return moment is not None and (other is None or moment > other)
