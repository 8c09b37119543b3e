"""The deterministic simulation in bulk: kills, 4 workers on one log, faults, early and repeated webhooks.

Every promise is counted by checks that share nothing with the runner (the sandbox's ledger and exchange log,
and the reference model of the rules): no double charge, no answer lost, no rule broken, no ledger mismatch.
``PAYFOLD_SIM_SEEDS`` (SQLite, default 120) and ``PAYFOLD_SIM_PG_SEEDS`` (PostgreSQL, default 30) set how many
seeds run; ``make simulate SEEDS=5000`` is the long run from the command line (README, "Long runs").
"""

from __future__ import annotations

import json
import os

import pytest

from payfold.adapters.simulate import SimulationReport, failure_lines, simulate

SQLITE_SEEDS = int(os.environ.get("PAYFOLD_SIM_SEEDS", "120"))
PG_SEEDS = int(os.environ.get("PAYFOLD_SIM_PG_SEEDS", "30"))


def check(report: SimulationReport, seeds: int) -> None:
    figures = report.to_json()
    print(json.dumps(figures))
    failures = [line for result in report.failed for line in failure_lines(report, result)]
    assert not failures, "\n".join(failures)
    assert figures["seeds"] == seeds and figures["workers"] == 4
    for promise in ("double_charges", "lost_answers", "resend_violations", "ledger_mismatches", "worker_errors"):
        assert figures[promise] == 0, promise
    assert figures["kills"] >= seeds // 3 and figures["restarts"] > 0  # workers really died, and came back
    assert figures["webhooks"].get("early", 0) > 0 and figures["webhooks"].get("again", 0) > 0
    assert {"hang", "drip", "late_landing", "reset"} <= set(figures["faults"]) or seeds < 50
    assert figures["verdicts"].get("settled", 0) > seeds  # most payments conclude


@pytest.mark.slow
def test_sqlite_seeds_keep_every_promise() -> None:
    check(simulate(range(SQLITE_SEEDS), payments=3, workers=4, store="sqlite"), SQLITE_SEEDS)


@pytest.mark.slow
def test_postgres_seeds_keep_every_promise(pg_dsn: str) -> None:
    check(simulate(range(100_000, 100_000 + PG_SEEDS), payments=3, workers=4, store=pg_dsn), PG_SEEDS)
