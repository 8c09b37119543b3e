"""Acceptance: 8 writer processes (each its own pool) append to many streams, some shared, while a reader in
this process follows ``read_all`` with a checkpoint. At the end the reader has seen every committed event exactly
once, positions strictly growing, each stream's versions in order.

Run as a child: ``python -m tests.stores.test_pg_concurrency DSN WORKER``; it prints how many events it stored.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import sys
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from payfold import ConcurrencyConflict
from payfold._store import Record, StreamAppend
from payfold.adapters.stores.postgres import PostgresStore
from payfold.testing._store_streams import created, sent

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 8
OWN_STREAMS = 12
EVENTS_PER_STREAM = 5
SHARED = ("shared-0", "shared-1")
SHARED_EVENTS = 4  # per writer and shared stream


async def _write(dsn: str, worker: int) -> int:
    """This worker's streams, interleaved at random, in appends of one or (grouped) several streams; plus racing
    appends to the shared streams, re-read and retried on conflict. Returns the events stored."""
    rng = random.Random(worker)
    store = await PostgresStore.open(dsn, max_size=2)
    stored = 0
    try:
        todo = [f"w{worker}-s{n}" for n in range(OWN_STREAMS) for _ in range(EVENTS_PER_STREAM)]
        todo += [s for s in SHARED for _ in range(SHARED_EVENTS)]
        rng.shuffle(todo)
        versions: dict[str, int] = {}
        while todo:
            group: list[str] = []
            for _ in range(min(len(todo), rng.choice([1, 1, 3]))):
                stream = todo.pop()
                if stream in group:
                    todo.insert(0, stream)  # one stream once per group: its next event goes in a later one
                else:
                    group.append(stream)
            for stream in [s for s in group if s in SHARED]:
                stored += await _race(store, stream, worker)
            own = [s for s in group if s not in SHARED]
            appends = [
                StreamAppend(
                    stream=s,
                    events=[created(s) if versions.get(s, 0) == 0 else sent(versions[s])],
                    expected_version=versions.get(s, 0),
                )
                for s in own
            ]
            for result in await store.append_many(appends):
                versions[result.stream] = result.version
                stored += result.appended
    finally:
        await store.close()
    return stored


async def _race(store: PostgresStore, stream: str, worker: int) -> int:
    while True:
        version = await store.version(stream)
        try:
            return (await store.append(stream, [sent(1000 * worker + version)], expected_version=version)).appended
        except ConcurrencyConflict:
            continue


async def _follow(store: PostgresStore, writing: asyncio.Future[list[int]]) -> list[Record]:
    seen: list[Record] = []
    while not writing.done():
        seen += [r async for r in store.read_all(seen[-1].position if seen else 0, batch=7, settle=0)]
        await asyncio.sleep(0.001)
    seen += [r async for r in store.read_all(seen[-1].position if seen else 0, batch=7)]
    return seen


async def _children(dsn: str) -> list[int]:
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.stores.test_pg_concurrency",
            dsn,
            str(w),
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        for w in range(WRITERS)
    ]
    try:
        outputs = await asyncio.wait_for(asyncio.gather(*(child.communicate() for child in children)), 300)
        assert [child.returncode for child in children] == [0] * WRITERS
        return [int(out) for out, _ in outputs]
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()


async def test_eight_writer_processes_and_a_follower(pg_dsn: str) -> None:
    store = await PostgresStore.open(pg_dsn)
    try:
        writing = asyncio.ensure_future(_children(pg_dsn))
        try:
            seen = await _follow(store, writing)
        finally:
            stored = await writing
        assert sum(stored) == WRITERS * (OWN_STREAMS * EVENTS_PER_STREAM + len(SHARED) * SHARED_EVENTS)
        conn = await asyncpg.connect(pg_dsn)
        try:
            rows = await conn.fetch("SELECT position, stream, version FROM payfold_events ORDER BY position")
        finally:
            await conn.close()
        assert len(rows) == sum(stored)
        assert [(r.position, r.stream, r.version) for r in seen] == [tuple(row) for row in rows]
        positions = [r.position for r in seen]
        assert all(a < b for a, b in itertools.pairwise(positions))
        by_stream: dict[str, list[int]] = {}
        for record in seen:
            by_stream.setdefault(record.stream, []).append(record.version)
        assert all(versions == list(range(1, len(versions) + 1)) for versions in by_stream.values())
        assert len(by_stream) == WRITERS * OWN_STREAMS + len(SHARED)
        assert (await store.verify()).ok
    finally:
        await store.close()


if __name__ == "__main__":
    print(asyncio.run(_write(sys.argv[1], int(sys.argv[2]))), flush=True)
