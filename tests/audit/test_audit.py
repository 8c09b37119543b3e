"""The audit's judgements, one history at a time: conduct, replay, invariants, reviews, decisions, due rows,
unreadable rows, and the checkpoint's rules for being rewritten. Memory store unless the case needs raw SQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payfold import (
    ChargeAccepted,
    Event,
    Operation,
    OutcomeUnknown,
    PaymentSettled,
    Requery,
    RequeryConfirmed,
    RequeryDeclined,
    RequestSent,
    ReviewRequired,
    SettledManually,
    fold,
    next_step,
)
from payfold.adapters.audit import AuditReport, Finding
from payfold.adapters.audit._audit import audit
from payfold.adapters.audit._checkpoint import CheckpointError
from payfold.adapters.audit._source import AuditSource
from payfold.adapters.cli import policy_of
from payfold.adapters.cli._report import audit as audit_in_memory
from payfold.adapters.cli._report import streams
from payfold.adapters.stores._chain import ChainKeyError
from payfold.adapters.stores.memory import MemoryStore
from payfold.adapters.stores.sqlite import SqliteStore
from payfold.testing import created, seconds, wire
from tests.audit._logs import KEY, SqliteLog, audited, seed, stream
from tests.cli._logs import T0, build, history


def _sent(at: float, operation: Operation, attempt: int = 1) -> RequestSent:
    return RequestSent(at=seconds(at), operation=operation, attempt=attempt)


def _settled_by_evidence(pid: str) -> list[Event]:
    return [
        created(payment_id=pid),
        _sent(1, "charge"),
        ChargeAccepted(at=seconds(2), wire=wire("charge", seconds(2)), provider_ref="tx"),
        _sent(10, "requery"),
        RequeryConfirmed(
            at=seconds(11), wire=wire("requery", seconds(11)), provider_ref="tx", reference="order-1",
            amount=450_000, currency="XTS",
        ),
        PaymentSettled(at=seconds(11), provider_ref="tx"),
    ]  # fmt: skip


async def _audit_of(histories: dict[str, list[Event]], *, due: dict[str, datetime] | None = None) -> AuditReport:
    store = MemoryStore()
    for pid, events in histories.items():
        await store.append(pid, events, expected_version=0, due=(due or {}).get(pid))
    return await audit(store, policy_of, log="memory")


def _named(report: AuditReport, kind: str) -> list[tuple[str, int | None, str | None]]:
    return [(f.stream, f.version, f.rule) for f in report.findings if f.kind == kind]


async def test_a_clean_history_has_no_finding() -> None:
    report = await _audit_of({"pay-1": _settled_by_evidence("pay-1")})
    assert report.ok and report.statuses == {"settled": 1} and (report.streams, report.events) == (1, 6)


async def test_a_requery_sooner_than_a_minute_after_a_tranzzo_500_is_misconduct() -> None:
    events: list[Event] = [
        created(payment_id="pay-1"),
        _sent(1, "charge"),
        OutcomeUnknown(at=seconds(2), wire=wire("charge", seconds(2), status=500), cause="server_error"),
        _sent(12, "requery"),
    ]
    report = await _audit_of({"pay-1": events}, due={"pay-1": seconds(100)})
    assert ("pay-1", 4, "ambiguity-wait") in _named(report, "conduct")
    [finding] = [f for f in report.findings if f.kind == "conduct"]
    assert "due no sooner than" in finding.detail and seconds(62).isoformat()[:19] in finding.detail


async def test_a_payment_is_judged_by_the_policy_it_recorded() -> None:
    """The same early requery, in a payment created under a policy with a 5 s ambiguity delay: no misconduct."""
    quick = msgspec.structs.replace(policy_of("tranzzo"), name="quick", ambiguity_delay=timedelta(seconds=5))
    first = msgspec.structs.replace(created(payment_id="pay-1"), policy=quick)
    events: list[Event] = [
        first,
        _sent(1, "charge"),
        OutcomeUnknown(at=seconds(2), wire=wire("charge", seconds(2), status=500), cause="server_error"),
        _sent(12, "requery"),
    ]
    report = await _audit_of({"pay-1": events}, due={"pay-1": seconds(40)})
    assert not _named(report, "conduct") and not _named(report, "invariant"), report.findings


async def test_a_charge_resent_outside_the_not_found_rule_is_misconduct() -> None:
    events: list[Event] = [
        created(payment_id="pay-1"),
        _sent(1, "charge"),
        OutcomeUnknown(at=seconds(31), wire=wire("charge", seconds(31), status=None, error="timeout"), cause="timeout"),
        _sent(200, "charge", attempt=2),
    ]
    report = await _audit_of({"pay-1": events}, due={"pay-1": seconds(300)})
    [finding] = [f for f in report.findings if f.kind == "conduct"]
    assert (finding.stream, finding.version, finding.rule) == ("pay-1", 4, "ambiguity-wait")
    assert "charge sent" in finding.detail and "but a requery was due" in finding.detail


async def test_an_event_the_machine_refuses_is_a_replay_finding_at_its_version() -> None:
    events: list[Event] = [
        created(payment_id="pay-1"),
        _sent(1, "charge"),
        PaymentSettled(at=seconds(2), provider_ref="tx"),
    ]
    report = await _audit_of({"pay-1": events, "pay-2": _settled_by_evidence("pay-2")})
    assert _named(report, "replay") == [("pay-1", 3, None)]
    assert "not allowed in status 'pending'" in report.findings[0].detail
    assert report.statuses == {"settled": 1}  # the other payment is judged as usual


async def test_a_settlement_after_a_decline_breaks_an_invariant_named_by_its_rule() -> None:
    events = _settled_by_evidence("pay-1")
    events[4] = RequeryDeclined(at=seconds(11), wire=wire("requery", seconds(11)), code="05", reason="declined")
    report = await _audit_of({"pay-1": events})
    [(stream_, version, rule)] = _named(report, "invariant")
    assert (stream_, version) == ("pay-1", 6) and rule  # the settled event, judged by its invariant's name


async def test_reviews_and_decisions_are_listed() -> None:
    def mismatch(pid: str) -> list[Event]:
        events = _settled_by_evidence(pid)[:5]
        confirmed = events[4]
        assert isinstance(confirmed, RequeryConfirmed)
        events[4] = RequeryConfirmed(
            at=confirmed.at, wire=confirmed.wire, provider_ref="tx", reference="order-1", amount=1, currency="XTS"
        )
        return [*events, ReviewRequired(at=seconds(11), reason="amount_mismatch")]

    decided = [*mismatch("pay-2"), SettledManually(at=seconds(99), operator="ana", note="bank statement")]
    report = await _audit_of({"pay-1": mismatch("pay-1"), "pay-2": decided})
    assert report.ok, report.findings
    [review] = report.reviews
    assert (review.stream, review.reason, review.since, review.last_answer) == (
        "pay-1", "amount_mismatch", seconds(11), "requery_confirmed",
    )  # fmt: skip
    [decision] = report.decisions
    assert (decision.stream, decision.version, decision.outcome, decision.operator, decision.note) == (
        "pay-2", 7, "settled", "ana", "bank statement",
    )  # fmt: skip


async def test_an_open_payment_needs_a_due_row_no_later_than_its_step() -> None:
    names = ("kept", "early", "missing", "late")
    histories: dict[str, list[Event]] = {name: [created(payment_id=name), _sent(1, "charge")] for name in names}
    step = next_step(fold(histories["kept"]), policy_of("tranzzo"))  # in flight: a requery after timeout + grace
    assert isinstance(step, Requery)
    due = {"kept": step.due, "early": step.due - timedelta(minutes=1), "late": step.due + timedelta(seconds=1)}
    report = await _audit_of(histories, due=due)
    assert _named(report, "due") == [("late", 2, "in-flight-is-ambiguous"), ("missing", 2, "in-flight-is-ambiguous")]
    late, missing = (f for f in report.findings if f.kind == "due")
    assert "no due row" in missing.detail and "waits past its due time" in late.detail


class _Moving(MemoryStore):
    """A store whose payments move on between the walk and the due lookup, as on a running system."""

    async def due_of(self, streams: object) -> dict[str, datetime]:
        return {}

    async def version(self, stream: str) -> int:
        return 1 + await super().version(stream)


async def test_a_payment_that_moved_on_while_the_audit_read_is_not_judged_by_its_due_row() -> None:
    store = _Moving()
    await store.append("p", [created(payment_id="p"), _sent(1, "charge")], expected_version=0)
    assert (await audit(store, policy_of)).ok


async def test_an_unreadable_row_is_a_finding_and_the_other_payments_are_judged(tmp_path: Path) -> None:
    log = SqliteLog(tmp_path / "log.db")
    await seed(log)
    await log.sql("UPDATE payfold_events SET data = x'7b7d' WHERE stream = {} AND version = 3", stream(1))
    report = await audited(log)
    assert [(f.kind, f.stream, f.version) for f in report.findings] == [
        ("chain", stream(1), 3),  # the id no longer matches the bytes
        ("unreadable", stream(1), 3),
    ]
    assert sum(report.statuses.values()) == 5 and report.streams == 6


async def test_a_keyed_log_cannot_be_audited_without_its_key(tmp_path: Path) -> None:
    log = SqliteLog(tmp_path / "log.db")
    await seed(log, key=KEY)
    with pytest.raises(ChainKeyError, match="auditing needs its key"):
        await audited(log)
    report = await audited(log, key=KEY)
    assert report.ok and report.keyed


async def test_the_checkpoint_is_rewritten_over_conduct_findings_not_over_integrity_ones(tmp_path: Path) -> None:
    log = SqliteLog(tmp_path / "log.db")
    await seed(log)
    checkpoint = tmp_path / "checkpoint.json"
    first = await audited(log, checkpoint=checkpoint)
    assert first.ok and first.checkpoint_written and first.checkpoint is None
    written = json.loads(checkpoint.read_text())
    assert (written["streams"], written["events"], written["keyed"]) == (6, 42, False)
    assert written["heads"][stream(2)][0] == 9 and written["log"] == log.where

    late = RequestSent(at=T0 + timedelta(days=1), operation="charge", attempt=2)  # a charge resent: misconduct
    store = await log.open()
    await store.append(stream(1), [late], expected_version=6)
    await store.close()
    second = await audited(log, checkpoint=checkpoint)
    assert {f.kind for f in second.findings} == {"conduct", "invariant"} and second.checkpoint_written
    assert json.loads(checkpoint.read_text())["heads"][stream(1)][0] == 7

    before = checkpoint.read_bytes()
    await log.sql("DELETE FROM payfold_events WHERE stream = {} AND version = 2", stream(0))
    third = await audited(log, checkpoint=checkpoint)
    assert "chain" in {f.kind for f in third.findings} and not third.checkpoint_written
    assert checkpoint.read_bytes() == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temporary file left


async def test_an_unreadable_checkpoint_is_refused(tmp_path: Path) -> None:
    log = SqliteLog(tmp_path / "log.db")
    await seed(log)
    checkpoint = tmp_path / "checkpoint.json"
    checkpoint.write_text('{"heads": 3}')
    with pytest.raises(CheckpointError, match="not a payfold checkpoint"):
        await audited(log, checkpoint=checkpoint)
    assert checkpoint.read_text() == '{"heads": 3}'


# --- the walk splits the log into whole histories, whatever the batch ------------------------------------------


@pytest.fixture(scope="module")
def interleaved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """120 interleaved payments; pay-0000002 (still waiting) then settled without evidence."""
    db = tmp_path_factory.mktemp("walk") / "log.db"

    async def write() -> None:
        assert await build(db, 840, group=16) == 840
        store = await SqliteStore.open(db)
        try:
            await store.append("pay-0000002", [PaymentSettled(at=T0 + timedelta(hours=1))], len(history(2)))
        finally:
            await store.close()

    asyncio.run(write())
    yield db


async def _both(db: Path, batch: int) -> tuple[AuditReport, list[str], object]:
    store: AuditSource = await SqliteStore.open(db, read_only=True)
    try:
        streamed = await audit(store, policy_of, batch=batch)
        whole = audit_in_memory(await streams(store), await store.verify(), policy_of)
    finally:
        await store.close()
    return streamed, whole.violations, whole.statuses


@settings(max_examples=8)
@given(batch=st.sampled_from([1, 2, 7, 500, 5000]))
def test_the_streamed_audit_equals_the_whole_log_judged_in_memory(interleaved: Path, batch: int) -> None:
    streamed, violations, statuses = asyncio.run(_both(interleaved, batch))
    assert [f.line() for f in streamed.findings] == violations
    assert streamed.statuses == statuses and streamed.streams == 120 and streamed.events == 841
    assert [(f.kind, f.stream, f.version) for f in streamed.findings] == [("replay", "pay-0000002", 10)]


def test_findings_print_as_one_line_each() -> None:
    finding = Finding(kind="conduct", stream="pay-1", version=4, rule="ambiguity-wait", detail="too soon")
    assert finding.line() == "pay-1 v4: conduct [ambiguity-wait]: too soon"
    assert Finding(kind="checkpoint", stream="pay-2").line() == "pay-2: checkpoint: "
