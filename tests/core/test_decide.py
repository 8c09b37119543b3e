"""next_step: one test per rule of DESIGN section 4, named after the rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from payfold import (
    ActionRequired,
    ChargeAccepted,
    ChargeDuplicate,
    Conclude,
    Done,
    Event,
    LongRequestStarted,
    NotProcessed,
    OutcomeUnknown,
    PaymentFailed,
    PaymentSettled,
    Policy,
    Poll,
    PollCompleted,
    PollFailed,
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
    WebhookReceived,
    evolve,
    next_step,
)
from payfold.testing import created, given, seconds, wire

NO_JITTER = Policy(jitter=0.0)
TRANZZO_LIKE = Policy(jitter=0.0, ambiguity_delay=timedelta(seconds=60))


def sent(at: float, operation: str = "charge", attempt: int = 1) -> RequestSent:
    return RequestSent(at=seconds(at), operation=operation, attempt=attempt)  # type: ignore[arg-type]


def unknown(at: float, cause: str = "server_error", status: int | None = 500) -> OutcomeUnknown:
    return OutcomeUnknown(at=seconds(at), wire=wire("charge", seconds(at), status=status), cause=cause)


def confirmed(at: float, amount: int = 450_000, currency: str = "XTS", reference: str = "order-1") -> RequeryConfirmed:
    return RequeryConfirmed(
        at=seconds(at),
        wire=wire("requery", seconds(at)),
        provider_ref="tx-9",
        reference=reference,
        amount=amount,
        currency=currency,
    )


def not_found(at: float) -> RequeryNotFound:
    return RequeryNotFound(at=seconds(at), wire=wire("requery", seconds(at), status=404))


def test_created_payment_sends_its_first_charge_at_creation() -> None:
    given(created()).with_policy(NO_JITTER).then(status=Status.CREATED, step=SendCharge(due=seconds(0)))


def test_tranzzo_500_requeries_no_sooner_than_60_seconds_later() -> None:
    story = given(created(), sent(1), unknown(3)).with_policy(TRANZZO_LIKE)
    story.then(status=Status.PENDING, step=Requery(due=seconds(63)))


def test_ambiguous_charge_answer_is_never_resent() -> None:
    for cause, status in (("nginx", 502), ("timeout", None), ("cloudflare", 522), ("html", 200)):
        step = given(created(), sent(1), unknown(26, cause, status)).with_policy(NO_JITTER).step
        assert isinstance(step, Requery), (cause, step)


def test_accepted_declined_and_duplicate_charge_answers_are_verified_by_requery() -> None:
    accepted = ChargeAccepted(at=seconds(2), wire=wire("charge", seconds(2)))
    duplicate = ChargeDuplicate(at=seconds(2), wire=wire("charge", seconds(2), status=400), code="P-409")
    for answer in (accepted, duplicate):
        given(created(), sent(1), answer).with_policy(NO_JITTER).then(step=Requery(due=seconds(2 + 5)))


def test_429_resends_after_retry_after_with_the_same_reference() -> None:
    throttled = NotProcessed(
        at=seconds(2), wire=wire("charge", seconds(2), status=429), reason="429", retry_after=timedelta(seconds=30)
    )
    given(created(), sent(1), throttled).with_policy(NO_JITTER).then(step=SendCharge(due=seconds(32)))


def test_not_processed_without_advice_resends_on_the_policy_delay() -> None:
    refused = NotProcessed(at=seconds(2), wire=wire("charge", seconds(2), status=404), reason="404")
    given(created(), sent(1), refused).with_policy(NO_JITTER).then(step=SendCharge(due=seconds(7)))


def test_not_processed_after_max_charge_attempts_fails_the_payment() -> None:
    history: list[Event] = [created()]
    for n in range(3):
        history += [
            sent(10 * n, attempt=n + 1),
            NotProcessed(at=seconds(10 * n + 1), wire=wire("charge", seconds(10 * n + 1), status=429), reason="429"),
        ]
    step = given(*history).with_policy(NO_JITTER).step
    assert isinstance(step, Conclude) and isinstance(step.event, PaymentFailed)
    assert step.due == seconds(21) and step.event.at == step.due
    assert evolve(given(*history).state, step.event).status is Status.FAILED


def test_not_processed_after_an_ambiguous_charge_never_fails() -> None:
    story = given(
        created(),
        sent(0),
        unknown(30, "timeout", None),
        *[item for n in range(3) for item in (sent(100 + 700 * n, "requery"), not_found(101 + 700 * n))],
    ).with_policy(NO_JITTER)
    assert isinstance(story.step, SendCharge)
    resent = story.when(
        sent(2200, attempt=2),
        NotProcessed(at=seconds(2201), wire=wire("charge", seconds(2201), status=429), reason="429"),
    )
    resent = resent.when(
        sent(2210, attempt=3),
        NotProcessed(at=seconds(2211), wire=wire("charge", seconds(2211), status=429), reason="429"),
    )
    step = resent.step
    assert isinstance(step, Requery), step  # charge 1 may have moved money: keep asking, never fail


def test_long_request_first_poll_at_at_plus_wait() -> None:
    long_request = LongRequestStarted(
        at=seconds(5),
        wire=wire("charge", seconds(5)),
        ping_url="https://rave.test/ping/1",
        request_id="r1",
        wait=timedelta(milliseconds=7468),
    )
    story = given(created(provider="flutterwave"), sent(1), long_request).with_policy(NO_JITTER)
    story.then(status=Status.POLLING, step=Poll(url="https://rave.test/ping/1", due=seconds(12.468)))


def test_poll_pending_polls_again_on_the_backoff_then_requeries_after_max_polls() -> None:
    policy = Policy(jitter=0.0, max_polls=2, poll_backoff=(timedelta(seconds=3),))
    long_request = LongRequestStarted(at=seconds(5), wire=wire("charge", seconds(5)), ping_url="u", wait=timedelta(0))
    story = given(
        created(), sent(1), long_request, sent(5, "poll"), PollPending(at=seconds(6), wire=wire("poll", seconds(6)))
    ).with_policy(policy)
    story.then(step=Poll(url="u", due=seconds(9)))
    story = story.when(sent(9, "poll"), PollFailed(at=seconds(10), wire=wire("poll", seconds(10), status=502)))
    story.then(status=Status.POLLING, step=Requery(due=seconds(10)))


def test_requery_after_poll_completed_even_with_a_broken_inner_response() -> None:
    long_request = LongRequestStarted(
        at=seconds(5), wire=wire("charge", seconds(5)), ping_url="u", wait=timedelta(seconds=1)
    )
    done = PollCompleted(at=seconds(8), wire=wire("poll", seconds(8)), response='{"response_code": "02", broken')
    given(created(), sent(1), long_request, sent(6, "poll"), done).with_policy(NO_JITTER).then(
        step=Requery(due=seconds(8))
    )


def test_in_flight_request_past_the_timeout_is_ambiguous_and_requeried_not_resent() -> None:
    policy = Policy(jitter=0.0, timeout=timedelta(seconds=30), in_flight_grace=timedelta(seconds=15))
    given(created(), sent(1)).with_policy(policy).then(
        step=Requery(due=seconds(46)), in_flight=given(created(), sent(1)).state.in_flight
    )
    given(created(), sent(1), sent(50, "requery")).with_policy(policy).then(step=Requery(due=seconds(95)))


def test_not_found_grace_before_a_resend_with_the_same_reference() -> None:
    policy = Policy(jitter=0.0, not_found_answers=3, not_found_grace=timedelta(minutes=10))
    base: list[Event] = [created(), sent(0), unknown(30, "timeout", None)]
    early: list[Event] = [
        *base,
        sent(60, "requery"),
        not_found(61),
        sent(120, "requery"),
        not_found(121),
        sent(200, "requery"),
        not_found(201),
    ]
    assert isinstance(given(*early).with_policy(policy).step, Requery)  # three answers, but too soon after the charge
    late = [*early, sent(700, "requery"), not_found(701)]
    given(*late).with_policy(policy).then(step=SendCharge(due=seconds(701)))


def test_not_found_count_restarts_on_any_other_requery_answer() -> None:
    policy = Policy(jitter=0.0, not_found_answers=2, not_found_grace=timedelta(0))
    pending = RequeryPending(at=seconds(71), wire=wire("requery", seconds(71)))
    story = given(
        created(),
        sent(0),
        unknown(5),
        sent(40, "requery"),
        not_found(41),
        sent(70, "requery"),
        pending,
        sent(100, "requery"),
        not_found(101),
    )
    assert isinstance(story.with_policy(policy).step, Requery)
    assert story.state.not_found_streak == 1


def test_a_failed_requery_neither_counts_nor_breaks_the_not_found_run() -> None:
    policy = Policy(jitter=0.0, not_found_answers=2, not_found_grace=timedelta(0))
    failed = RequeryFailed(at=seconds(71), wire=wire("requery", seconds(71), status=502), reason="nginx")
    story = given(created(), sent(0), unknown(5), sent(40, "requery"), not_found(41), sent(70, "requery"), failed)
    assert story.state.not_found_streak == 1 and isinstance(story.with_policy(policy).step, Requery)
    story = story.when(sent(100, "requery"), not_found(101))
    story.with_policy(policy).then(not_found_streak=2, step=SendCharge(due=seconds(101)))


def test_duplicate_after_a_resend_goes_back_to_requerying() -> None:
    policy = Policy(jitter=0.0, not_found_answers=1, not_found_grace=timedelta(0))
    story = given(created(), sent(0), unknown(5), sent(40, "requery"), not_found(41), sent(41, attempt=2))
    story = story.when(ChargeDuplicate(at=seconds(42), wire=wire("charge", seconds(42), status=400), code="P-409"))
    story.with_policy(policy).then(step=Requery(due=seconds(47)))


def test_settled_only_on_exact_amount_currency_and_reference() -> None:
    story = given(created(), sent(1), unknown(3), sent(70, "requery"), confirmed(71)).with_policy(NO_JITTER)
    step = story.then(status=Status.REQUERIED) and story.step
    assert step == Conclude(event=PaymentSettled(at=seconds(71), provider_ref="tx-9"), due=seconds(71))


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (confirmed(71, amount=450_001), "amount_mismatch"),
        (confirmed(71, currency="USD"), "currency_mismatch"),
        (confirmed(71, reference="order-2"), "reference_mismatch"),
    ],
)
def test_review_on_mismatch_then_done(answer: RequeryConfirmed, reason: str) -> None:
    story = given(created(), sent(1), unknown(3), sent(70, "requery"), answer).with_policy(NO_JITTER)
    step = story.step
    assert isinstance(step, Conclude) and isinstance(step.event, ReviewRequired) and step.event.reason == reason
    story.when(step.event).then(status=Status.REQUERIED, needs_review=True, step=Done())


def test_review_on_contradiction() -> None:
    declined = RequeryDeclined(at=seconds(72), wire=wire("requery", seconds(72)), code="1002", reason="failure")
    step = given(created(), sent(1), unknown(3), sent(70, "requery"), confirmed(71), declined).step
    assert isinstance(step, Conclude) and isinstance(step.event, ReviewRequired)
    assert step.event.reason == "contradiction"


def test_declined_requery_fails_the_payment() -> None:
    declined = RequeryDeclined(
        at=seconds(71), wire=wire("requery", seconds(71)), code="failure", reason="insufficient funds"
    )
    step = given(created(), sent(1), unknown(3), sent(70, "requery"), declined).step
    assert step == Conclude(
        event=PaymentFailed(at=seconds(71), reason="declined failure insufficient funds"), due=seconds(71)
    )


def test_deadline_review_then_requery_on_the_slowest_cadence_never_resending() -> None:
    policy = Policy(
        jitter=0.0, deadline=timedelta(hours=1), requery_backoff=(timedelta(minutes=5), timedelta(minutes=30))
    )
    story = given(created(), sent(0), unknown(30)).with_policy(policy)
    pending = [
        item
        for n in range(3)
        for item in (
            sent(600 + 1200 * n, "requery"),
            RequeryPending(at=seconds(601 + 1200 * n), wire=wire("requery", seconds(601 + 1200 * n))),
        )
    ]
    story = story.when(*pending)
    step = story.step
    assert step == Conclude(
        event=ReviewRequired(at=seconds(3600), reason="deadline", detail="no verdict 1:00:00 after creation"),
        due=seconds(3600),
    )
    assert isinstance(step, Conclude)
    story = story.when(step.event)
    story.then(status=Status.PENDING, needs_review=True, step=Requery(due=seconds(3001 + 1800)))
    # a later confirmation still concludes as usual
    late = story.when(sent(5400, "requery"), confirmed(5401))
    late_step = late.step
    assert isinstance(late_step, Conclude) and isinstance(late_step.event, PaymentSettled)


def test_signed_webhook_moves_the_next_requery_earlier_but_not_past_a_minimum() -> None:
    story = given(
        created(),
        sent(0),
        ChargeAccepted(at=seconds(2), wire=wire("charge", seconds(2))),
        sent(7, "requery"),
        RequeryPending(at=seconds(8), wire=wire("requery", seconds(8))),
    )
    story = story.with_policy(Policy(jitter=0.0, requery_backoff=(timedelta(minutes=5),)))
    story.then(step=Requery(due=seconds(308)))
    hook = WebhookReceived(at=seconds(20), wire=wire("webhook", seconds(20)), signature_valid=True)
    story.when(hook).then(step=Requery(due=seconds(20)))
    forged = WebhookReceived(at=seconds(20), wire=wire("webhook", seconds(20)), signature_valid=False)
    story.when(forged).then(step=Requery(due=seconds(308)))
    # after a Tranzzo ambiguity, a webhook cannot pull the requery before the 60 s minimum
    ambiguous = given(created(), sent(0), unknown(3), hook).with_policy(TRANZZO_LIKE)
    ambiguous.then(step=Requery(due=seconds(63)))


def test_awaiting_customer_requery_at_customer_wait_and_cleared_by_the_next_answer() -> None:
    otp = ActionRequired(at=seconds(2), wire=wire("charge", seconds(2)), kind="otp")
    story = given(created(), sent(1), otp).with_policy(NO_JITTER)
    story.then(awaiting_customer="otp", step=Requery(due=seconds(2 + 15 * 60)))
    validated = story.when(sent(60, "validate"), ChargeAccepted(at=seconds(61), wire=wire("validate", seconds(61))))
    validated.then(awaiting_customer=None, step=Requery(due=seconds(66)))


def test_jitter_is_deterministic_and_only_adds_time() -> None:
    history = (created(), sent(1), unknown(3))
    a = next_step(given(*history).state, Policy(jitter=0.5, ambiguity_delay=timedelta(seconds=60)))
    b = next_step(given(*history).state, Policy(jitter=0.5, ambiguity_delay=timedelta(seconds=60)))
    assert a == b and isinstance(a, Requery)
    assert seconds(63) <= a.due <= seconds(93)
    other = next_step(
        given(created(payment_id="pay-2"), *history[1:]).state,
        Policy(jitter=0.5, ambiguity_delay=timedelta(seconds=60)),
    )
    assert isinstance(other, Requery) and other.due != a.due


def test_verdicts_are_done() -> None:
    story = given(created(), sent(1), unknown(3), sent(70, "requery"), confirmed(71), PaymentSettled(at=seconds(71)))
    story.then(status=Status.SETTLED, step=Done())


def test_poll_completed_is_requeried_even_after_a_resend_was_not_processed() -> None:
    # found by the invariant-7 property: the long request's completion is newer evidence than the 429
    long_request = LongRequestStarted(at=seconds(2), wire=wire("charge", seconds(2)), ping_url="u", wait=timedelta(0))
    throttled = NotProcessed(at=seconds(40), wire=wire("charge", seconds(40), status=429), reason="429")
    done = PollCompleted(at=seconds(45), wire=wire("poll", seconds(45)), response="{}")
    story = given(created(), sent(1), long_request, sent(3, "poll"), sent(39, attempt=2), throttled, done)
    story.with_policy(NO_JITTER).then(step=Requery(due=seconds(45)))


def test_exhausted_polls_still_wait_out_a_fresh_ambiguity() -> None:
    # found by the invariant-6 property: the poll budget was spent, then a late charge answer was ambiguous
    policy = Policy(jitter=0.0, max_polls=1)
    long_request = LongRequestStarted(at=seconds(0), wire=wire("charge", seconds(0)), ping_url="u", wait=timedelta(0))
    pending = PollPending(at=seconds(2), wire=wire("poll", seconds(2)))
    story = given(created(), sent(0), long_request, sent(1, "poll"), pending, unknown(2))
    story.with_policy(policy).then(status=Status.POLLING, step=Requery(due=seconds(2 + 30)))
