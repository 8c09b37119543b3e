"""DESIGN section 8, invariants 1-8, as Hypothesis properties over generated histories."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from payfold import DEFAULT_POLICY, Event, Policy, decode, encode, fold
from payfold._jitter import jittered
from payfold.testing import (
    check_due_times,
    check_failed_only_on_evidence,
    check_fold,
    check_history,
    check_machine_agrees,
    check_no_double_charge,
    check_requery_after_poll_completed,
    check_settled_only_on_confirmation,
    check_verdicts_absorbing,
    events,
    histories,
    table_walks,
)
from tests._settings import examples

TRANZZO_LIKE = Policy(ambiguity_delay=timedelta(seconds=60), timeout=timedelta(seconds=40))
FAST = Policy(
    not_found_answers=1,
    not_found_grace=timedelta(0),
    max_polls=2,
    deadline=timedelta(minutes=10),
    requery_backoff=(timedelta(seconds=5), timedelta(seconds=30)),
)
"""A policy that reaches resends, poll exhaustion and deadlines within a short history."""

policies = st.sampled_from([DEFAULT_POLICY, TRANZZO_LIKE, FAST])
HISTORIES = examples(3_000)
"""Histories for the one walk that judges every invariant at once (``check_history``)."""
EACH = examples(500)
"""Histories for each invariant on its own (each failure then names its invariant in the test's name)."""


@settings(max_examples=HISTORIES)
@given(st.data(), policies)
def test_2_to_7_every_invariant_in_one_walk_of_the_oracle(data: st.DataObject, policy: Policy) -> None:
    check_history(data.draw(histories(policy)), policy)


@settings(max_examples=examples(1_000))
@given(histories())
def test_1_fold_is_total_deterministic_and_incremental(history: list[Event]) -> None:
    check_fold(history)


@settings(max_examples=examples(500))
@given(table_walks())
def test_1_fold_is_total_over_every_walk_of_the_table(history: list[Event]) -> None:
    check_fold(history)
    check_verdicts_absorbing(history)


@settings(max_examples=EACH)
@given(st.data(), policies)
def test_2_failed_only_on_evidence_never_on_ambiguity(data: st.DataObject, policy: Policy) -> None:
    check_failed_only_on_evidence(data.draw(histories(policy)), policy)


@settings(max_examples=EACH)
@given(st.data(), policies)
def test_3_settled_only_on_an_exact_confirmation(data: st.DataObject, policy: Policy) -> None:
    check_settled_only_on_confirmation(data.draw(histories(policy)), policy)


@settings(max_examples=EACH)
@given(st.data(), policies)
def test_4_verdicts_are_absorbing(data: st.DataObject, policy: Policy) -> None:
    check_verdicts_absorbing(data.draw(histories(policy)), policy)


@settings(max_examples=EACH)
@given(st.data(), policies)
def test_5_no_resend_of_a_charge_whose_outcome_is_unknown(data: st.DataObject, policy: Policy) -> None:
    check_no_double_charge(data.draw(histories(policy)), policy)


@settings(max_examples=EACH)
@given(st.data(), policies)
def test_6_due_times_follow_the_history_and_the_ambiguity_minimum(data: st.DataObject, policy: Policy) -> None:
    check_due_times(data.draw(histories(policy)), policy)


@settings(max_examples=EACH)
@given(st.data(), policies)
def test_7_requery_after_poll_completed(data: st.DataObject, policy: Policy) -> None:
    check_requery_after_poll_completed(data.draw(histories(policy)), policy)


def test_8_compiled_table_equals_the_transitions_machine_and_is_total() -> None:
    check_machine_agrees()


@settings(max_examples=examples(2_000))
@given(
    st.integers(0, 10**12),
    st.floats(0, 1),
    st.text(max_size=8),
    st.sampled_from(["poll", "requery"]),
    st.integers(0, 50),
)
def test_6_jitter_never_shortens_a_delay(micros: int, fraction: float, payment_id: str, operation: str, n: int) -> None:
    delay = timedelta(microseconds=micros)
    value = jittered(delay, fraction, payment_id, operation, n)
    assert delay <= value <= delay * (1 + fraction) + timedelta(microseconds=1)
    assert value == jittered(delay, fraction, payment_id, operation, n)


@settings(max_examples=examples(3_000))
@given(events())
def test_11_encode_decode_round_trips_every_event(event: Event) -> None:
    assert decode(encode(event)) == event
    assert encode(decode(encode(event))) == encode(event)


@settings(max_examples=examples(500))
@given(histories())
def test_replayed_log_gives_the_same_state(history: list[Event]) -> None:
    assert fold(decode(encode(e)) for e in history) == fold(history)
