"""``make bench``'s table and JSON, on fake rows and fake modules (no benchmark runs)."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from tests import bench_all
from tests.benchrow import Row, cost_row, rate_row

ROWS = [
    rate_row("fold of decoded events", 250_000.0, 50_000.0, "events/s", 25.0, "the GIL"),
    cost_row("audit peak RSS", 40.0, 12.0, "MB", 0.04),
]


def test_json_holds_every_field_and_met_is_ratio_against_target() -> None:
    document = bench_all.to_json(ROWS)
    assert [entry["row"] for entry in document] == ["fold of decoded events", "audit peak RSS"]
    first, second = document
    assert (first["ratio"], first["target"], first["met"], first["note"]) == (5.0, 25.0, False, "the GIL")
    assert (second["ratio"], second["met"], second["unit"]) == (0.3, True, "MB")
    assert json.loads(json.dumps(document)) == document


def test_the_table_has_one_line_per_row_the_header_on_top_and_names_each_miss() -> None:
    lines = bench_all.render(ROWS, {"machine": {"cores": "2"}, "versions": {"python": "3.11"}})
    assert lines[:2] == ["machine: cores 2", "versions: python 3.11"]
    table = [line for line in lines if line.startswith(("row ", "fold of", "audit peak"))]
    assert table[0].split() == ["row", "payfold", "baseline", "unit", "ratio", "target", "met"]
    assert table[1].endswith("NO") and table[2].endswith("yes")
    assert "250,000" in table[1] and "50,000" in table[1] and "0.30x" in table[2]
    assert "1 of 2 targets met" in lines
    assert lines[-1] == "  missed: fold of decoded events: 5.00x < 25x (the GIL)"


def test_main_skips_modules_without_rows_and_writes_the_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with_rows, without = types.ModuleType("fake_with_rows"), types.ModuleType("fake_without_rows")
    with_rows.rows = lambda: ROWS  # type: ignore[attr-defined]
    broken = types.ModuleType("fake_broken")
    broken.rows = lambda: 1 / 0  # type: ignore[attr-defined]
    for module in (with_rows, without, broken):
        monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(bench_all, "MODULES", ("fake_with_rows", "fake_without_rows", "fake_broken", "fake_missing"))
    output = tmp_path / "bench.json"
    assert bench_all.main(["--json", "--output", str(output)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == json.loads(output.read_text()) == bench_all.to_json(ROWS)
    assert "skipped fake_without_rows: no rows() yet" in captured.err
    assert "FAILED fake_broken" in captured.err and "ZeroDivisionError" in captured.err
    assert "skipped fake_missing: cannot import it" in captured.err


def test_versions_name_postgresql_only_when_a_row_used_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_all, "postgres_version", lambda: "15.9")
    assert "postgresql" not in bench_all.versions(ROWS)
    pg = [Row("PostgreSQL append, 4 workers", 1.0, 1.0, "events/s", 1.0, 0.7)]
    found = bench_all.versions(pg)
    assert found["postgresql"] == "15.9" and found["python"] and found["sqlite"]
