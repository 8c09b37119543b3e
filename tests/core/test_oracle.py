"""The oracle fails on bad histories: for every invariant, a hand-built violating story (or a broken decider or
fold, patched in) and the invariant raising. A check that cannot fail proves nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest

import payfold._invariants as invariants
from payfold import (
    ChargeAccepted,
    ChargeRejected,
    Event,
    LongRequestStarted,
    NotProcessed,
    Payment,
    PaymentFailed,
    PaymentSettled,
    Policy,
    PollCompleted,
    Requery,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequestSent,
    ReviewRequired,
    SendCharge,
    Status,
    Step,
)
from payfold.testing import (
    InvariantViolation,
    check_due_times,
    check_failed_only_on_evidence,
    check_history,
    check_no_double_charge,
    check_requery_after_poll_completed,
    check_settled_only_on_confirmation,
    check_verdicts_absorbing,
    created,
    seconds,
    wire,
)
from tests._events import charge, not_found, requery, timeout

POLICY = Policy(jitter=0.0, ambiguity_delay=timedelta(seconds=60), not_found_grace=timedelta(minutes=10))
Check = Callable[[Sequence[Event], Policy], None]


def failed_requery(at: float) -> RequeryFailed:
    return RequeryFailed(at=seconds(at), wire=wire("requery", seconds(at), status=502), reason="nginx")


def confirmed(at: float, amount: int = 450_000) -> RequeryConfirmed:
    return RequeryConfirmed(
        at=seconds(at), wire=wire("requery", seconds(at)), provider_ref="t", reference="order-1", amount=amount,
        currency="XTS",
    )  # fmt: skip


def declined(at: float) -> RequeryDeclined:
    return RequeryDeclined(at=seconds(at), wire=wire("requery", seconds(at)), reason="declined")


def three_not_found(start: float, gap: float) -> list[Event]:
    return [e for n in range(3) for e in (requery(start + n * gap), not_found(start + n * gap + 1))]


AFTER_TIMEOUT: list[Event] = [created(), charge(0), timeout(25)]


def fails(check: Check, history: Sequence[Event], rule: str) -> None:
    with pytest.raises(InvariantViolation) as raised:
        check(history, POLICY)
    assert raised.value.invariant == rule, raised.value


# --- 5. no double charge ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "history",
    [
        pytest.param([*AFTER_TIMEOUT, charge(90, 2)], id="resend-after-a-timeout"),
        pytest.param([*AFTER_TIMEOUT, *three_not_found(90, 60), charge(300, 2)], id="not-found-within-the-grace"),
        pytest.param(
            [*AFTER_TIMEOUT, *three_not_found(90, 60), requery(700), failed_requery(701), charge(702, 2)],
            id="grace-met-only-by-a-failed-requery",
        ),
        pytest.param(
            [
                *AFTER_TIMEOUT,
                *three_not_found(300, 200),
                charge(800, 2),
                ChargeAccepted(at=seconds(801), wire=wire("charge", seconds(801))),
                requery(1500),
                failed_requery(1501),
                charge(1502, 3),
            ],
            id="run-of-charge-1-carried-over-to-charge-2",
        ),
        pytest.param(
            [
                *AFTER_TIMEOUT,
                *three_not_found(300, 200),
                ChargeAccepted(at=seconds(750), wire=wire("charge", seconds(750))),
                charge(800, 2),
            ],
            id="late-charge-answer-after-the-run",
        ),
        pytest.param(
            [
                created(),
                charge(0),
                NotProcessed(at=seconds(1), wire=wire("charge", seconds(1), status=429), reason="429"),
                charge(6, 2),
                NotProcessed(at=seconds(7), wire=wire("charge", seconds(7), status=429), reason="429"),
                charge(12, 3),
                NotProcessed(at=seconds(13), wire=wire("charge", seconds(13), status=429), reason="429"),
                charge(18, 4),
            ],
            id="beyond-max-charge-attempts",
        ),
        pytest.param(
            [
                *AFTER_TIMEOUT,
                ReviewRequired(at=seconds(30), reason="deadline"),
                *three_not_found(300, 200),
                charge(800, 2),
            ],
            id="resend-after-a-review",
        ),
    ],
)
def test_no_double_charge_fails_on_a_forbidden_resend(history: list[Event]) -> None:
    fails(check_no_double_charge, history, "no double charge")


def test_no_double_charge_accepts_the_rule_resends() -> None:
    check_no_double_charge([*AFTER_TIMEOUT, *three_not_found(300, 200), charge(800, 2)], POLICY)
    throttled = NotProcessed(at=seconds(1), wire=wire("charge", seconds(1), status=429), reason="429")
    check_no_double_charge([created(), charge(0), throttled, charge(6, 2)], POLICY)


def test_no_double_charge_judges_what_next_step_proposes(monkeypatch: pytest.MonkeyPatch) -> None:
    def reckless(state: Payment, policy: Policy) -> Step:
        return SendCharge(due=state.last_at)

    monkeypatch.setattr(invariants, "next_step", reckless)
    fails(check_no_double_charge, AFTER_TIMEOUT, "no double charge")


# --- 2. failed only on evidence ----------------------------------------------------------------------------


def test_failed_only_on_evidence_fails_on_a_verdict_from_ambiguity() -> None:
    fails(
        check_failed_only_on_evidence,
        [*AFTER_TIMEOUT, PaymentFailed(at=seconds(30), reason="x")],
        "failed only on evidence",
    )


def test_failed_only_on_evidence_fails_when_a_refused_resend_fails_the_payment() -> None:
    refused = ChargeRejected(at=seconds(801), wire=wire("charge", seconds(801), status=400), reason="Token expired")
    history = [
        *AFTER_TIMEOUT,
        *three_not_found(300, 200),
        charge(800, 2),
        refused,
        PaymentFailed(at=seconds(801), reason="x"),
    ]
    fails(check_failed_only_on_evidence, history, "failed only on evidence")


def test_failed_only_on_evidence_accepts_a_rejected_first_charge() -> None:
    rejected = ChargeRejected(at=seconds(1), wire=wire("charge", seconds(1), status=401), reason="bad key")
    check_failed_only_on_evidence([created(), charge(0), rejected, PaymentFailed(at=seconds(1), reason="x")], POLICY)


# --- 3. settled only on confirmation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "history",
    [
        pytest.param([*AFTER_TIMEOUT, PaymentSettled(at=seconds(30))], id="no-confirmation"),
        pytest.param(
            [*AFTER_TIMEOUT, requery(90), confirmed(91, amount=1), PaymentSettled(at=seconds(91))], id="amount"
        ),
        pytest.param(
            [*AFTER_TIMEOUT, requery(90), declined(91), requery(95), confirmed(96), PaymentSettled(at=seconds(96))],
            id="declined-before",
        ),
    ],
)
def test_settled_only_on_confirmation_fails_without_an_exact_confirmation(history: list[Event]) -> None:
    fails(check_settled_only_on_confirmation, history, "settled only on confirmation")


# --- 4. verdicts are absorbing --------------------------------------------------------------------------------


def test_verdicts_absorbing_fails_on_a_decision_after_a_verdict() -> None:
    history = [
        *AFTER_TIMEOUT,
        requery(90),
        confirmed(91),
        PaymentSettled(at=seconds(91)),
        ReviewRequired(at=seconds(92), reason="deadline"),
    ]
    fails(check_verdicts_absorbing, history, "verdicts are absorbing")


def test_verdicts_absorbing_fails_when_the_fold_reaches_a_verdict_no_event_recorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The old table: a charge_rejected moved the status to failed by itself."""
    real = invariants.evolve  # type: ignore[attr-defined]

    def old_table(state: Payment | None, event: Event) -> Payment:
        after = real(state, event)
        if isinstance(event, ChargeRejected):
            from msgspec.structs import replace

            return replace(after, status=Status.FAILED)
        return after

    monkeypatch.setattr(invariants, "evolve", old_table)
    refused = ChargeRejected(at=seconds(1), wire=wire("charge", seconds(1), status=400), reason="no")
    fails(check_verdicts_absorbing, [created(), charge(0), refused], "verdicts are absorbing")


