"""The built wheel, installed into fresh virtualenvs with each documented extra set, keeps the README's promises:
``payfold demo`` with ``[sandbox,sqlite]``, ``payfold audit`` with ``[sqlite]``, and a plain install's commands
fail with one line naming the extra to install."""

from __future__ import annotations

import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._one_log import write_one_payment_log

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(*args: str | Path, timeout: float = 600, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, ROOT)
    assert built.returncode == 0, built.stderr[-2000:]
    [found] = out.glob("payfold-*.whl")
    return found


def _venv(where: Path, wheel: Path, extras: str) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    python = where / "bin" / "python"
    target = f"{wheel}[{extras}]" if extras else str(wheel)
    installed = _run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", target)
    assert installed.returncode == 0, installed.stderr[-2000:]
    return where / "bin"


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_one_payment_log(tmp_path_factory.mktemp("log") / "log.db")


@pytest.fixture(scope="module")
def plain(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield _venv(tmp_path_factory.mktemp("plain"), wheel, "")


def test_a_plain_install_names_the_extra_in_one_line(plain: Path, log: Path, tmp_path: Path) -> None:
    version = _run(plain / "payfold", "--version")
    assert version.returncode == 0 and version.stdout.startswith("payfold ")
    for args, extras in (
        (("audit", log), "payfold[sqlite]"),
        (("demo", "--no-stories", "--payments", "5"), "payfold[sandbox,sqlite]"),
        (("sandbox", "--port", "0"), "payfold[sandbox]"),
    ):
        result = _run(plain / "payfold", *args, cwd=tmp_path)
        assert result.returncode == 3, (args, result.stdout, result.stderr)
        assert f"pip install '{extras}'" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [], "a failing command left files behind"


def test_sqlite_extra_audits_a_log(wheel: Path, log: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    bin_dir = _venv(tmp_path_factory.mktemp("sqlite"), wheel, "sqlite")
    result = _run(bin_dir / "payfold", "audit", log)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pay-1" not in result.stderr


def test_sandbox_and_sqlite_extras_run_the_demo(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    bin_dir = _venv(tmp_path_factory.mktemp("demo"), wheel, "sandbox,sqlite")
    result = _run(bin_dir / "payfold", "demo", "--no-stories", "--payments", "20", timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "settled but not charged           0" in result.stdout


@pytest.mark.parametrize(
    ("extras", "code"),
    [
        ("postgres", "from payfold.adapters.stores.postgres import PostgresStore"),
        ("http", "from payfold.adapters.runner.transport import Transport"),
        ("testing", "from payfold.testing import histories; histories()"),
        ("otel", "import opentelemetry.trace"),
    ],
)
def test_each_other_extra_brings_what_its_feature_imports(
    wheel: Path, extras: str, code: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bin_dir = _venv(tmp_path_factory.mktemp(extras), wheel, extras)
    result = _run(bin_dir / "python", "-c", code)
    assert result.returncode == 0, result.stderr[-2000:]
