"""A second ``payfold demo`` into the same ``--db`` reconciles against what the sandbox really charged the first
time: the sandbox keeps its ledger in a journal beside the log (before, it started empty, and every payment of the
first run read "settled but not charged")."""

from __future__ import annotations

import io
from pathlib import Path

from payfold.adapters.cli._demo import run_demo
from payfold.adapters.cli._demo_log import journal_path
from payfold.adapters.cli._demo_report import render


async def test_a_second_demo_run_into_the_same_db_reconciles_honestly(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    first = await run_demo(payments=10, db=db, seed=5, fault_rate=0.25, out=io.StringIO(), progress=False)
    assert first.statuses["settled"] > 0 and first.mismatches == 0
    assert first.journal == journal_path(db) and Path(first.journal).exists()
    second = await run_demo(payments=14, db=db, seed=5, fault_rate=0.25, out=io.StringIO(), progress=False)
    assert sum(second.statuses.values()) == 14  # this run's own payments only (tests/cli/test_demo_runs.py)
    assert second.settled_not_charged == [] and second.mismatches == 0, render(second)
    assert f"the sandbox's ledger: {journal_path(db)}" in "\n".join(render(second))
