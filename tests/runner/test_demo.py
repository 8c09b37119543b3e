"""``payfold demo`` end to end, scaled down: sandbox on loopback, runner, SQLite, faults, reconciliation."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from payfold.adapters.cli import main, policy_of
from payfold.adapters.cli._demo import run_demo
from payfold.adapters.cli._demo_report import render
from payfold.adapters.cli._report import audit, operation_stats, streams
from payfold.adapters.stores.sqlite import SqliteStore


async def test_demo_reconciles_with_zero_mismatches_and_a_verified_chain(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    out = io.StringIO()
    report = await run_demo(payments=120, db=db, seed=3, fault_rate=0.4, out=out, progress=True)
    assert report.mismatches == 0, (report.settled_not_charged, report.charged_but_failed, report.charged_twice)
    assert report.chain_ok and report.chain_events > 120 * 3
    assert report.unfinished == []
    assert sum(report.statuses.values()) == 120 and report.statuses["settled"] > 0
    assert sum(report.faults.values()) > 0.25 * sum(report.requests.values())  # at least ~30% of calls faulted
    assert report.requests["requery"] > 0
    shown = out.getvalue()  # not a terminal: a few plain lines, no frames
    assert "\r" not in shown and "  settling    120/120 payments" in shown
    assert shown.splitlines()[-1].startswith("  120/120 payments finished")
    table = "\n".join(render(report))
    for row in ("settled but not charged", "charged but failed", "charged twice", "hash chain: verified"):
        assert row in table

    store = await SqliteStore.open(db)
    try:
        histories = await streams(store)
        result = audit(histories, await store.verify(), policy_of)
    finally:
        await store.close()
    assert result.ok, result.violations
    stats = operation_stats(histories)
    assert {op for _, op in stats} >= {"charge", "requery"}
    assert all(entry.answers == len(entry.latencies) for entry in stats.values())

    for command in (["stats", db], ["audit", db], ["show", db, "pay-r1-000001"]):
        assert await asyncio.to_thread(main, command) == 0, command


def test_commands_refuse_a_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nope.db")
    assert main(["audit", missing]) == 2
    assert f"{missing}: no such file" in capsys.readouterr().err
    assert not Path(missing).exists()
