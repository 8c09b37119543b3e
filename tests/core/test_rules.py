"""Rules as data: every step names its rule, the rule table is the docs page, provenance never changes ``==``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings

from payfold import (
    RULES,
    Conclude,
    Done,
    Event,
    OutcomeUnknown,
    Requery,
    RequestSent,
    SendCharge,
    Status,
    WebhookReceived,
    fold,
    next_step,
    timeline,
)
from payfold._explain import _ANCHORS, resolve
from payfold._rules import rules_page
from payfold.adapters.tranzzo import POLICY as TRANZZO
from payfold.testing import created, histories, seconds, wire
from tests._settings import examples

PAGE = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_committed_rules_page_equals_a_fresh_render() -> None:
    stale = "docs/rules.md is stale: run `payfold diagram --rules --write docs/rules.md`"
    assert PAGE.read_text() == rules_page(), stale


def test_rule_ids_are_stable_kebab_case_with_a_statement_and_a_source() -> None:
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        assert rule_id == rule_id.lower() and " " not in rule_id and "_" not in rule_id
        assert rule.statement.endswith(".") and "\n" not in rule.statement
        assert rule.source


@settings(max_examples=examples(300))
@given(histories())
def test_every_step_names_a_rule_and_its_basis_resolves_to_events_of_the_history(history: list[Event]) -> None:
    for moment in timeline(history, TRANZZO):
        step = moment.step
        assert step.rule in RULES, f"{type(step).__name__} names no known rule: {step.rule!r}"
        for anchor, _ in step.basis:
            assert anchor in _ANCHORS, f"{step.rule}: unknown anchor {anchor!r}"
        # Each anchor is found among the events up to this one (versions are 1-based and never in the future).
        assert len(moment.relied_on) >= min(1, len(step.basis))
        assert all(1 <= version <= moment.version for version in moment.relied_on)


def test_provenance_does_not_change_equality_or_hash() -> None:
    at = seconds(5)
    assert SendCharge(due=at, rule="first-charge") == SendCharge(due=at)
    assert hash(Requery(due=at, rule="ambiguity-wait", basis=(("ambiguity", at),))) == hash(Requery(due=at))
    assert Requery(due=at) != SendCharge(due=at)
    assert Requery(due=at) != Requery(due=seconds(6))
    assert Done(rule="verdict-final") == Done()


def test_tranzzo_500_names_the_ambiguity_wait_and_relies_on_the_500() -> None:
    history: list[Event] = [
        created(),
        RequestSent(at=seconds(1), operation="charge", attempt=1),
        OutcomeUnknown(at=seconds(2), wire=wire("charge", seconds(2), status=500), cause="server_error"),
    ]
    last = timeline(history, TRANZZO)[-1]
    assert isinstance(last.step, Requery)
    assert last.step.due >= seconds(2) + timedelta(seconds=60)
    assert last.rule.id == "ambiguity-wait"
    assert "500/503" in last.rule.source
    assert last.relied_on == (3,)


def test_a_webhook_brings_the_requery_forward_and_says_so() -> None:
    history: list[Event] = [
        created(),
        RequestSent(at=seconds(1), operation="charge", attempt=1),
        OutcomeUnknown(at=seconds(2), wire=wire("charge", seconds(2), status=500), cause="server_error"),
        RequestSent(at=seconds(70), operation="requery", attempt=1),
    ]
    state = fold(history)
    # An answer to the requery is pending; a signed webhook after it moves the in-flight requery no earlier than
    # the in-flight bound, so build the webhook case on an answered requery instead.
    from payfold import RequeryPending

    history.append(RequeryPending(at=seconds(71), wire=wire("requery", seconds(71))))
    history.append(WebhookReceived(at=seconds(80), wire=wire("webhook", seconds(80)), signature_valid=True))
    moments = timeline(history, TRANZZO)
    assert state.status is Status.PENDING
    assert moments[-1].rule.id == "webhook-brings-requery-forward"
    assert isinstance(moments[-1].step, Requery)
    assert moments[-1].step.due == seconds(80)
    assert 6 in moments[-1].relied_on


def test_settlement_names_the_exact_match_rule() -> None:
    from payfold import RequeryConfirmed

    payment = created()
    history: list[Event] = [
        payment,
        RequestSent(at=seconds(1), operation="charge", attempt=1),
        OutcomeUnknown(at=seconds(2), wire=wire("charge", seconds(2), status=504), cause="gateway_timeout"),
        RequestSent(at=seconds(70), operation="requery", attempt=1),
        RequeryConfirmed(
            at=seconds(71), wire=wire("requery", seconds(71)), provider_ref="tx", reference=payment.reference,
            amount=payment.amount, currency=payment.currency,
        ),
    ]  # fmt: skip
    last = timeline(history, TRANZZO)[-1]
    assert isinstance(last.step, Conclude)
    assert last.rule.id == "settle-on-exact-match"
    assert last.relied_on == (1, 5)


def test_timeline_until_stops_at_the_moment() -> None:
    history: list[Event] = [created(), RequestSent(at=seconds(1), operation="charge", attempt=1)]
    assert [m.version for m in timeline(history, TRANZZO, until=seconds(0))] == [1]
    assert len(timeline(history, TRANZZO)) == 2


def test_resolve_names_no_version_for_an_anchor_without_its_event() -> None:
    step = Requery(due=seconds(9), rule="ambiguity-wait", basis=(("ambiguity", seconds(3)),))
    assert resolve(step, [created()]) == ()
    assert next_step(fold([created()]), TRANZZO).rule == "first-charge"
