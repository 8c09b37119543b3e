"""``payfold audit``: its output, ``--json``, ``--checkpoint``, ``--html``, and its exit codes (0 nothing wrong, 1
findings, 2 the log cannot be audited), on SQLite files, PostgreSQL DSNs and a real ``payfold demo`` log."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest

from payfold.adapters.audit import AuditReport
from payfold.adapters.cli import main, policy_of
from payfold.adapters.stores._chain import KEY_ENV
from tests.audit._logs import KEY, PostgresLog, SqliteLog, seed, stream


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    """The six-payment test log (``tests/audit/_logs.py``)."""
    path = tmp_path / "log.db"
    asyncio.run(seed(SqliteLog(path)))
    return path


def _audit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["audit", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_clean_log_exits_0_with_a_summary(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _audit(capsys, str(clean))
    lines = out.splitlines()
    assert status == 0
    assert lines[0] == "hash chain: verified, unkeyed (SHA-256) (6 streams, 42 events)"
    assert lines[1] == "payments: failed 2, pending 2, settled 2"
    assert lines[2] == "findings: none"
    assert lines[-1].startswith("read 42 events in ") and lines[-1].endswith(" events/s)")


def test_findings_exit_1_one_line_each(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(SqliteLog(clean).sql("DELETE FROM payfold_due WHERE stream = {}", stream(2)))
    status, out, _ = _audit(capsys, str(clean))
    assert status == 1
    assert "findings: 1 (due 1)" in out.splitlines()
    assert f"  {stream(2)} v9: due [requery-backoff]: open, its next step (Requery) is due " in out


def test_json_is_one_object_with_the_report(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(SqliteLog(clean).sql("DELETE FROM payfold_events WHERE stream = {} AND version = 2", stream(4)))
    status, out, _ = _audit(capsys, str(clean), "--json")
    found = json.loads(out)
    assert status == 1 and found["ok"] is False
    assert set(found) >= {"log", "streams", "events", "statuses", "keyed", "checkpoint", "findings", "reviews"}
    assert found["findings"][0] == {
        "kind": "chain", "stream": stream(4), "version": 2, "rule": "gap", "detail": "expected version 2, found 3",
    }  # fmt: skip
    assert found["events"] == 41 and found["events_per_second"] >= 0


def test_a_checkpoint_is_written_then_compared(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = clean.with_name("heads.json")
    status, out, _ = _audit(capsys, str(clean), "--checkpoint", str(checkpoint))
    assert status == 0 and f"checkpoint: no earlier checkpoint; {checkpoint} written" in out
    assert json.loads(checkpoint.read_text())["events"] == 42
    asyncio.run(SqliteLog(clean).sql("DELETE FROM payfold_events WHERE stream = {} AND version = 9", stream(5)))
    status, out, _ = _audit(capsys, str(clean), "--checkpoint", str(checkpoint))
    assert status == 1
    assert f"checkpoint: compared with {checkpoint}; {checkpoint} NOT written (integrity findings)" in out
    assert f"  {stream(5)} v9: checkpoint [tail]: " in out
    assert json.loads(checkpoint.read_text())["heads"][stream(5)][0] == 9


def test_html_is_written_by_the_report_module(
    clean: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from payfold.adapters.audit import _html

    calls: list[tuple[Any, ...]] = []

    async def write_report(path: Path, store: Any, report: AuditReport, policies: Any) -> None:
        calls.append((path, await store.read(stream(0)), report.streams, policies))

    monkeypatch.setattr(_html, "write_report", write_report)
    status, _, _ = _audit(capsys, str(clean), "--html", str(clean.with_name("report.html")))
    assert status == 0
    [(path, events, streams, policies)] = calls
    assert path == clean.with_name("report.html") and len(events) == 6 and streams == 6 and policies is policy_of


@pytest.mark.parametrize("content", [b"", b"these are my notes\n"])
def test_a_file_that_is_no_payfold_log_exits_2_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "log.db"
    path.write_bytes(content)
    status, out, err = _audit(capsys, str(path))
    assert status == 2 and out == ""
    assert err.startswith(f"payfold audit: {path}: ") and "not a payfold log" in err and err.count("\n") == 1
    assert path.read_bytes() == content and [p.name for p in tmp_path.iterdir()] == ["log.db"]


def test_a_missing_file_exits_2_and_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _audit(capsys, str(tmp_path / "nope.db"))
    assert status == 2 and "no such file" in err and not (tmp_path / "nope.db").exists()


def test_a_keyed_log_needs_its_key_from_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "log.db"
    asyncio.run(seed(SqliteLog(path), key=KEY))
    status, _, err = _audit(capsys, str(path))
    assert status == 2 and "auditing needs its key (set PAYFOLD_CHAIN_KEY" in err
    monkeypatch.setenv(KEY_ENV, bytes(16).hex())
    status, _, err = _audit(capsys, str(path))
    assert status == 2 and "is not this log's" in err
    monkeypatch.setenv(KEY_ENV, KEY.hex())
    status, out, _ = _audit(capsys, str(path))
    assert status == 0 and out.startswith("hash chain: verified, keyed (HMAC)")


def test_an_unreadable_checkpoint_exits_2(clean: Path, capsys: pytest.CaptureFixture[str]) -> None:
    checkpoint = clean.with_name("heads.json")
    checkpoint.write_text("not json")
    status, _, err = _audit(capsys, str(clean), "--checkpoint", str(checkpoint))
    assert status == 2 and f"{checkpoint}: not a payfold checkpoint" in err


def test_the_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["audit", "--help"])
    out = capsys.readouterr().out
    assert "0  nothing wrong" in out and "1  findings" in out and "2  the log cannot be audited" in out


def test_a_postgresql_dsn_is_audited_like_a_file(
    pg_dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = _audit(capsys, pg_dsn)  # an empty database: no payfold log, and none is created
    assert status == 2 and "not a payfold log: no payfold tables" in err

    async def tables() -> int:
        conn = await asyncpg.connect(pg_dsn)
        try:
            found: int = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
            return found
        finally:
            await conn.close()

    assert asyncio.run(tables()) == 0
    asyncio.run(seed(PostgresLog(pg_dsn)))
    checkpoint = tmp_path / "heads.json"
    status, out, _ = _audit(capsys, pg_dsn, "--checkpoint", str(checkpoint))
    assert status == 0 and "(6 streams, 42 events)" in out
    asyncio.run(PostgresLog(pg_dsn).sql("DELETE FROM payfold_events WHERE stream = {}", stream(0)))
    status, out, _ = _audit(capsys, pg_dsn, "--checkpoint", str(checkpoint))
    assert status == 1 and f"  {stream(0)} v6: checkpoint [stream]: " in out


def test_a_demo_log_passes_every_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A real run: sandbox on loopback under faults, the runner, SQLite. Its conduct, due rows and invariants
    hold under the providers' documented policies, and its checkpoint is written."""
    db, checkpoint = tmp_path / "demo.db", tmp_path / "heads.json"
    assert main(["demo", "--payments", "50", "--db", str(db), "--no-stories"]) == 0
    capsys.readouterr()
    status, out, _ = _audit(capsys, str(db), "--checkpoint", str(checkpoint), "--json")
    found = json.loads(out)
    assert status == 0, found["findings"]
    assert found["streams"] == 50 and sum(found["statuses"].values()) == 50 and found["checkpoint_written"]
