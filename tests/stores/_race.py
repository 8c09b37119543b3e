"""A racing writer: re-read, re-decide, re-append until its events are in. Shared by tasks and child processes.

Run as a child: ``python -m tests.stores._race sqlite PATH WORKER COUNT`` (or ``postgres DSN ...``); it prints
the number of conflicts it met.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

from payfold import ConcurrencyConflict, RequestSent
from payfold._store import EventStore
from payfold.testing._store_streams import T0

STREAMS = ("r1", "r2", "r3")


def at(worker: int, n: int) -> timedelta:
    """The offset of worker ``worker``'s ``n``-th event: unique per (worker, n)."""
    return timedelta(seconds=worker * 1000 + n)


async def race(store: EventStore, worker: int, count: int) -> int:
    """Append ``count`` events per stream; each event's ``attempt`` is decided from the stream as read."""
    conflicts = 0
    for n in range(count):
        for stream in STREAMS:
            while True:
                events = await store.read(stream)
                decided = RequestSent(at=T0 + at(worker, n), operation="requery", attempt=len(events))
                try:
                    await store.append(stream, [decided], expected_version=len(events))
                    break
                except ConcurrencyConflict:
                    conflicts += 1
    return conflicts


async def _main(kind: str, target: str, worker: int, count: int) -> None:
    store: EventStore
    if kind == "sqlite":
        from payfold.adapters.stores.sqlite import SqliteStore

        store = await SqliteStore.open(target)
    else:
        from payfold.adapters.stores.postgres import PostgresStore

        store = await PostgresStore.open(target, max_size=2)
    try:
        print(await race(store, worker, count), flush=True)
    finally:
        await store.close()


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
