"""The simulation's checks catch what they claim to: each is shown failing on a world that breaks its promise."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from payfold import (
    Event,
    OutcomeUnknown,
    PaymentCreated,
    PaymentFailed,
    PaymentSettled,
    ProviderAnswer,
    RequeryConfirmed,
    RequestSent,
    Wire,
)
from payfold._store import AppendResult, StreamAppend
from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.sandbox._call import EXCHANGE_HEADER, Exchange
from payfold.adapters.sandbox._ledger import Ledger
from payfold.adapters.simulate import Settings, policy_for, run_seed
from payfold.adapters.simulate import _store as _simulate_store
from payfold.adapters.simulate._checks import (
    SeedResult,
    check_answers,
    check_money,
    check_rules,
    check_timeliness,
)
from payfold.adapters.simulate._net import Delivery

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def created(provider: str = "tranzzo", amount: int = 10_000) -> PaymentCreated:
    return PaymentCreated(
        at=T0, payment_id="pay-1", provider=provider, amount=amount, currency="UAH", reference="order-1",
        details={"cc_token": "t"},
    )  # fmt: skip


def answered(number: int) -> RequeryConfirmed:
    wire = Wire(operation="requery", status=200, headers=((EXCHANGE_HEADER, str(number)),), sent_at=T0, received_at=T0)
    return RequeryConfirmed(at=T0, wire=wire, provider_ref="p", reference="order-1", amount=10_000, currency="UAH")


def requery_answer(event: Event) -> bool:
    return isinstance(event, ProviderAnswer) and event.wire.operation == "requery"


def delivery(number: int, node: str) -> Delivery:
    return Delivery(number, node, "POST", "http://sandbox.sim/x", 0.1, 5.0)


def test_a_reckless_resend_policy_is_caught_by_the_ledger_not_by_its_own_rules(tmp_path: Path) -> None:
    """Resend after one not-found, at once: a late landing then meets a second charge. The oracle judges by the
    same policy, so it sees nothing wrong; the sandbox's ledger does."""
    reckless = {
        name: msgspec.structs.replace(policy_for(module), not_found_answers=1, not_found_grace=timedelta(0))
        for name, module in (("tranzzo", tranzzo), ("flutterwave", flutterwave))
    }
    for seed in range(60):
        result = run_seed(seed, Settings(policies=reckless), keep=str(tmp_path))
        if result.double_charges:
            break
    assert result.double_charges > 0 and result.failed
    assert any(story.startswith("double charge:") for story in result.stories)
    kept = Path(result.kept)  # a failing seed keeps its log for payfold audit / show
    assert kept.name == "log.db" and kept.exists() and kept.parent.parent == tmp_path


