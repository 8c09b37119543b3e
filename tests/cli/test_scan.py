"""The streaming ``stats`` and ``audit`` agree with the whole-log versions, however small their working set."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payfold import PaymentSettled
from payfold.adapters.cli import main, policy_of
from payfold.adapters.cli._pace import Pace
from payfold.adapters.cli._report import audit, operation_stats, streams
from payfold.adapters.cli._scan import audit_of, stats_of
from payfold.adapters.stores.sqlite import SqliteStore
from tests.cli._logs import T0, build, history, kinds_of

PAYMENTS = 120  # 120 payments of 6, 6 and 9 events
EVENTS = 840


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A log of 120 interleaved payments, one of them (pay-0000002, still waiting) settled without evidence."""
    db = tmp_path_factory.mktemp("scan") / "log.db"

    async def write() -> None:
        assert await build(db, EVENTS, group=16) == EVENTS
        store = await SqliteStore.open(db)
        try:
            await store.append("pay-0000002", [PaymentSettled(at=T0 + timedelta(hours=1))], len(history(2)))
        finally:
            await store.close()

    asyncio.run(write())
    yield db


async def whole(db: Path) -> tuple[object, object]:
    store = await SqliteStore.open(db)
    try:
        histories = await streams(store)
        return audit(histories, await store.verify(), policy_of), operation_stats(histories)
    finally:
        await store.close()


async def scanned(db: Path, hold: int, batch: int) -> tuple[object, object]:
    store = await SqliteStore.open(db)
    try:
        return await audit_of(store, policy_of, Pace("t"), hold=hold, batch=batch), await stats_of(store, Pace("t"))
    finally:
        await store.close()


def test_the_log_holds_what_the_builder_says(log: Path) -> None:
    settled, failed, waiting = kinds_of(PAYMENTS)
    result, _ = asyncio.run(whole(log))
    assert result.statuses == {"settled": settled, "failed": failed, "pending": waiting - 1}  # type: ignore[attr-defined]
    assert [v.split(":")[0] for v in result.violations] == ["pay-0000002"]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def expected(log: Path) -> tuple[object, object]:
    """The audit and stats of the whole log read into memory: the reference."""
    return asyncio.run(whole(log))


@settings(max_examples=20)
@given(hold=st.integers(0, 2 * EVENTS), batch=st.sampled_from([1, 7, 500, 5000]))
def test_streaming_audit_and_stats_equal_the_whole_log_versions(
    log: Path, expected: tuple[object, object], hold: int, batch: int
) -> None:
    expected_audit, expected_stats = expected
    found_audit, found_stats = asyncio.run(scanned(log, hold, batch))
    assert found_audit == expected_audit
    assert found_stats.keys() == expected_stats.keys()  # type: ignore[attr-defined]
    for key, entry in expected_stats.items():  # type: ignore[attr-defined]
        other = found_stats[key]  # type: ignore[index]
        assert (other.answers, other.errors, other.outcomes) == (entry.answers, entry.errors, entry.outcomes)
        assert sorted(other.latencies) == sorted(entry.latencies)


async def test_an_unreadable_event_is_a_violation_of_its_stream(tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    await build(db, 60, group=4)
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE payfold_events SET data = x'7b7d' WHERE stream = 'pay-0000001' AND version = 3")
    store = await SqliteStore.open(db)
    try:
        result = await audit_of(store, policy_of, Pace("t"), hold=5)
    finally:
        await store.close()
    assert not result.chain.ok
    assert [v.split(":")[0] for v in result.violations] == ["pay-0000001"]
    assert sum(result.statuses.values()) == result.chain.streams - 1


def test_the_commands_keep_their_outputs_and_exit_codes(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(log)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"hash chain: verified ({PAYMENTS} streams, {EVENTS + 1} events)"
    assert out[2] == "invariants: 1 violations" and out[3].startswith("  pay-0000002: event 'settled' is not")
    assert out[-1].startswith(f"read {EVENTS + 1:,} events in ") and out[-1].endswith(" events/s)")
    assert main(["stats", str(log)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["provider", "operation", "answers"]
    assert {tuple(line.split()[:2]) for line in out[1:-1]} == {
        (provider, operation) for provider in ("flutterwave", "tranzzo") for operation in ("charge", "requery")
    }
    assert out[-1].startswith(f"read {EVENTS + 1:,} events in ")