# --- 6. due times -------------------------------------------------------------------------------------------


def test_due_times_fail_on_a_requery_sooner_than_the_ambiguity_delay() -> None:
    fails(check_due_times, [*AFTER_TIMEOUT, requery(40)], "requery waits after an ambiguity")


def test_due_times_fail_on_a_step_due_before_the_latest_event(monkeypatch: pytest.MonkeyPatch) -> None:
    def early(state: Payment, policy: Policy) -> Step:
        return Requery(due=state.created_at)

    monkeypatch.setattr(invariants, "next_step", early)
    fails(check_due_times, AFTER_TIMEOUT, "due after the latest event")


# --- 7. requery after poll completed ------------------------------------------------------------------------


def test_requery_after_poll_completed_fails_on_another_poll() -> None:
    long = LongRequestStarted(
        at=seconds(2), wire=wire("charge", seconds(2)), ping_url="https://p.test/ping", wait=timedelta(seconds=5)
    )
    poll = RequestSent(at=seconds(8), operation="poll")
    done = PollCompleted(at=seconds(9), wire=wire("poll", seconds(9)))
    history: list[Event] = [created(), charge(0), long, poll, done, RequestSent(at=seconds(12), operation="poll")]
    fails(check_requery_after_poll_completed, history, "requery after poll completed")


def test_check_history_runs_every_rule() -> None:
    fails(check_history, [*AFTER_TIMEOUT, charge(90, 2)], "no double charge")
    fails(check_history, [*AFTER_TIMEOUT, PaymentSettled(at=seconds(30))], "settled only on confirmation")
