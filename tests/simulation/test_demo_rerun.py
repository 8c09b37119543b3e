"""A second ``payfold demo`` into the same ``--db`` reconciles against what the sandbox really charged the first
time: the sandbox keeps its ledger in a journal beside the log (before, it started empty, and every payment of the
first run read "settled but not charged")."""

from __future__ import annotations

import io
from pathlib import Path

from payfold.adapters.cli._demo import journal_path, render, run_demo


async def test_a_second_demo_run_into_the_same_db_reconciles_honestly(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    first = await run_demo(payments=10, db=db, seed=5, fault_rate=0.25, out=io.StringIO(), progress=False)
    assert first.statuses["settled"] > 0 and first.mismatches == 0
    assert first.journal == journal_path(db) and Path(first.journal).exists()
    second = await run_demo(payments=14, db=db, seed=5, fault_rate=0.25, out=io.StringIO(), progress=False)
    assert sum(second.statuses.values()) == 14  # the first run's 10 and 4 new ones
    assert second.settled_not_charged == [] and second.mismatches == 0, render(second)
    assert f"the sandbox's ledger: {journal_path(db)}" in "\n".join(render(second))


async def test_without_the_journal_the_rerun_would_report_false_mismatches(tmp_path: Path) -> None:
    """The control: the same rerun after deleting the journal shows the old bug, so the test above means something."""
    db = str(tmp_path / "demo.db")
    first = await run_demo(payments=10, db=db, seed=5, fault_rate=0.25, out=io.StringIO(), progress=False)
    Path(first.journal).unlink()
    second = await run_demo(payments=10, db=db, seed=5, fault_rate=0.25, out=io.StringIO(), progress=False)
    assert len(second.settled_not_charged) == first.statuses["settled"] > 0
