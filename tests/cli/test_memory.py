"""``stats`` and ``audit`` memory does not grow with the log: peak traced allocations at ~5,000 and ~40,000 events.

A control reads the whole log into memory the old way and shows the same measurement does see growth. The whole
audit's resident memory at 1,000,000 events is measured by ``tests/cli/big_log.py``.
"""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from payfold.adapters.audit._audit import audit
from payfold.adapters.cli import policy_of
from payfold.adapters.cli._pace import Pace
from payfold.adapters.cli._report import streams
from payfold.adapters.cli._scan import stats_of
from payfold.adapters.stores.sqlite import SqliteStore
from tests.cli._logs import build

SMALL, LARGE = 5_000, 40_000


async def peak(db: Path, work: Callable[[SqliteStore], Awaitable[object]]) -> int:
    """Peak bytes allocated (traced) while ``work`` runs on an open store."""
    store = await SqliteStore.open(db)
    try:
        tracemalloc.start()
        try:
            await work(store)
            _, top = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    finally:
        await store.close()
    return top


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int]]:
    """Two logs written the same way, one 8x the other: path and number of events."""
    folder = tmp_path_factory.mktemp("memory")
    found = {}
    for name, size in (("small", SMALL), ("large", LARGE)):
        path = folder / f"{name}.db"
        found[name] = (path, asyncio.run(build(path, size, group=500)))
        assert found[name][1] >= size * 0.99
    return found


async def test_reading_the_whole_log_grows_with_it(logs: dict[str, tuple[Path, int]]) -> None:
    """The control: the measurement sees a working set proportional to the log."""
    assert await peak(logs["large"][0], streams) > 4 * await peak(logs["small"][0], streams)


async def test_audit_memory_does_not_grow_with_the_log(logs: dict[str, tuple[Path, int]], tmp_path: Path) -> None:
    """The whole audit (chains, replay, invariants, conduct, due rows) and the checkpoint it writes: one history
    at a time, the heads streamed to the file."""

    def run(size: str) -> Callable[[SqliteStore], Awaitable[object]]:
        async def read(store: SqliteStore) -> object:
            report = await audit(store, policy_of, Pace("audit"), checkpoint=tmp_path / f"{size}.json")
            assert report.ok and report.checkpoint_written and report.events == logs[size][1]
            return report

        return read

    # What may grow: nothing but the few counters of a clean log.
    assert await peak(logs["large"][0], run("large")) < 1.5 * await peak(logs["small"][0], run("small"))


async def test_stats_memory_does_not_grow_with_the_log(logs: dict[str, tuple[Path, int]]) -> None:
    async def run(store: SqliteStore) -> object:
        return await stats_of(store, Pace("stats"))

    # What may grow: a provider per stream and 8 bytes of latency per answer (~0.2 MB here), nothing per event.
    assert await peak(logs["large"][0], run) < 1.5 * await peak(logs["small"][0], run)
