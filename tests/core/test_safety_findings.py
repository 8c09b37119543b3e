"""Issue 8's core findings, each a test named after it: the resend rule stated on the events, a refused resend
that is no verdict, and details that no one can change behind an event's back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from payfold import (
    ChargeAccepted,
    ChargeRejected,
    Conclude,
    Event,
    NotProcessed,
    PaymentFailed,
    Requery,
    RequeryFailed,
    RequeryNotFound,
    RequestSent,
    SendCharge,
    Status,
    encode,
    event_id,
    fold,
    next_step,
)
from payfold.adapters import tranzzo
from payfold.testing import check_history, created, given, seconds, wire
from tests._events import charge, requery, timeout

TRANZZO = tranzzo.POLICY
NGINX_503 = b"<html><head><title>503 Service Temporarily Unavailable</title></head><body>nginx</body></html>"


def not_found(at: float) -> RequeryNotFound:
    body = b'{"message":"Order not found","args":[]}'
    return RequeryNotFound(at=seconds(at), wire=wire("requery", seconds(at), status=404, body=body))


def nginx_503(at: float) -> RequeryFailed:
    return RequeryFailed(at=seconds(at), wire=wire("requery", seconds(at), status=503, body=NGINX_503), reason="nginx")


def requery_timeout(at: float) -> RequeryFailed:
    return RequeryFailed(
        at=seconds(at), wire=wire("requery", seconds(at), status=None, error="timeout"), reason="timeout"
    )


def not_found_run(start: float, count: int, gap: float, first_attempt: int = 1) -> list[RequestSent | RequeryNotFound]:
    events: list[RequestSent | RequeryNotFound] = []
    for n in range(count):
        at = start + n * gap
        events += [requery(at, first_attempt + n), not_found(at + 1)]
    return events


def test_a_charge_is_not_resent_after_the_resend_was_accepted_and_requeries_failed() -> None:
    """Finding 1, the minimal story: the not-found run of charge 1 must not carry over to charge 2."""
    late = TRANZZO.not_found_grace.total_seconds() + 60
    accepted = ChargeAccepted(
        at=seconds(late + 3), wire=wire("charge", seconds(late + 3), body=b'{"status_code":1000}'), code="1000"
    )
    history = [
        created(),
        charge(1),
        timeout(26),
        *not_found_run(90, 4, (late - 90) / 3),
        charge(late + 2, attempt=2),
        accepted,
        requery(late + 70, 5),
        nginx_503(late + 71),
        requery(late + late, 6),
        nginx_503(late + late + 1),  # past charge 2's send + grace: the old rule counted charge 1's run here
    ]
    step = next_step(fold(history), TRANZZO)
    assert not isinstance(step, SendCharge), step
    check_history(history, TRANZZO)  # the oracle agrees the history itself is fine


def test_a_charge_is_not_resent_when_the_grace_is_met_only_by_a_failed_requery() -> None:
    """Finding 1, second story: three not-found answers within 8 minutes, then a requery timeout at +24 min."""
    history: list[Event] = [
        created(),
        charge(0),
        timeout(25),
        requery(90, 1),
        not_found(91),
        requery(200, 2),
        not_found(201),
        requery(470, 3),
        not_found(471),
        requery(24 * 60, 4),
        requery_timeout(24 * 60 + 25),
    ]
    assert 471 < TRANZZO.not_found_grace.total_seconds() < 24 * 60
    step = next_step(fold(history), TRANZZO)
    assert isinstance(step, Requery), step


def test_a_refused_resend_does_not_fail_the_payment() -> None:
    """Finding 2: a rejection of charge 2 says nothing about charge 1, which was never shown absent."""
    grace = TRANZZO.not_found_grace.total_seconds()
    history = [created(), charge(0), timeout(25), *not_found_run(90, 3, grace / 2)]
    resend_at = history[-1].at
    assert isinstance(next_step(fold(history), TRANZZO), SendCharge)
    refused = ChargeRejected(
        at=resend_at + timedelta(seconds=2),
        wire=wire("charge", resend_at + timedelta(seconds=2), status=400, body=b'{"message":"Token expired"}'),
        reason="Token expired",
    )
    story = given(*history, RequestSent(at=resend_at, operation="charge", attempt=2), refused, policy=TRANZZO)
    state = story.then(status=Status.PENDING)
    step = next_step(state, TRANZZO)
    assert isinstance(step, Requery), step
    assert not isinstance(step, Conclude)


def test_a_rejected_first_charge_still_fails_the_payment() -> None:
    rejected = ChargeRejected(
        at=seconds(2), wire=wire("charge", seconds(2), status=401, body=b'{"message":"bad key"}'), reason="bad key"
    )
    step = next_step(fold([created(), charge(1), rejected]), TRANZZO)
    assert isinstance(step, Conclude) and isinstance(step.event, PaymentFailed), step


def test_a_rejection_after_charges_not_processed_fails_the_payment() -> None:
    throttled = NotProcessed(at=seconds(2), wire=wire("charge", seconds(2), status=429), reason="429")
    rejected = ChargeRejected(at=seconds(9), wire=wire("charge", seconds(9), status=400), reason="invalid token")
    step = next_step(fold([created(), charge(1), throttled, charge(8, 2), rejected]), TRANZZO)
    assert isinstance(step, Conclude) and isinstance(step.event, PaymentFailed), step


def test_mutating_state_details_cannot_change_a_stored_event() -> None:
    """Finding 6: details are shared between the event and the state; neither can be changed."""
    event = created(details={"token": "tok-1"})
    before = encode(event)
    state = fold([event])
    with pytest.raises(TypeError, match="immutable"):
        state.details["token"] = "tok-2"  # type: ignore[index]
    with pytest.raises(TypeError, match="immutable"):
        event.details.update(cvv="123")
    assert encode(event) == before
    assert event_id(encode(event)) == event_id(before)


def test_a_folded_payment_is_hashable() -> None:
    """Finding 6: ``hash(payment)`` raised because ``details`` was a dict."""
    state = fold([created(details={"token": "tok-1"}), charge(1)])
    assert hash(state) == hash(fold([created(details={"token": "tok-1"}), charge(1)]))
    assert {state} == {fold([created(details={"token": "tok-1"}), charge(1)])}
