"""Every CLI failure is one line naming the file or value, with its documented exit code (docs/cli.md), and a
read-only command never writes: the file's checksum is unchanged."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests._one_log import write_one_payment_log

READ_ONLY = (["audit"], ["stats"], ["review"], ["show", "pay-1"], ["explain", "pay-1"])


def payfold(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: a separate process, so a traceback would show on stderr."""
    command = [sys.executable, "-c", "import sys; from payfold.adapters.cli import main; sys.exit(main())"]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def one_line(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return write_one_payment_log(tmp_path / "log.db")


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: c[0])
def test_read_only_commands_refuse_what_is_not_a_log_without_writing(command: list[str], tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    text = tmp_path / "notes.txt"
    text.write_text("hello\n")
    name, rest = command[0], command[1:]
    one_line(payfold(name, empty, *rest), 2, str(empty), "not a payfold log")
    assert empty.read_bytes() == b"", "an empty file became a database"
    one_line(payfold(name, text, *rest), 2, str(text), "not a payfold log")
    assert text.read_text() == "hello\n"
    one_line(payfold(name, tmp_path, *rest), 2, str(tmp_path), "directory")
    one_line(payfold(name, tmp_path / "missing.db", *rest), 2, "missing.db", "no such file")
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: c[0])
def test_read_only_commands_leave_a_log_unchanged(command: list[str], log: Path) -> None:
    before = digest(log)
    result = payfold(command[0], log, *command[1:])
    assert result.returncode == 0, result.stderr
    assert digest(log) == before


def test_an_unknown_payment_is_one_line(log: Path) -> None:
    one_line(payfold("show", log, "pay-404"), 2, "pay-404")
    one_line(payfold("explain", log, "pay-404"), 2, "pay-404")
    one_line(payfold("resolve", log, "pay-404", "failed", "--operator", "ana", "--note", "x"), 2, "pay-404")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--fault-rate", "2"], "--fault-rate"),
        (["--fault-rate", "lots"], "--fault-rate"),
        (["--payments", "-5"], "--payments"),
        (["--payments", "0"], "--payments"),
        (["--db", "/no/such/dir/x.db"], "/no/such/dir"),
    ],
)
def test_demo_refuses_bad_values_in_one_line(args: list[str], needle: str) -> None:
    one_line(payfold("demo", "--no-stories", *args), 2, needle)


def test_demo_refuses_a_directory_as_its_log(tmp_path: Path) -> None:
    one_line(payfold("demo", "--no-stories", "--db", tmp_path), 2, str(tmp_path))


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_postgres_dsn_to_a_closed_port_is_an_environment_failure() -> None:
    dsn = f"postgresql://payfold:secret@127.0.0.1:{_closed_port()}/nowhere"
    result = payfold("audit", dsn)
    one_line(result, 3, "cannot reach")
    assert "secret" not in result.stderr


def test_a_postgres_dsn_to_a_missing_database_is_an_environment_failure(pg_dsn: str) -> None:
    missing = pg_dsn.rsplit("/", 1)[0] + "/no_such_database"
    one_line(payfold("stats", missing), 3, "no_such_database")


def test_the_sandbox_takes_its_documented_options() -> None:
    for args in (["sandbox", "--help"], ["sandbox", "--", "--help"]):
        result = payfold(*args)
        assert result.returncode == 0, result.stderr
        for option in ("--port", "--seed", "--host"):
            assert option in result.stdout
    one_line(payfold("sandbox", "--port", "not-a-port"), 2, "--port")


def test_version() -> None:
    result = payfold("--version")
    assert result.returncode == 0 and result.stdout.startswith("payfold 0.")
