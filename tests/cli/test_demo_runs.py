"""``payfold demo`` run whole, small: the same seed prints the same counts, a log of its own per run, no temp left."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from payfold.adapters.cli import _demo, _demo_log
from payfold.adapters.cli._demo import run_demo
from payfold.adapters.cli._demo_report import DemoReport, render


def counts(report: DemoReport) -> list[str]:
    """The printed table without what may differ between two runs of one seed: the wall time."""
    return [line for line in render(report) if "wall time" not in line]


async def test_two_runs_with_one_seed_print_the_same_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the temporary logs go
    first = await run_demo(payments=60, seed=7, out=io.StringIO())
    second = await run_demo(payments=60, seed=7, out=io.StringIO())
    other = await run_demo(payments=60, seed=8, out=io.StringIO())
    assert counts(first) == counts(second)
    assert (first.statuses, first.faults, first.requests) == (second.statuses, second.faults, second.requests)
    assert first.events == second.events > 60 * 3 and first.webhooks == second.webhooks > 0
    assert sum(first.faults.values()) > 0 and first.faults.get("hang", 0) > 0  # hangs are part of what repeats
    assert first.faults != other.faults  # another seed, other faults: the equality above means something
    assert first.mismatches == 0 and first.chain_ok and not first.unfinished
    assert not first.kept and "removed (--db FILE keeps it)" in render(first)[1]
    assert list(tmp_path.iterdir()) == []  # every temporary log and journal is gone


async def test_the_temporary_log_is_removed_when_the_run_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    async def broken(self: object, store: object) -> None:
        assert list(tmp_path.iterdir()), "the log exists while the demo runs"
        raise RuntimeError("reconciliation broke")

    monkeypatch.setattr(_demo._Demo, "_reconcile", broken)
    out = io.StringIO()
    with pytest.raises(RuntimeError, match="reconciliation broke"):
        await run_demo(payments=4, seed=1, out=out)
    assert list(tmp_path.iterdir()) == []


async def test_a_second_run_into_the_same_db_reconciles_only_its_own_payments(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    first = await run_demo(payments=12, db=db, seed=5, fault_rate=0.4, out=io.StringIO())
    second = await run_demo(payments=12, db=db, seed=5, fault_rate=0.4, out=io.StringIO())
    assert (first.run, second.run) == (1, 2) and first.kept and second.kept
    assert sum(second.statuses.values()) == 12 and second.statuses["settled"] > 0
    assert second.mismatches == 0 and second.settled_not_charged == [], render(second)
    assert second.chain_ok and second.chain_events == first.events + second.events
    assert "(run 2)" in render(second)[1] and Path(db).exists() and Path(second.journal).exists()


def test_bad_demo_options_are_refused_in_one_line(tmp_path: Path) -> None:
    a_file = tmp_path / "x.db"
    a_file.write_bytes(b"")
    cases = [
        ((-5, 0.35, None), "--payments must be at least 1, got -5"),
        ((0, 0.35, None), "--payments must be at least 1, got 0"),
        ((10, 2.0, None), "--fault-rate must be within 0 and 1, got 2"),
        ((10, -0.1, None), "--fault-rate must be within 0 and 1, got -0.1"),
        ((10, float("nan"), None), "--fault-rate must be within 0 and 1, got nan"),
        ((10, 0.3, "/no/such/dir/x.db"), "--db /no/such/dir/x.db: the folder /no/such/dir does not exist"),
        ((10, 0.3, str(tmp_path)), f"--db {tmp_path}: is a directory"),
    ]
    for (payments, rate, db), message in cases:
        with pytest.raises(ValueError) as refused:
            _demo_log.check_demo_args(payments, rate, db)
        assert str(refused.value).startswith(message) and "\n" not in str(refused.value)
    _demo_log.check_demo_args(1, 0.0, str(a_file))  # an existing file: the demo adds a run to it
    _demo_log.check_demo_args(1000, 1.0, str(tmp_path / "new.db"))


async def test_run_demo_checks_its_options_before_starting_anything(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="the folder"):
        await run_demo(payments=3, db=str(tmp_path / "missing" / "x.db"), out=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_stops_the_demo_at_once_and_removes_its_temporary_log(tmp_path: Path) -> None:
    code = "import asyncio; from payfold.adapters.cli._demo import run_demo; asyncio.run(run_demo(payments=2000))"
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not any(tmp_path.glob("payfold-demo-*/payfold.db")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, "the demo ended before it could be interrupted"
        time.sleep(0.5)  # into the run
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode != 0 and "KeyboardInterrupt" in err  # stopped, not run to the end
    assert list(tmp_path.iterdir()) == []
