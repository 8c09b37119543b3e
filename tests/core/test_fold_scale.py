"""The fold at scale: a mutable draft frozen once, a state that does not grow with the history."""

from __future__ import annotations

import msgspec
from hypothesis import given as hypothesis_given
from hypothesis import settings

from payfold import (
    ChargeAccepted,
    ChargeDeclined,
    Event,
    InFlight,
    OutcomeUnknown,
    PaymentFailed,
    RequeryConfirmed,
    RequeryDeclined,
    RequestSent,
    Status,
    WebhookReceived,
    evolve,
    fold,
)
from payfold._payment import CONFLICTS_KEPT, Draft, Payment
from payfold.testing import created, seconds, table_walks, wire
from tests._events import settled_history

SETTLED: list[Event] = settled_history()


def late_answers(count: int) -> list[Event]:
    """``count`` answers after the verdict, alternating a contradiction and a signed webhook, one second apart."""
    answers: list[Event] = []
    for i in range(count):
        at = seconds(100 + i)
        if i % 2:
            answers.append(WebhookReceived(at=at, wire=wire("webhook", at), signature_valid=True))
        else:
            answers.append(ChargeDeclined(at=at, wire=wire("charge", at), code="05"))
    return answers


def test_draft_mirrors_every_payment_field_with_its_default() -> None:
    fields = msgspec.structs.fields(Payment)
    assert list(Draft.__annotations__) == [f.name for f in fields]
    for f in fields:
        if f.default is not msgspec.NODEFAULT:
            assert getattr(Draft, f.name) is f.default, f.name
        else:
            assert f.name not in vars(Draft), f.name


def test_contradictions_after_a_verdict_are_counted_and_the_first_few_kept() -> None:
    late = late_answers(2 * CONFLICTS_KEPT + 6)
    state = fold([*SETTLED, *late])
    contradictions = [e for e in late if isinstance(e, ChargeDeclined)]
    assert state.conflict_count == len(contradictions) == CONFLICTS_KEPT + 3
    assert state.conflicts == tuple(contradictions[:CONFLICTS_KEPT])
    assert (state.status, state.version, state.last_at) == (Status.SETTLED, len(SETTLED) + len(late), late[-1].at)


def test_a_confirmation_after_failed_is_a_contradiction_and_a_decline_is_not() -> None:
    failed: list[Event] = [
        created(),
        RequestSent(at=seconds(1), operation="charge"),
        PaymentFailed(at=seconds(2), reason="declined"),
    ]
    confirmed = RequeryConfirmed(
        at=seconds(3), wire=wire("requery", seconds(3)), provider_ref="1", reference="order-1", amount=1, currency="XTS"
    )
    declined = RequeryDeclined(at=seconds(4), wire=wire("requery", seconds(4)))
    accepted = ChargeAccepted(at=seconds(5), wire=wire("charge", seconds(5)))
    state = fold([*failed, confirmed, declined, accepted])
    assert state.conflicts == (confirmed, accepted) and state.conflict_count == 2
    assert state.confirmed is None  # recorded, never applied


def test_the_folded_state_does_not_grow_with_late_answers() -> None:
    states = [fold([*SETTLED, *late_answers(n)]) for n in (40, 400, 4_000)]
    assert [s.version for s in states] == [len(SETTLED) + n for n in (40, 400, 4_000)]
    sizes = {
        len(msgspec.json.encode(msgspec.structs.replace(s, version=0, conflict_count=0))) for s in states
    }  # counts aside
    assert len(sizes) == 1


def test_a_request_in_flight_is_an_in_flight_value_not_the_event() -> None:
    sent = RequestSent(at=seconds(1), operation="charge", attempt=2, url="https://psp/charge", sender="w1")
    state = fold([created(), sent])
    assert type(state.in_flight) is InFlight
    assert state.in_flight == InFlight(operation="charge", attempt=2, at=seconds(1), url="https://psp/charge")
    assert evolve(fold([created()]), sent) == state


def test_an_answer_for_another_operation_leaves_the_request_in_flight() -> None:
    sent = RequestSent(at=seconds(1), operation="requery")
    timeout = OutcomeUnknown(at=seconds(2), wire=wire("charge", seconds(2), status=None, error="t"), cause="timeout")
    state = fold([created(), sent, timeout])
    assert state.in_flight == InFlight(operation="requery", attempt=1, at=seconds(1))
    assert state.ambiguous_at == seconds(2)


def test_a_webhook_request_is_never_in_flight() -> None:
    state = fold([created(), RequestSent(at=seconds(1), operation="webhook")])
    assert state.in_flight is None and state.status is Status.PENDING


@settings(max_examples=300, deadline=None)
@hypothesis_given(table_walks(max_len=40))
def test_evolve_one_event_at_a_time_equals_one_fold(history: list[Event]) -> None:
    state = None
    for event in history:
        state = evolve(state, event)
    assert state == fold(history) and hash(state) == hash(fold(history))


@settings(max_examples=300, deadline=None)
@hypothesis_given(table_walks(max_len=40))
def test_conflicts_match_a_count_over_the_raw_events(history: list[Event]) -> None:
    """An independent count: after the first verdict event, the answers that say the opposite."""
    verdict: Status | None = None
    opposite: list[Event] = []
    against = {Status.SETTLED: (RequeryDeclined, ChargeDeclined), Status.FAILED: (RequeryConfirmed, ChargeAccepted)}
    for event in history:
        name = type(event).__name__
        if verdict is not None and isinstance(event, against[verdict]):
            opposite.append(event)
        elif verdict is None and name in ("PaymentSettled", "SettledManually"):
            verdict = Status.SETTLED
        elif verdict is None and name in ("PaymentFailed", "FailedManually"):
            verdict = Status.FAILED
    state = fold(history)
    assert state.conflict_count == len(opposite)
    assert state.conflicts == tuple(opposite[:CONFLICTS_KEPT])
    assert state.last_at == max(e.at for e in history)
    assert state.version == len(history)
