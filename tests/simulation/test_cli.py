"""``payfold simulate``: the table, the JSON figures, and a failing seed that prints how to replay it."""

from __future__ import annotations

import json

import pytest

from payfold.adapters.cli import main
from payfold.adapters.simulate import SeedResult, Settings, SimulationReport, render
from payfold.adapters.simulate import _run as _simulate

REQUIRED = ("seeds", "payments", "double_charges", "lost_answers", "resend_violations", "ledger_mismatches")


def test_one_seed_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--seed", "2", "--payments", "2", "--workers", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("payfold simulate: 1 seed x 2 payments, 3 workers, sqlite, kill rate 0.5")
    rows = ("double charges", "lost answers", "rule violations (oracle)", "ledger mismatches", "failed seeds: none")
    assert all(row in out for row in rows)


def test_json_prints_one_object_with_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--seed", "5", "--seeds", "2", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(REQUIRED) | {"failed_seeds"} <= set(figures)
    assert figures["seeds"] == 2 and figures["payments"] == 6 and figures["failed_seeds"] == []


def failing_report(store: str = "sqlite") -> SimulationReport:
    report = SimulationReport(store=store, settings=Settings())
    report.add(SeedResult(seed=3, payments=3))
    bad = SeedResult(seed=7, payments=3, double_charges=1, kept="/tmp/x/log.db")
    bad.stories.append("double charge: tranzzo order-001: money moved 1x and 1 more charge request(s) ...")
    report.add(bad)
    return report


def test_a_failing_seed_prints_itself_and_the_command_that_replays_it() -> None:
    text = "\n".join(render(failing_report()))
    assert "failed seeds: 7" in text
    assert "seed 7 FAILED; replay it with: payfold simulate --seed 7 --payments 3 --workers 4 --kill-rate 0.5" in text
    assert "double charge: tranzzo order-001" in text and "its log: /tmp/x/log.db" in text
    pg = "\n".join(render(failing_report("postgresql://u@h/db")))
    assert "--store 'postgresql://u@h/db'" in pg


def test_with_json_a_failing_seed_goes_to_stderr_and_the_exit_status_is_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_simulate, "simulate", lambda *args, **kwargs: failing_report())
    assert main(["simulate", "--seeds", "2", "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["failed_seeds"] == [7]
    assert "replay it with: payfold simulate --seed 7" in captured.err


def test_nonsense_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--workers", "0"]) == 2
    assert "workers >= 1" in capsys.readouterr().err
