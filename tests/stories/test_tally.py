"""The stories' own tally counts what it must: hand-built histories that break (or keep) each promise."""

from __future__ import annotations

from payfold import (
    ChargeAccepted,
    ChargeRejected,
    Event,
    NotProcessed,
    PaymentFailed,
    PaymentSettled,
    Policy,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
)
from payfold.adapters import tranzzo
from payfold.testing import created, seconds, wire
from tests._events import charge, not_found, requery, timeout
from tests.stories._machine import tally

POLICY: Policy = tranzzo.POLICY  # 3 not-found answers, 10 minutes of grace
MINUTE = 60


def requery_503(at: float) -> RequeryFailed:
    return RequeryFailed(at=seconds(at), wire=wire("requery", seconds(at), status=503), reason="nginx")


def not_founds(*minutes: float) -> list[Event]:
    events: list[Event] = []
    for minute in minutes:
        events += [requery(minute * MINUTE - 1), not_found(minute * MINUTE)]
    return events


def test_a_resend_after_an_accepted_resend_is_counted() -> None:
    """Issue 8, finding 1: four not-found answers allow charge 2; its success and two 503 pages allow nothing."""
    history: list[Event] = [created(), charge(0), timeout(40), *not_founds(2, 7, 22, 80), charge(81 * MINUTE)]
    history += [ChargeAccepted(at=seconds(81 * MINUTE + 1), wire=wire("charge", seconds(81 * MINUTE + 1)))]
    history += [requery(82 * MINUTE), requery_503(82 * MINUTE + 1), requery(90 * MINUTE), requery_503(90 * MINUTE + 1)]
    assert tally(history, POLICY).resends_outside_rule == 0
    assert tally([*history, charge(91 * MINUTE)], POLICY).resends_outside_rule == 1


def test_not_found_answers_within_the_grace_allow_no_resend() -> None:
    """Issue 8, finding 1: three not-found answers within 8 minutes of the charge, a requery timeout at +24 min."""
    history: list[Event] = [created(), charge(0), timeout(40), *not_founds(2, 5, 8)]
    history += [requery(24 * MINUTE - 40), requery_503(24 * MINUTE), charge(24 * MINUTE + 1)]
    assert tally(history, POLICY).resends_outside_rule == 1


def test_a_lost_charge_is_never_resent_without_the_not_found_rule() -> None:
    history: list[Event] = [created(), charge(0), *not_founds(2, 12), charge(13 * MINUTE)]
    assert tally(history, POLICY).resends_outside_rule == 1
    history = [created(), charge(0), *not_founds(2, 12, 13), charge(14 * MINUTE)]
    assert tally(history, POLICY).resends_outside_rule == 0


def test_resends_after_not_processed_are_allowed_up_to_the_attempts() -> None:
    def refused(at: float) -> NotProcessed:
        return NotProcessed(at=seconds(at), wire=wire("charge", seconds(at), status=429), reason="rate limited")

    history: list[Event] = [created(), charge(0), refused(1), charge(10), refused(11), charge(20)]
    assert tally(history, POLICY).resends_outside_rule == 0
    assert tally([*history, refused(21), charge(30)], POLICY).resends_outside_rule == 1  # a fourth charge


def test_a_refused_resend_is_no_verdict_while_an_earlier_charge_is_unresolved() -> None:
    """Issue 8, finding 2: charge 1 timed out, charge 2 (after the not-found rule) is refused: failing is a verdict
    from ambiguity."""
    rejected = ChargeRejected(
        at=seconds(31 * MINUTE), wire=wire("charge", seconds(31 * MINUTE), status=400), reason="x"
    )
    history: list[Event] = [created(), charge(0), timeout(40), *not_founds(2, 12, 30), charge(30 * MINUTE + 1)]
    history += [rejected]
    assert tally(history, POLICY).verdicts_from_ambiguity == 0
    failed = PaymentFailed(at=seconds(31 * MINUTE), reason="rejected")
    assert tally([*history, failed], POLICY).verdicts_from_ambiguity == 1
    rejected_first: list[Event] = [created(), charge(0), rejected, failed]
    assert tally(rejected_first, POLICY).verdicts_from_ambiguity == 0


def test_failed_needs_a_decline() -> None:
    history: list[Event] = [created(), charge(0), timeout(40), requery(100), requery_503(101)]
    failed = PaymentFailed(at=seconds(101), reason="declined")
    assert tally([*history, failed], POLICY).verdicts_from_ambiguity == 1
    declined = RequeryDeclined(at=seconds(101), wire=wire("requery", seconds(101)))
    assert tally([*history, declined, failed], POLICY).verdicts_from_ambiguity == 0


def test_settled_needs_an_exact_confirmation() -> None:
    def confirmed(amount: int) -> RequeryConfirmed:
        at = seconds(101)
        return RequeryConfirmed(
            at=at, wire=wire("requery", at), provider_ref="p", reference="order-1", amount=amount, currency="XTS"
        )

    history: list[Event] = [created(amount=450_000), charge(0), timeout(40), requery(100)]
    settled = PaymentSettled(at=seconds(101))
    assert tally([*history, confirmed(450_000), settled], POLICY).settlements_unconfirmed == 0
    assert tally([*history, confirmed(450_001), settled], POLICY).settlements_unconfirmed == 1
