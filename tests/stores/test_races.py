"""Many tasks and several processes append to the same streams: nothing lost, nothing doubled, all converge."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from payfold import RequestSent, fold
from payfold._store import EventStore
from payfold.adapters.stores.postgres import PostgresStore
from payfold.adapters.stores.sqlite import SqliteStore
from payfold.testing._store_streams import T0, created

from ._race import STREAMS, at, race

ROOT = Path(__file__).resolve().parents[2]
TASKS = 4
PROCESSES = 3
COUNT = 6


async def _run_race(store: EventStore, kind: str, target: str) -> None:
    for stream in STREAMS:
        await store.append(stream, [created(stream)], expected_version=0)
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.stores._race",
            kind,
            target,
            str(TASKS + p),
            str(COUNT),
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        for p in range(PROCESSES)
    ]
    local = await asyncio.gather(*(race(store, worker, COUNT) for worker in range(TASKS)))
    remote = []
    for child in children:
        out, _ = await child.communicate()
        assert child.returncode == 0
        remote.append(int(out))
    assert sum(local) + sum(remote) > 0, "the writers never collided: the test proves nothing"
    workers = TASKS + PROCESSES
    for stream in STREAMS:
        events = await store.read(stream)
        sent = [e for e in events[1:] if isinstance(e, RequestSent)]
        assert len(events) == 1 + workers * COUNT
        assert [e.attempt for e in sent] == list(range(1, workers * COUNT + 1))
        assert sorted(e.at for e in sent) == sorted(T0 + at(w, n) for w in range(workers) for n in range(COUNT))
        assert fold(events).version == len(events)
    report = await store.verify()
    assert report.ok and report.events == len(STREAMS) * (1 + workers * COUNT)


async def test_sqlite_races_converge(tmp_path: Path) -> None:
    path = str(tmp_path / "events.db")
    store = await SqliteStore.open(path)
    try:
        await _run_race(store, "sqlite", path)
    finally:
        await store.close()


async def test_postgres_races_converge(pg_dsn: str) -> None:
    store = await PostgresStore.open(pg_dsn, max_size=TASKS)
    try:
        await _run_race(store, "postgres", pg_dsn)
    finally:
        await store.close()
