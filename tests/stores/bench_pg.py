"""PostgreSQL scaling benchmark: ``python -m tests.stores.bench_pg`` (``rows()`` for ``tests.bench_all``).

Worker PROCESSES (1, 2, 4), each with its own pool, against a throwaway server this module starts and stops
(``tests._postgres``, fsync on). Two kinds of work, each next to plain asyncpg doing the same in the same run:

- append: one durable commit per event (5 events per stream, own streams per worker), events/s. Plain: an
  INSERT into a table with the same keys, one commit per event.
- leasing: payments due; each worker leases 10 at a time and completes each with an append that clears its due
  time, payments/s. Plain: ``UPDATE ... FOR UPDATE SKIP LOCKED`` then INSERT + DELETE per payment.

Rows: payfold / plain at each worker count (target 0.7), and payfold at 4 workers / payfold at 1 (target 2.5).
A child is ``python -m tests.stores.bench_pg KIND DSN WORKER WORKERS``: it connects, prints ``ready``, waits for a
line on stdin, works, prints its count. The parent times from "go" to the last child's end.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from payfold import Event, encode
from payfold._store import StreamAppend
from payfold.adapters.stores.postgres import PostgresStore
from payfold.testing._store_streams import created, sent
from tests._postgres import PostgresServer
from tests.benchrow import Row, rate_row

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 2000  # appended per run, split between the workers
PAYMENTS = 1000  # leased and completed per run
PER_STREAM = 5
NOW = datetime(2026, 1, 1, tzinfo=UTC)
PLAIN = (
    """CREATE TABLE plain_events (position bigserial PRIMARY KEY, stream text NOT NULL, version int NOT NULL,
        data bytea NOT NULL, UNIQUE (stream, version))""",
    "CREATE TABLE plain_due (stream text PRIMARY KEY, due_at timestamptz NOT NULL, leased_until timestamptz)",
    "CREATE INDEX plain_due_at ON plain_due (due_at)",
)
PLAIN_LEASE = """
    WITH picked AS (SELECT stream FROM plain_due WHERE due_at <= $1 AND (leased_until IS NULL OR leased_until <= $1)
                    ORDER BY due_at LIMIT 10 FOR UPDATE SKIP LOCKED)
    UPDATE plain_due d SET leased_until = $1 + interval '1 minute' FROM picked WHERE d.stream = picked.stream
    RETURNING d.stream
"""


def _event(stream: str, version: int) -> Event:
    return created(stream) if version == 1 else sent(version)


async def _child(kind: str, dsn: str, worker: int, workers: int) -> int:
    """One worker's share of ``kind`` (``append``, ``plain-append``, ``lease``, ``plain-lease``)."""
    streams = [f"w{worker}-{n}" for n in range(EVENTS // PER_STREAM // workers)]
    store = await PostgresStore.open(dsn, max_size=1) if not kind.startswith("plain") else None
    conn: Any = await asyncpg.connect(dsn) if store is None else None
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    done = 0
    try:
        if kind == "append" and store is not None:
            for version in range(1, PER_STREAM + 1):
                for stream in streams:
                    await store.append(stream, [_event(stream, version)], expected_version=version - 1)
                    done += 1
        elif kind == "plain-append":
            for version in range(1, PER_STREAM + 1):
                for stream in streams:
                    data = encode(_event(stream, version))
                    await conn.execute(
                        "INSERT INTO plain_events (stream, version, data) VALUES ($1, $2, $3)", stream, version, data
                    )
                    done += 1
        elif kind == "lease" and store is not None:
            while leased := await store.lease_due(NOW, f"w{worker}", 10, timedelta(minutes=1)):
                for due in leased:
                    await store.append(due.stream, [sent(1)], expected_version=1, due=None)
                    done += 1
        elif kind == "plain-lease":
            while leased := await conn.fetch(PLAIN_LEASE, NOW):
                for row in leased:
                    async with conn.transaction():
                        await conn.execute(
                            "INSERT INTO plain_events (stream, version, data) VALUES ($1, 2, $2)",
                            row[0],
                            encode(sent(1)),
                        )
                        await conn.execute("DELETE FROM plain_due WHERE stream = $1", row[0])
                    done += 1
    finally:
        if store is not None:
            await store.close()
        if conn is not None:
            await conn.close()
    return done


async def _seed(kind: str, dsn: str) -> None:
    store = await PostgresStore.open(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        for statement in PLAIN:
            await conn.execute(statement)
        if kind == "lease":
            streams = [f"p{n}" for n in range(PAYMENTS)]
            for start in range(0, PAYMENTS, 500):
                await store.append_many(
                    [
                        StreamAppend(stream=s, events=[created(s)], expected_version=0, due=NOW)
                        for s in streams[start:][:500]
                    ]
                )
        elif kind == "plain-lease":
            await conn.execute(
                "INSERT INTO plain_due SELECT 'p' || n, $1 FROM generate_series(0, $2 - 1) n", NOW, PAYMENTS
            )
            await conn.execute(
                "INSERT INTO plain_events (stream, version, data)"
                " SELECT 'p' || n, 1, 'x' FROM generate_series(0, $1 - 1) n",
                PAYMENTS,
            )
    finally:
        await conn.close()
        await store.close()


async def _run(server: PostgresServer, kind: str, workers: int) -> float:
    """Work done per second by ``workers`` child processes on a fresh database."""
    dsn = server.create_database()
    await _seed(kind, dsn)
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.stores.bench_pg", kind, dsn, str(w), str(workers),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
        )
        for w in range(workers)
    ]  # fmt: skip
    try:
        for child in children:
            assert child.stdout is not None and await child.stdout.readline() == b"ready\n"
        started = time.perf_counter()
        outputs = await asyncio.gather(*(child.communicate(b"go\n") for child in children))
        seconds = time.perf_counter() - started
        assert all(child.returncode == 0 for child in children)
        return sum(int(out) for out, _ in outputs) / seconds
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()


async def _rows(repeat: int) -> list[Row]:
    server = PostgresServer(fsync=True)
    server.start()
    try:
        rows: list[Row] = []
        for work, unit in (("append", "events/s"), ("lease", "payments/s")):
            ours: dict[int, float] = {}
            for workers in (1, 2, 4):
                ours[workers] = statistics.median([await _run(server, work, workers) for _ in range(repeat)])
                plain = statistics.median([await _run(server, f"plain-{work}", workers) for _ in range(repeat)])
                rows.append(rate_row(f"pg {work}, {workers} worker process(es)", ours[workers], plain, unit, 0.7))
            rows.append(rate_row(f"pg {work} scaling, 4 vs 1 worker", ours[4], ours[1], unit, 2.5, "2 cores: see docs"))
        return rows
    finally:
        server.stop()


def rows(repeat: int = 1) -> list[Row]:
    """The benchmark's rows (medians of ``repeat`` runs)."""
    return asyncio.run(_rows(repeat))


if __name__ == "__main__":
    if len(sys.argv) == 5:
        print(asyncio.run(_child(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))), flush=True)
    else:
        for row in rows():
            print(
                f"{row.row:<40} payfold {row.payfold:>9,.0f}  baseline {row.baseline:>9,.0f} {row.unit:<10}"
                f" ratio {row.ratio:5.2f} (target {row.target}) {'met' if row.met else 'NOT met'}"
            )
