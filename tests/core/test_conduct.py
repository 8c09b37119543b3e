"""The conduct audit: each request against the step the policy allowed at its moment."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from payfold import (
    Done,
    Event,
    OutcomeUnknown,
    RequeryNotFound,
    RequestSent,
    conduct,
    fold,
    next_step,
)
from payfold.adapters.tranzzo import POLICY as TRANZZO
from payfold.testing import created, histories, seconds, wire
from tests._settings import examples


def _due(history: list[Event]) -> datetime:
    step = next_step(fold(history), TRANZZO)
    assert not isinstance(step, Done)
    return step.due


def _after_a_500() -> list[Event]:
    return [
        created(),
        RequestSent(at=seconds(1), operation="charge", attempt=1),
        OutcomeUnknown(at=seconds(2), wire=wire("charge", seconds(2), status=500), cause="server_error"),
    ]


def test_a_tranzzo_requery_sooner_than_a_minute_after_a_500_is_misconduct_naming_the_rule() -> None:
    history = [*_after_a_500(), RequestSent(at=seconds(32), operation="requery", attempt=1)]
    [found] = conduct(history, TRANZZO)
    assert found.version == 4
    assert found.rule == "ambiguity-wait"
    assert "due no sooner than" in found.detail


def test_a_requery_at_its_due_time_is_allowed() -> None:
    due = _due(_after_a_500())
    assert conduct([*_after_a_500(), RequestSent(at=due, operation="requery", attempt=1)], TRANZZO) == []


def test_a_charge_resent_after_an_ambiguity_is_misconduct() -> None:
    history = [*_after_a_500(), RequestSent(at=seconds(400), operation="charge", attempt=2)]
    [found] = conduct(history, TRANZZO)
    assert (found.version, found.rule) == (4, "ambiguity-wait")
    assert "a requery was due" in found.detail


def test_a_charge_resent_outside_the_not_found_rule_is_misconduct() -> None:
    # Two not-found answers where the Tranzzo policy needs three: the resend is not allowed yet.
    history: list[Event] = [*_after_a_500()]
    at = 70.0
    for attempt in (1, 2):
        history.append(RequestSent(at=seconds(at), operation="requery", attempt=attempt))
        history.append(RequeryNotFound(at=seconds(at + 1), wire=wire("requery", seconds(at + 1), status=404)))
        at = (_due(history) - seconds(0)).total_seconds() + 1
    history.append(RequestSent(at=seconds(at + 3600), operation="charge", attempt=2))
    found = conduct(history, TRANZZO)
    assert [(m.version, m.rule) for m in found] == [(len(history), "requery-backoff")]


def test_a_request_after_the_verdict_is_misconduct() -> None:
    from payfold import PaymentFailed

    history = [*_after_a_500(), PaymentFailed(at=seconds(3), reason="x")]
    history.append(RequestSent(at=seconds(90), operation="requery", attempt=1))
    assert [m.rule for m in conduct(history, TRANZZO)] == ["verdict-final"]


def test_validate_is_the_customers_act_and_never_judged() -> None:
    history = [*_after_a_500(), RequestSent(at=seconds(3), operation="validate", attempt=1)]
    assert conduct(history, TRANZZO) == []


@settings(max_examples=examples(300))
@given(histories(TRANZZO))
def test_histories_that_follow_next_step_have_no_misconduct(history: list[Event]) -> None:
    assert conduct(history, TRANZZO) == []


@settings(max_examples=examples(300))
@given(histories(TRANZZO), st.data())
def test_any_request_moved_before_its_due_is_found(history: list[Event], data: st.DataObject) -> None:
    """An independent mutation: take a request the runner sent, move it earlier than the step that was due (but
    not before the event preceding it), and the audit must name exactly that version."""
    candidates = []
    for index, event in enumerate(history):
        if isinstance(event, RequestSent) and event.operation in ("charge", "poll", "requery") and index > 0:
            due = _due(history[:index])
            earliest = max(e.at for e in history[:index])
            if due - earliest > timedelta(milliseconds=2):
                candidates.append((index, earliest, due))
    assume(candidates)
    index, earliest, due = data.draw(st.sampled_from(candidates))
    span_ms = int((due - earliest) / timedelta(milliseconds=1)) - 1
    moved_to = earliest + timedelta(milliseconds=data.draw(st.integers(0, span_ms)))
    request = history[index]
    assert isinstance(request, RequestSent)
    tampered = [*history[:index], RequestSent(at=moved_to, operation=request.operation, attempt=request.attempt,
                                              url=request.url), *history[index + 1 :]]  # fmt: skip
    assert index + 1 in [m.version for m in conduct(tampered, TRANZZO)]


def test_an_invariant_violation_names_the_index_of_the_event_it_judged() -> None:
    from payfold._invariants import InvariantViolation, check_no_double_charge

    history = [*_after_a_500(), RequestSent(at=seconds(400), operation="charge", attempt=2)]
    try:
        check_no_double_charge(history, TRANZZO)
    except InvariantViolation as violation:
        assert violation.index == 3 and violation.invariant == "no double charge"
    else:
        raise AssertionError("a charge resent after an ambiguity passed the no-double-charge invariant")