def test_answers_the_log_never_got_are_counted_lost(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A store that silently drops every requery answer: each one the network delivered is a lost answer."""
    append_many = _simulate_store.NodeStore.append_many

    async def lossy(self: _simulate_store.NodeStore, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        kept = [msgspec.structs.replace(a, events=[e for e in a.events if not requery_answer(e)]) for a in appends]
        return await append_many(self, kept)

    monkeypatch.setattr(_simulate_store.NodeStore, "append_many", lossy)
    result = run_seed(3, Settings(horizon=timedelta(hours=1)), keep=str(tmp_path))
    assert result.lost_answers > 0 and result.failed
    assert any(story.startswith("lost answer: exchange") and "requery" in story for story in result.stories)


def test_an_answer_cut_by_a_kill_is_not_lost_and_a_logged_one_is_neither() -> None:
    histories: dict[str, Sequence[Event]] = {"pay-1": [created(), answered(1)]}
    exchanges = [Exchange(number=n, method="POST", path="/p", provider="tranzzo") for n in (1, 2, 3)]
    deliveries = [delivery(1, "w0.0"), delivery(2, "w1.0"), delivery(3, "w2.0")]
    result = SeedResult(seed=0, payments=1)
    check_answers(result, histories, deliveries, exchanges, killed={"w1.0"})
    assert (result.lost_answers, result.answers_cut_by_kill, result.deliveries) == (1, 1, 3)
    assert result.stories == ["lost answer: exchange 3 (tranzzo  , fault none) reached w2.0 alive; not in the log"]


def test_an_answer_delivered_after_the_client_timeout_is_counted() -> None:
    result = SeedResult(seed=0, payments=1)
    late = Delivery(1, "w0.0", "POST", "http://sandbox.sim/x", 7.5, 5.0)
    check_answers(result, {"pay-1": [created(), answered(1)]}, [late], [Exchange(1, "POST", "/p")], set())
    assert result.timeout_overruns == 1 and not result.failed


def ledger_with(amount: int = 10_000, currency: str = "UAH", repeats: int = 0) -> Ledger:
    ledger = Ledger()
    ledger.attempt("tranzzo", "order-1")
    ledger.apply("tranzzo", "order-1", amount=amount, currency=currency, at=T0)
    for _ in range(repeats):
        ledger.attempt("tranzzo", "order-1")
    return ledger


def test_a_charge_request_reaching_money_already_moved_is_a_double_charge() -> None:
    result = SeedResult(seed=0, payments=1)
    settled: list[Event] = [created(), answered(1), PaymentSettled(at=T0, provider_ref="p")]
    check_money(result, {"pay-1": settled}, ledger_with(repeats=1))
    assert result.double_charges == 1 and result.ledger_mismatches == 0 and result.failed


@pytest.mark.parametrize(
    ("events", "ledger", "problem"),
    [
        ([PaymentSettled(at=T0, provider_ref="p")], Ledger(), "settled but not charged"),
        ([PaymentFailed(at=T0, reason="declined")], ledger_with(), "failed but charged"),
        ([PaymentSettled(at=T0, provider_ref="p")], ledger_with(amount=9_999), "charged 9999 UAH"),
        ([PaymentSettled(at=T0, provider_ref="p")], ledger_with(currency="EUR"), "charged 10000 EUR"),
    ],
)
def test_verdicts_are_reconciled_against_the_ledger(events: list[Event], ledger: Ledger, problem: str) -> None:
    result, history = SeedResult(seed=0, payments=1), [created(), *events]
    check_money(result, {"pay-1": history}, ledger)
    assert result.ledger_mismatches == 1 and problem in result.stories[0]


def test_an_open_payment_is_under_review_or_unfinished_never_a_mismatch() -> None:
    result = SeedResult(seed=0, payments=1)
    check_money(result, {"pay-1": [created()]}, ledger_with())
    assert (result.ledger_mismatches, result.unfinished, result.under_review) == (0, 1, 0)


def test_the_oracle_judges_each_payment_from_its_raw_events() -> None:
    """A charge resent while the first one's outcome is unknown: the reference model names the broken rule."""
    sent = RequestSent(at=T0, operation="charge", attempt=1)
    unknown = OutcomeUnknown(
        at=T0 + timedelta(seconds=1), cause="timeout",
        wire=Wire(operation="charge", error="timeout", sent_at=T0, received_at=T0 + timedelta(seconds=1)),
    )  # fmt: skip
    resent = RequestSent(at=T0 + timedelta(seconds=2), operation="charge", attempt=2)
    result = SeedResult(seed=0, payments=1)
    check_rules(result, {"pay-1": [created(), sent, unknown, resent]}, {"tranzzo": policy_for(tranzzo)})
    assert sum(result.resend_violations.values()) == 1 and result.failed
    assert result.stories[0].startswith("rule broken: pay-1:")


def test_a_step_taken_long_after_it_was_due_is_counted_late_but_breaks_nothing() -> None:
    policies = {"tranzzo": policy_for(tranzzo)}
    on_time = SeedResult(seed=0, payments=1)
    check_timeliness(
        on_time, {"pay-1": [created(), RequestSent(at=T0 + timedelta(seconds=30), operation="charge")]}, policies
    )
    assert on_time.late_steps == 0
    late = SeedResult(seed=0, payments=1)
    check_timeliness(
        late, {"pay-1": [created(), RequestSent(at=T0 + timedelta(minutes=15), operation="charge")]}, policies
    )
    assert (late.late_steps, late.latest_step, late.failed) == (1, 900.0, False)
    assert late.notes == [
        "late step: pay-1: request_sent at +900 s, 900 s after it was due (the event before it: created)"
    ]
