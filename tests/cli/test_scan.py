"""The streaming ``stats`` agrees with the whole-log version, however small its batches. (The audit's own walk
is tested in ``tests/audit``.)"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from payfold.adapters.cli import main
from payfold.adapters.cli._pace import Pace
from payfold.adapters.cli._report import OperationStats, operation_stats, streams
from payfold.adapters.cli._scan import stats_of
from payfold.adapters.stores.sqlite import SqliteStore
from tests.cli._logs import build

EVENTS = 840  # 120 payments of 6, 6 and 9 events


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A log of 120 interleaved payments."""
    db = tmp_path_factory.mktemp("scan") / "log.db"
    assert asyncio.run(build(db, EVENTS, group=16)) == EVENTS
    yield db


async def _stats(db: Path) -> tuple[dict[tuple[str, str], OperationStats], dict[tuple[str, str], OperationStats]]:
    store = await SqliteStore.open(db, read_only=True)
    try:
        return operation_stats(await streams(store)), await stats_of(store, Pace("t"))
    finally:
        await store.close()


def test_streaming_stats_equal_the_whole_log_version(log: Path) -> None:
    expected, found = asyncio.run(_stats(log))
    assert found.keys() == expected.keys() and len(found) == 4
    for key, entry in expected.items():
        other = found[key]
        assert (other.answers, other.errors, other.outcomes) == (entry.answers, entry.errors, entry.outcomes)
        assert sorted(other.latencies) == sorted(entry.latencies)


def test_the_audit_command_reads_the_whole_log(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(log)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"hash chain: verified, unkeyed (SHA-256) (120 streams, {EVENTS} events)"
    assert out[-1].startswith(f"read {EVENTS:,} events in ") and out[-1].endswith(" events/s)")
