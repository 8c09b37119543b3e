"""Rules pinned by the mutation run (docs/mutation.md): each test states a rule of docs/concepts.md or DESIGN
section 4 that a surviving mutant of core/_decide.py or core/_fold.py broke while the rest of the suite passed.
They assert what the rules say (steps, due times, the folded facts the rules name), never how the code says it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from payfold import (
    ActionRequired,
    ChargeAccepted,
    ChargeRejected,
    Conclude,
    Event,
    IllegalTransition,
    InFlight,
    LongRequestStarted,
    NotProcessed,
    OutcomeUnknown,
    PaymentFailed,
    PaymentSettled,
    Policy,
    Poll,
    PollCompleted,
    PollPending,
    Requery,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
    RequeryPending,
    RequestSent,
    ReviewRequired,
    SendCharge,
    Status,
    Step,
    WebhookReceived,
    fold,
    next_step,
)
from payfold.testing import created, given, seconds, wire

NO_JITTER = Policy(jitter=0.0)
TRANZZO_LIKE = Policy(jitter=0.0, ambiguity_delay=timedelta(seconds=60))
EAGER_RESEND = Policy(jitter=0.0, not_found_answers=2, not_found_grace=timedelta(0))


def sent(at: float, operation: str = "charge", attempt: int = 1, url: str = "") -> RequestSent:
    return RequestSent(at=seconds(at), operation=operation, attempt=attempt, url=url)  # type: ignore[arg-type]


def unknown(at: float, operation: str = "charge") -> OutcomeUnknown:
    return OutcomeUnknown(at=seconds(at), wire=wire(operation, seconds(at), status=None), cause="timeout")  # type: ignore[arg-type]


def throttled(at: float, operation: str = "charge") -> NotProcessed:
    return NotProcessed(at=seconds(at), wire=wire(operation, seconds(at), status=429), reason="429")  # type: ignore[arg-type]


def accepted(at: float, operation: str = "charge", provider_ref: str | None = None) -> ChargeAccepted:
    return ChargeAccepted(at=seconds(at), wire=wire(operation, seconds(at)), provider_ref=provider_ref)  # type: ignore[arg-type]


def not_found(at: float) -> RequeryNotFound:
    return RequeryNotFound(at=seconds(at), wire=wire("requery", seconds(at), status=404))


def pending(at: float) -> RequeryPending:
    return RequeryPending(at=seconds(at), wire=wire("requery", seconds(at)))


def failed(at: float) -> RequeryFailed:
    return RequeryFailed(at=seconds(at), wire=wire("requery", seconds(at), status=502), reason="nginx")


def confirmed(
    at: float, amount: int = 450_000, currency: str = "XTS", reference: str = "order-1", provider_ref: str = "tx-9"
) -> RequeryConfirmed:
    return RequeryConfirmed(
        at=seconds(at),
        wire=wire("requery", seconds(at)),
        provider_ref=provider_ref,
        reference=reference,
        amount=amount,
        currency=currency,
    )


def hook(at: float, valid: bool = True) -> WebhookReceived:
    return WebhookReceived(at=seconds(at), wire=wire("webhook", seconds(at)), signature_valid=valid)


def long_request(at: float, wait: float = 0.0, url: str = "u", operation: str = "charge") -> LongRequestStarted:
    return LongRequestStarted(
        at=seconds(at),
        wire=wire(operation, seconds(at)),  # type: ignore[arg-type]
        ping_url=url,
        wait=timedelta(seconds=wait),
    )


def poll_pending(at: float) -> PollPending:
    return PollPending(at=seconds(at), wire=wire("poll", seconds(at)))


def otp(at: float) -> ActionRequired:
    return ActionRequired(at=seconds(at), wire=wire("charge", seconds(at)), kind="otp")


def step_of(history: list[Event], policy: Policy) -> Step:
    return next_step(fold(history), policy)


# --- the folded facts the rules name -------------------------------------------------------------------------


def test_created_facts_are_the_payments_own() -> None:
    details = {"card_token": "tok-1", "email": "a@example.com"}
    state = given(created(provider="flutterwave", details=details)).then(provider="flutterwave")
    assert dict(state.details) == details


def test_in_flight_names_the_request_sent_until_it_is_answered() -> None:
    ping = "https://rave.test/ping/1"
    history: list[Event] = [created(), sent(1), long_request(2, url=ping), sent(3, "poll", attempt=2, url=ping)]
    given(*history).then(in_flight=InFlight(operation="poll", attempt=2, at=seconds(3), url=ping))


def test_nobody_waits_for_an_answer_to_a_webhook() -> None:
    answered = given(created(), sent(1), accepted(2)).when(sent(3, "webhook"))
    answered.then(in_flight=None, step=Requery)
    waiting = given(created(), sent(1)).when(sent(3, "webhook"))
    waiting.then(in_flight=InFlight(operation="charge", attempt=1, at=seconds(1)))


def test_requests_are_numbered_per_operation() -> None:
    story = given(
        created(),
        sent(1),
        otp(2),
        sent(3, "validate"),
        accepted(4, "validate"),
        sent(9, "requery"),
        pending(10),
        sent(40, "requery"),
        pending(41),
    )
    state = story.state
    assert [state.next_attempt(op) for op in ("charge", "validate", "requery", "poll")] == [2, 2, 3, 1]


def test_version_counts_every_event_folded_even_one_that_changes_nothing() -> None:
    given(created(), sent(1), hook(2, valid=False), hook(3, valid=False)).then(version=4)


def test_last_at_is_the_latest_time_folded_even_when_an_event_is_stamped_earlier() -> None:
    story = given(created(), sent(10), hook(5)).with_policy(NO_JITTER)
    story.then(last_at=seconds(10))
    step = story.step
    assert isinstance(step, Requery) and step.due >= seconds(10), step


def test_an_illegal_transition_names_the_status_and_the_tag() -> None:
    with pytest.raises(IllegalTransition) as info:
        fold([created(), sent(1), PaymentSettled(at=seconds(2))])
    assert str(info.value) == "event 'settled' is not allowed in status 'pending'"


def test_late_answers_after_a_verdict_still_advance_the_latest_time() -> None:
    settled = given(created(), sent(1), accepted(2), sent(7, "requery"), confirmed(8), PaymentSettled(at=seconds(8)))
    later = settled.when(accepted(30))
    later.then(status=Status.SETTLED, last_at=seconds(30))
    contradiction = later.when(RequeryDeclined(at=seconds(31), wire=wire("requery", seconds(31)), code="05"))
    contradiction.then(status=Status.SETTLED, last_at=seconds(31))


def test_the_providers_reference_from_a_charge_answer_is_kept_for_later_requests() -> None:
    # Rave's validate and requery name the charge by its flwRef (docs/adapters.md)
    story = given(created(provider="flutterwave"), sent(1), accepted(2, provider_ref="FLW-1"))
    story.then(provider_ref="FLW-1")
    story.when(sent(7, "requery"), confirmed(8, provider_ref="")).then(provider_ref="FLW-1")
    given(created(), sent(1), unknown(2), sent(40, "requery"), confirmed(41)).then(provider_ref="tx-9")


# --- not processed: resend only while nothing but "not processed" was heard since the latest charge ----------


RESEND_CASES: dict[str, tuple[list[Event], type[Step]]] = {
    "an ambiguous answer, then not processed": ([created(), sent(0), unknown(30), throttled(31)], Requery),
    "a not-found requery, then not processed": (
        [created(), sent(0), sent(61, "requery"), not_found(62), throttled(63)],
        Requery,
    ),
    "a failed requery (no news), then not processed": (
        [created(), sent(0), sent(61, "requery"), failed(62), throttled(63)],
        SendCharge,
    ),
    "not processed, then a validate was sent": (
        [created(), sent(0), throttled(1), sent(2, "validate"), throttled(3, "validate")],
        Requery,
    ),
    "not processed, then a poll answered": (
        [created(), sent(1), long_request(2), sent(3, "poll"), sent(39, attempt=2), throttled(40), poll_pending(45)],
        Poll,
    ),
    "a resend answered not processed": (
        [
            *(created(), sent(0), unknown(5), sent(40, "requery"), not_found(41), sent(70, "requery")),
            *(not_found(71), sent(72, attempt=2), throttled(73)),
        ],
        SendCharge,
    ),
}


@pytest.mark.parametrize("case", RESEND_CASES)
def test_not_processed_resends_only_while_nothing_else_was_heard_since_the_charge(case: str) -> None:
    history, expected = RESEND_CASES[case]
    step = step_of(history, EAGER_RESEND)
    assert isinstance(step, expected), step


def test_not_processed_after_max_charge_attempts_names_the_attempts_in_the_failure() -> None:
    history: list[Event] = [created()]
    for n in range(3):
        history += [sent(10 * n, attempt=n + 1), throttled(10 * n + 1)]
    step = step_of(history, NO_JITTER)
    assert isinstance(step, Conclude) and isinstance(step.event, PaymentFailed)
    assert "not processed" in step.event.reason and "3" in step.event.reason


# --- not-found grace ------------------------------------------------------------------------------------------


def test_not_found_grace_is_at_least_the_grace_after_the_send() -> None:
    policy = Policy(jitter=0.0, not_found_answers=1, not_found_grace=timedelta(minutes=10))
    story = given(created(), sent(0), unknown(30), sent(599, "requery"), not_found(600)).with_policy(policy)
    story.then(step=SendCharge(due=seconds(600)))


def test_sending_a_charge_restarts_the_not_found_count() -> None:
    first: list[Event] = [
        *(created(), sent(0), unknown(5)),
        *(sent(40, "requery"), not_found(41), sent(70, "requery"), not_found(71)),
    ]
    given(*first).with_policy(EAGER_RESEND).then(step=SendCharge(due=seconds(71)))
    # charge 2's answer is lost: one not-found since it was sent is not two
    story = given(*first, sent(71, attempt=2), sent(150, "requery"), not_found(151)).with_policy(EAGER_RESEND)
    story.then(not_found_streak=1, step=Requery)


def test_a_late_answer_to_the_charge_restarts_the_not_found_count() -> None:
    history: list[Event] = [
        *(created(), sent(0), unknown(5)),
        *(sent(40, "requery"), not_found(41), sent(70, "requery"), not_found(71)),
    ]
    story = given(*history, accepted(72), sent(77, "requery"), not_found(78)).with_policy(EAGER_RESEND)
    story.then(step=Requery)


def test_at_most_max_charge_attempts_charges_in_all() -> None:
    policy = Policy(jitter=0.0, max_charge_attempts=2, not_found_answers=1, not_found_grace=timedelta(0))
    story = given(created(), sent(0), unknown(5), sent(40, "requery"), not_found(41)).with_policy(policy)
    story.then(step=SendCharge(due=seconds(41)))
    story = story.when(sent(41, attempt=2), unknown(45), sent(80, "requery"), not_found(81))
    story.then(charges_sent=2, step=Requery)


@pytest.mark.parametrize("answer", [unknown(71, "requery"), throttled(71, "requery")], ids=["timeout", "throttled"])
def test_a_status_query_that_was_not_answered_is_a_failed_requery_whatever_the_adapter_called_it(
    answer: Event,
) -> None:
    # "a failed requery (the status API itself timed out or erred) neither counts nor restarts the count"
    story = given(created(), sent(0), unknown(5), sent(40, "requery"), not_found(41), sent(70, "requery"), answer)
    story.then(in_flight=None, not_found_streak=1)
    story.when(sent(100, "requery"), not_found(101)).with_policy(EAGER_RESEND).then(step=SendCharge(due=seconds(101)))


# --- refused resend: a rejection is a verdict only when no transaction can exist -----------------------------


def test_a_rejection_followed_by_a_newer_requery_answer_is_no_verdict() -> None:
    rejected = ChargeRejected(at=seconds(62), wire=wire("charge", seconds(62), status=400), reason="bad card")
    story = given(created(), sent(0), sent(61, "requery"), rejected, pending(63)).with_policy(NO_JITTER)
    story.then(step=Requery)


def test_a_final_rejection_fails_with_the_providers_code_and_reason() -> None:
    rejected = ChargeRejected(
        at=seconds(2), wire=wire("charge", seconds(2), status=400), code="1002", reason="card expired"
    )
    given(created(), sent(1), rejected).with_policy(NO_JITTER).then(
        step=Conclude(event=PaymentFailed(at=seconds(2), reason="rejected 1002 card expired"), due=seconds(2))
    )


# --- long request ---------------------------------------------------------------------------------------------


def test_polls_follow_the_poll_backoff_by_polls_sent_the_last_repeating() -> None:
    policy = Policy(jitter=0.0, poll_backoff=(timedelta(seconds=2), timedelta(seconds=5), timedelta(seconds=10)))
    story = given(created(provider="flutterwave"), sent(1), long_request(5)).with_policy(policy)
    for poll_at, answer_at, due in ((5, 6, 8), (8, 9, 14), (14, 15, 25), (25, 26, 36)):
        story = story.when(sent(poll_at, "poll"), poll_pending(answer_at))
        story.then(status=Status.POLLING, step=Poll(url="u", due=seconds(due)))


def test_a_poll_that_timed_out_is_a_failed_poll_polled_again_on_the_backoff() -> None:
    policy = Policy(jitter=0.0, poll_backoff=(timedelta(seconds=2),))
    story = given(created(provider="flutterwave"), sent(1), long_request(2), sent(2, "poll"), unknown(10, "poll"))
    story.with_policy(policy).then(in_flight=None, step=Poll(url="u", due=seconds(12)))


def test_a_second_long_request_starts_polling_afresh() -> None:
    policy = Policy(jitter=0.0, max_polls=1)
    done = PollCompleted(at=seconds(3), wire=wire("poll", seconds(3)), response="{}")
    story = given(created(provider="flutterwave"), sent(1), long_request(2), sent(2, "poll"), done)
    story = story.when(sent(20, "validate"), long_request(21, wait=1, url="v", operation="validate"))
    story.with_policy(policy).then(status=Status.POLLING, step=Poll(url="v", due=seconds(22)))


def test_after_a_completed_poll_no_more_polls_and_a_later_charge_side_answer_is_verified() -> None:
    done = PollCompleted(at=seconds(8), wire=wire("poll", seconds(8)), response="{}")
    story = given(created(provider="flutterwave"), sent(1), long_request(2, wait=1), sent(3, "poll"), done)
    story.with_policy(NO_JITTER).then(step=Requery(due=seconds(8)))
    story = story.when(sent(9, "validate"), accepted(10, "validate"))
    story.with_policy(NO_JITTER).then(status=Status.POLLING, step=Requery(due=seconds(15)))


def test_next_step_is_total_when_a_validate_replaces_a_poll_in_flight() -> None:
    # the app submits the customer's OTP while a poll is in flight; the validate is answered, the poll never is
    story = given(created(provider="flutterwave"), sent(1), long_request(2), sent(3, "poll"), sent(4, "validate"))
    story = story.when(accepted(5, "validate")).with_policy(NO_JITTER)
    step = story.step
    assert isinstance(step, Poll | Requery) and step.due >= seconds(5), step


def test_a_requery_answer_ends_polling_and_the_requery_cadence_follows() -> None:
    policy = Policy(jitter=0.0, max_polls=1, requery_backoff=(timedelta(seconds=30), timedelta(seconds=60)))
    story = given(created(provider="flutterwave"), sent(1), long_request(2), sent(2, "poll"), poll_pending(3))
    story.with_policy(policy).then(step=Requery(due=seconds(3)))
    story = story.when(sent(3, "requery"), pending(4))
    story.with_policy(policy).then(status=Status.POLLING, step=Requery(due=seconds(34)))


def test_a_requery_answer_ends_a_poll_completion_being_due() -> None:
    policy = Policy(jitter=0.0, requery_backoff=(timedelta(seconds=30),))
    done = PollCompleted(at=seconds(8), wire=wire("poll", seconds(8)), response="{}")
    story = given(created(provider="flutterwave"), sent(1), long_request(2), sent(3, "poll"), done)
    story.when(sent(8, "requery"), pending(9)).with_policy(policy).then(step=Requery(due=seconds(39)))


# --- requery cadence, verify, deadline ------------------------------------------------------------------------


def test_requeries_follow_the_requery_backoff_by_requeries_sent_the_last_repeating() -> None:
    backoff = (timedelta(seconds=10), timedelta(seconds=20), timedelta(seconds=40))
    policy = Policy(jitter=0.0, requery_backoff=backoff)
    story = given(created(), sent(1), accepted(2)).with_policy(policy)
    story.then(step=Requery(due=seconds(7)))
    for sent_at, answer_at, due in ((7, 8, 18), (18, 19, 39), (39, 40, 80), (80, 81, 121)):
        story = story.when(sent(sent_at, "requery"), pending(answer_at))
        story.then(step=Requery(due=seconds(due)))


def test_the_verify_delay_counts_from_the_charge_answer() -> None:
    given(created(), sent(1), accepted(2), hook(4, valid=False)).with_policy(NO_JITTER).then(
        step=Requery(due=seconds(7))
    )


def test_after_the_deadline_requery_on_the_slowest_cadence_and_never_resend() -> None:
    policy = Policy(
        jitter=0.0,
        deadline=timedelta(minutes=10),
        requery_backoff=(timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)),
        not_found_answers=1,
        not_found_grace=timedelta(0),
    )
    story = given(created(), sent(0), unknown(30), sent(60, "requery"), pending(61)).with_policy(policy)
    story.then(step=Requery(due=seconds(361)))
    story = story.when(sent(361, "requery"), pending(362))
    review = ReviewRequired(at=seconds(600), reason="deadline", detail="no verdict 0:10:00 after creation")
    story.then(step=Conclude(event=review, due=seconds(600)))
    story = story.when(review)
    story.then(needs_review=True, step=Requery(due=seconds(362 + 7200)))
    # a late charge-side answer is verified on the slowest cadence too
    story.when(accepted(400)).then(step=Requery(due=seconds(400 + 7200)))
    # and not-found answers never resend after the deadline
    story.when(sent(7562, "requery"), not_found(7563)).then(step=Requery(due=seconds(7563 + 7200)))


# --- webhooks, customer, in flight ---------------------------------------------------------------------------


WEBHOOK_CASES: dict[str, tuple[list[Event], Requery]] = {
    "a charge answer after the webhook": ([created(), hook(1), sent(2), accepted(3)], Requery(due=seconds(8))),
    "a requery answer after the webhook": (
        [created(), sent(0), accepted(2), sent(7, "requery"), hook(7.5), pending(8)],
        Requery(due=seconds(38)),
    ),
    "a poll answer after the webhook": (
        [
            *(created(provider="flutterwave"), sent(0), long_request(2), sent(2, "poll"), sent(62, "requery")),
            *(pending(63), hook(64), poll_pending(65)),
        ],
        Requery(due=seconds(93)),
    ),
}


@pytest.mark.parametrize("case", WEBHOOK_CASES)
def test_a_webhook_older_than_the_latest_answer_moves_nothing(case: str) -> None:
    history, expected = WEBHOOK_CASES[case]
    assert step_of(history, Policy(jitter=0.0, max_polls=1)) == expected


def test_a_webhook_cannot_pull_a_requery_before_the_wait_after_the_latest_ambiguity() -> None:
    policy = Policy(
        jitter=0.0, ambiguity_delay=timedelta(seconds=60), not_found_answers=1, not_found_grace=timedelta(0)
    )
    story = given(created(), sent(0), unknown(3), sent(63, "requery"), not_found(64)).with_policy(policy)
    story.then(step=SendCharge(due=seconds(64)))
    story.when(sent(64, attempt=2), unknown(70), hook(71)).then(step=Requery(due=seconds(130)))


def test_a_webhook_while_the_customer_acts_respects_the_wait_after_an_ambiguity() -> None:
    given(created(), sent(0), unknown(3), otp(5), hook(10)).with_policy(TRANZZO_LIKE).then(
        awaiting_customer="otp", step=Requery(due=seconds(63))
    )


def test_a_requery_answer_ends_the_wait_for_the_customer() -> None:
    story = given(created(), sent(1), otp(2), sent(902, "requery"), pending(903)).with_policy(NO_JITTER)
    story.then(awaiting_customer=None, step=Requery(due=seconds(933)))


def test_a_validate_that_was_never_processed_leaves_the_customer_wait_running() -> None:
    story = given(created(), sent(1), otp(2), sent(60, "validate"), throttled(61, "validate"))
    story.with_policy(NO_JITTER).then(awaiting_customer="otp", in_flight=None, step=Requery(due=seconds(902)))


def test_an_in_flight_request_is_never_requeried_before_the_wait_after_an_ambiguity() -> None:
    policy = Policy(
        jitter=0.0,
        ambiguity_delay=timedelta(seconds=60),
        timeout=timedelta(seconds=10),
        in_flight_grace=timedelta(seconds=5),
    )
    given(created(), sent(0), unknown(3), sent(4, "validate")).with_policy(policy).then(step=Requery(due=seconds(63)))


# --- exact match: a review tells the operator what differs ---------------------------------------------------


REVIEW_CASES: dict[str, tuple[Event, tuple[str, ...]]] = {
    "amount_mismatch": (confirmed(71, amount=450_001), ("450000", "450001")),
    "currency_mismatch": (confirmed(71, currency="USD"), ("XTS", "USD")),
    "reference_mismatch": (confirmed(71, reference="order-2"), ("order-1", "order-2")),
}


@pytest.mark.parametrize("reason", REVIEW_CASES)
def test_a_review_names_what_was_expected_and_what_the_provider_said(reason: str) -> None:
    answer, words = REVIEW_CASES[reason]
    step = step_of([created(), sent(1), unknown(3), sent(70, "requery"), answer], NO_JITTER)
    assert isinstance(step, Conclude) and isinstance(step.event, ReviewRequired)
    assert step.event.reason == reason and all(word in step.event.detail for word in words), step.event


def test_a_contradiction_review_names_both_answers() -> None:
    declined = RequeryDeclined(at=seconds(72), wire=wire("requery", seconds(72)), code="1002", reason="failure")
    step = step_of([created(), sent(1), unknown(3), sent(70, "requery"), confirmed(71), declined], NO_JITTER)
    assert isinstance(step, Conclude) and isinstance(step.event, ReviewRequired)
    assert seconds(71).isoformat() in step.event.detail and seconds(72).isoformat() in step.event.detail


# --- jitter: only adds time, a pure function of (payment, operation, count) ----------------------------------

JITTER = 0.5
JITTER_POLICY = Policy(jitter=JITTER, poll_backoff=(timedelta(seconds=2),), requery_backoff=(timedelta(seconds=30),))
Story = Callable[[str], list[Event]]
"""A history for one payment id; its last step is the one jittered."""


def _resend(payment_id: str) -> list[Event]:
    return [created(payment_id=payment_id), sent(0), throttled(1)]


def _first_poll(payment_id: str) -> list[Event]:
    return [created(payment_id=payment_id, provider="flutterwave"), sent(0), long_request(1, wait=10)]


def _next_poll(payment_id: str) -> list[Event]:
    return [*_first_poll(payment_id), sent(11, "poll"), poll_pending(12)]


def _next_requery(payment_id: str) -> list[Event]:
    return [created(payment_id=payment_id), sent(0), accepted(1), sent(6, "requery"), pending(7)]


JITTERED: dict[str, tuple[Story, float, timedelta]] = {
    "resend": (_resend, 1, timedelta(seconds=5)),
    "first poll": (_first_poll, 1, timedelta(seconds=10)),
    "next poll": (_next_poll, 12, timedelta(seconds=2)),
    "next requery": (_next_requery, 7, timedelta(seconds=30)),
}


def _extra(history: list[Event], base: datetime, delay: timedelta) -> float:
    """The fraction of ``delay`` that jitter added to the step due after ``history``."""
    step = step_of(history, JITTER_POLICY)
    assert isinstance(step, SendCharge | Poll | Requery), step
    fraction = (step.due - base - delay) / delay
    assert 0.0 <= fraction <= JITTER, (step, fraction)
    return round(fraction, 6)


@pytest.mark.parametrize("kind", JITTERED)
def test_jitter_spreads_payments_with_the_same_history(kind: str) -> None:
    story, base, delay = JITTERED[kind]
    extras = {_extra(story(payment_id), seconds(base), delay) for payment_id in ("pay-1", "pay-2", "pay-3")}
    assert len(extras) == 3, extras


def test_jitter_differs_from_one_request_to_the_next_of_the_same_operation() -> None:
    policy_delay = timedelta(seconds=5)
    resends: list[Event] = [created(), sent(0), throttled(1)]
    first = _extra(resends, seconds(1), policy_delay)
    second = _extra([*resends, sent(10, attempt=2), throttled(11)], seconds(11), policy_delay)
    polls = _first_poll("pay-1")
    poll_extras = [_extra(polls, seconds(1), timedelta(seconds=10))]
    for n, at in enumerate((20, 40, 60)):
        polls = [*polls, sent(at, "poll", attempt=n + 1), poll_pending(at + 1)]
        poll_extras.append(_extra(polls, seconds(at + 1), timedelta(seconds=2)))
    requeries = _next_requery("pay-1")
    requery_extras = [_extra(requeries, seconds(7), timedelta(seconds=30))]
    requeries = [*requeries, sent(100, "requery"), pending(101)]
    requery_extras.append(_extra(requeries, seconds(101), timedelta(seconds=30)))
    assert first != second
    assert len(set(poll_extras)) == len(poll_extras), poll_extras
    assert len(set(requery_extras)) == len(requery_extras), requery_extras
