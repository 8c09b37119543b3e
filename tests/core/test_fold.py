"""fold and evolve: examples beside the properties."""

from __future__ import annotations

import pytest

from payfold import (
    ChargeAccepted,
    ChargeDeclined,
    Event,
    IllegalTransition,
    PaymentFailed,
    PaymentSettled,
    RequestSent,
    ReviewRequired,
    SettledManually,
    Status,
    WebhookReceived,
    evolve,
    fold,
)
from payfold.testing import created, given, seconds, wire
from tests._events import settled_history


def test_first_event_must_be_created() -> None:
    with pytest.raises(IllegalTransition, match="before the first event") as info:
        fold([RequestSent(at=seconds(1), operation="charge")])
    assert info.value.status is None and info.value.tag == "request_sent"


def test_created_is_only_ever_the_first_event() -> None:
    with pytest.raises(IllegalTransition, match="only ever the first") as info:
        fold([created(), created()])
    assert info.value.status == "created" and info.value.tag == "created"


def test_illegal_transition_names_status_and_tag() -> None:
    with pytest.raises(IllegalTransition, match=r"'settled' is not allowed in status 'pending'") as info:
        fold([created(), RequestSent(at=seconds(1), operation="charge"), PaymentSettled(at=seconds(2))])
    assert (info.value.status, info.value.tag) == ("pending", "settled")


def test_empty_history_is_refused() -> None:
    with pytest.raises(ValueError, match="empty history"):
        fold([])


def test_early_webhook_is_kept_in_created() -> None:
    hook = WebhookReceived(at=seconds(1), wire=wire("webhook", seconds(1)), signature_valid=True)
    given(created(), hook).then(status=Status.CREATED, version=2, webhook_at=seconds(1))


def test_late_answers_after_a_verdict_are_recorded_and_contradictions_kept() -> None:
    settled = settled_history()
    late_ok = ChargeAccepted(at=seconds(30), wire=wire("charge", seconds(30)))
    late_bad = ChargeDeclined(at=seconds(31), wire=wire("charge", seconds(31)), code="05")
    state = given(*settled, late_ok, late_bad).then(status=Status.SETTLED, version=6)
    assert state.conflicts == (late_bad,) and state.conflict_count == 1


def test_verdict_after_a_verdict_is_illegal() -> None:
    state = fold(
        [created(), RequestSent(at=seconds(1), operation="charge"), SettledManually(at=seconds(2), operator="ops")]
    )
    for event in (PaymentFailed(at=seconds(3), reason="x"), ReviewRequired(at=seconds(3), reason="deadline")):
        with pytest.raises(IllegalTransition, match="in status 'settled'"):
            evolve(state, event)


def test_fold_continues_from_a_state() -> None:
    history: list[Event] = [
        created(),
        RequestSent(at=seconds(1), operation="charge"),
        ChargeAccepted(at=seconds(2), wire=wire("charge", seconds(2))),
    ]
    assert fold(history[2:], fold(history[:2])) == fold(history)
    assert fold(history).in_flight is None and fold(history[:2]).in_flight is not None
