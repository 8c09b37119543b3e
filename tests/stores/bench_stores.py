"""Store benchmarks, side by side with the plain driver doing the same work: ``python -m tests.stores.bench_stores``.

Prints events/s and the ratio payfold / plain for: a durable append per event, group commit, and replay
(read + decode + fold). SQLite in a temp dir; PostgreSQL on a throwaway server with fsync on. Not a test.
``rows()`` gives the SQLite rows (medians of several rounds) as ``tests.benchrow.Row`` values for ``make bench``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from payfold import (
    SCHEMA_VERSION,
    Event,
    OutcomeUnknown,
    PaymentCreated,
    RequeryPending,
    RequestSent,
    Wire,
    decode,
    encode,
    fold,
)
from payfold._store import EventStore, StreamAppend
from payfold.adapters.stores.postgres import PostgresStore
from payfold.adapters.stores.sqlite import SqliteStore
from tests._postgres import PostgresServer
from tests.benchrow import Row, rate_row

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SINGLE = 500  # durable appends, one event each
GROUP = 1000  # streams per group commit
GROUPS = 10
REPLAY_STREAMS = 2000
HISTORY = 10  # events per replayed stream


def history(pid: str) -> list[Event]:
    """A valid history: created, a charge that timed out, then requeries that stay pending."""
    at = [T0 + timedelta(seconds=n) for n in range(HISTORY + 2)]
    events: list[Event] = [
        PaymentCreated(at=at[0], payment_id=pid, provider="tranzzo", amount=1000, currency="XTS", reference=f"r-{pid}"),
        RequestSent(at=at[1], operation="charge"),
        OutcomeUnknown(
            at=at[2], wire=Wire(operation="charge", sent_at=at[1], received_at=at[2], error="timeout"), cause="timeout"
        ),
    ]
    n = 3
    while len(events) < HISTORY:
        events.append(RequestSent(at=at[n], operation="requery", attempt=n))
        wire = Wire(operation="requery", sent_at=at[n], received_at=at[n + 1], status=200, body=b'{"status":"pending"}')
        events.append(RequeryPending(at=at[n + 1], wire=wire))
        n += 2
    return events[:HISTORY]


def rate(count: int, seconds: float) -> float:
    return count / seconds


def show(name: str, ours: float, plain: float, plain_name: str) -> None:
    print(
        f"  {name:<34} payfold {ours:>10,.0f} ev/s   {plain_name:<26} {plain:>10,.0f} ev/s   ratio {ours / plain:5.2f}"
    )


async def timed(fn: Callable[[], Awaitable[int]]) -> float:
    start = time.perf_counter()
    count = await fn()
    return rate(count, time.perf_counter() - start)


# --- payfold side (any store) -----------------------------------------------------------------------------


async def ours_single(store: EventStore) -> int:
    events: list[Event] = [
        PaymentCreated(at=T0, payment_id="one", provider="tranzzo", amount=1, currency="XTS", reference="one")
    ]
    events += [RequestSent(at=T0 + timedelta(seconds=n), operation="requery", attempt=n) for n in range(1, SINGLE)]
    for version, event in enumerate(events):
        await store.append("one", [event], version)
    return SINGLE


def batches(group: int) -> int:
    """How many group commits of ``group`` streams a group-commit run makes (about 10,000 events, at least 10)."""
    return max(GROUPS, 10_000 // group)


async def ours_group(store: EventStore, group: int = GROUP) -> int:
    for g in range(batches(group)):
        await store.append_many(
            [
                StreamAppend(stream=f"g{g}-{n}", events=history(f"g{g}-{n}")[:1], expected_version=0)
                for n in range(group)
            ]
        )
    return group * batches(group)


async def seed(store: EventStore) -> None:
    for start in range(0, REPLAY_STREAMS, 200):
        await store.append_many(
            [
                StreamAppend(stream=f"r{n}", events=history(f"r{n}"), expected_version=0)
                for n in range(start, start + 200)
            ]
        )


async def ours_replay(store: EventStore) -> int:
    for n in range(REPLAY_STREAMS):
        fold(await store.read(f"r{n}"))
    return REPLAY_STREAMS * HISTORY


# --- plain sqlite3 ----------------------------------------------------------------------------------------


def plain_sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS e (stream TEXT, version INTEGER, data BLOB, PRIMARY KEY (stream, version))"
    )
    return conn


def sqlite_single(conn: sqlite3.Connection) -> int:
    data = [encode(e) for e in history("one")]
    for n in range(SINGLE):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO e VALUES ('one', ?, ?)", (n + 1, data[n % HISTORY]))
        conn.execute("COMMIT")
    return SINGLE


def sqlite_group(conn: sqlite3.Connection, group: int = GROUP) -> int:
    for g in range(batches(group)):
        rows = [(f"g{g}-{n}", 1, encode(history(f"g{g}-{n}")[0])) for n in range(group)]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO e VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")
    return group * batches(group)


def sqlite_replay(conn: sqlite3.Connection) -> int:
    for n in range(REPLAY_STREAMS):
        rows = conn.execute("SELECT data FROM e WHERE stream = ? ORDER BY version", (f"r{n}",)).fetchall()
        fold([decode(row[0], SCHEMA_VERSION) for row in rows])
    return REPLAY_STREAMS * HISTORY


def sync_rate(fn: Callable[[], int]) -> float:
    start = time.perf_counter()
    count = fn()
    return rate(count, time.perf_counter() - start)


def seed_plain(conn: sqlite3.Connection) -> None:
    for start in range(0, REPLAY_STREAMS, 200):
        rows = [(f"r{n}", v + 1, encode(e)) for n in range(start, start + 200) for v, e in enumerate(history(f"r{n}"))]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO e VALUES (?, ?, ?)", rows)
        conn.execute("COMMIT")


async def ours_replay_bulk(store: SqliteStore) -> int:
    """Replay through the bulk read: 200 streams per query (one thread hop), decoded on the reader's thread."""
    names = [f"r{n}" for n in range(REPLAY_STREAMS)]
    for start in range(0, REPLAY_STREAMS, 200):
        for events in (await store.read_many(names[start : start + 200])).values():
            fold(events)
    return REPLAY_STREAMS * HISTORY


async def sqlite_round(tmp: Path, group: int) -> dict[str, tuple[float, float]]:
    """One round in fresh files: (payfold, plain) events/s for each SQLite row."""
    store = await SqliteStore.open(tmp / "payfold.db")
    conn = plain_sqlite(tmp / "plain.db")
    found: dict[str, tuple[float, float]] = {}
    try:
        plain_single = sync_rate(lambda: sqlite_single(conn))
        found["single"] = (await timed(lambda: ours_single(store)), plain_single)
        plain_group = sync_rate(lambda: sqlite_group(conn, group))
        found["group"] = (await timed(lambda: ours_group(store, group)), plain_group)
        await seed(store)
        seed_plain(conn)
        plain_replay = sync_rate(lambda: sqlite_replay(conn))
        found["replay"] = (await timed(lambda: ours_replay_bulk(store)), plain_replay)
        found["replay_one_by_one"] = (await timed(lambda: ours_replay(store)), plain_replay)
    finally:
        await store.close()
        conn.close()
    return found


async def sqlite_rounds(rounds: int, group: int) -> dict[str, tuple[float, float]]:
    """Medians over ``rounds`` rounds, each in a fresh temp dir (plain and payfold alternate within a round)."""
    runs = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="payfold-bench-", dir=Path.home()) as tmp:
            runs.append(await sqlite_round(Path(tmp), group))
    return {
        key: (statistics.median(r[key][0] for r in runs), statistics.median(r[key][1] for r in runs)) for key in runs[0]
    }


def rows(*, rounds: int = 5) -> list[Row]:
    """The SQLite rows of ``make bench`` (WAL, synchronous=FULL on both sides), medians of ``rounds`` rounds."""
    small = asyncio.run(sqlite_rounds(rounds, 64))
    large = asyncio.run(sqlite_rounds(rounds, 1000))
    single, replay = large["single"], large["replay"]
    return [
        rate_row("SQLite group commit, 64 streams/commit", *small["group"], "ev/s", 0.6, "one await, one fsync"),
        rate_row("SQLite group commit, 1,000 streams/commit", *large["group"], "ev/s", 0.6, "encode + hash per event"),
        rate_row(
            "SQLite durable append, 1 commit/event", *single, "ev/s", 0.9, "fsync-bound; one aiosqlite thread hop"
        ),
        rate_row(
            "SQLite replay, 2,000 short payments (bulk read)",
            *replay,
            "ev/s",
            0.8,
            "200 streams per query: one thread hop each",
        ),
    ]


async def bench_sqlite(tmp: Path) -> None:
    print(f"SQLite (WAL, synchronous=FULL) in {tmp}")
    found: dict[str, tuple[float, float]] = {}
    for group in (64, 1000):
        (tmp / str(group)).mkdir()
        found = await sqlite_round(tmp / str(group), group)
        show("durable append, 1 event/commit", *found["single"], "sqlite3 1 commit/event")
        show(f"group commit, {group} streams/commit", *found["group"], "sqlite3 executemany")
    show("replay: bulk read + decode + fold", *found["replay"], "sqlite3 + msgspec + fold")
    show("replay: one read per payment", *found["replay_one_by_one"], "sqlite3 + msgspec + fold")


# --- plain asyncpg ----------------------------------------------------------------------------------------


async def pg_single(conn: asyncpg.Connection) -> int:
    data = [encode(e) for e in history("one")]
    for n in range(SINGLE):
        await conn.execute("INSERT INTO e VALUES ('one', $1, $2)", n + 1, data[n % HISTORY])
    return SINGLE


async def pg_group(conn: asyncpg.Connection) -> int:
    for g in range(GROUPS):
        rows = [(f"g{g}-{n}", 1, encode(history(f"g{g}-{n}")[0])) for n in range(GROUP)]
        async with conn.transaction():
            await conn.executemany("INSERT INTO e VALUES ($1, $2, $3)", rows)
    return GROUP * GROUPS


async def pg_replay(conn: asyncpg.Connection) -> int:
    for n in range(REPLAY_STREAMS):
        rows = await conn.fetch("SELECT data FROM e WHERE stream = $1 ORDER BY version", f"r{n}")
        fold([decode(row[0], SCHEMA_VERSION) for row in rows])
    return REPLAY_STREAMS * HISTORY


async def bench_postgres(server: PostgresServer) -> None:
    print(f"PostgreSQL 15 (fsync on, synchronous_commit on) in {server.dir}")
    store = await PostgresStore.open(server.create_database())
    conn = await asyncpg.connect(server.create_database())
    await conn.execute("CREATE TABLE e (stream text, version int, data bytea, PRIMARY KEY (stream, version))")
    try:
        show(
            "durable append, 1 event/commit",
            await timed(lambda: ours_single(store)),
            await timed(lambda: pg_single(conn)),
            "asyncpg 1 commit/event",
        )
        show(
            f"group commit, {GROUP} streams/commit",
            await timed(lambda: ours_group(store)),
            await timed(lambda: pg_group(conn)),
            "asyncpg executemany",
        )
        await seed(store)
        rows = [(f"r{n}", v + 1, encode(e)) for n in range(REPLAY_STREAMS) for v, e in enumerate(history(f"r{n}"))]
        await conn.executemany("INSERT INTO e VALUES ($1, $2, $3)", rows)
        show(
            "replay: read + decode + fold",
            await timed(lambda: ours_replay(store)),
            await timed(lambda: pg_replay(conn)),
            "asyncpg + msgspec + fold",
        )
    finally:
        await store.close()
        await conn.close()


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="payfold-bench-", dir=Path.home()) as tmp:
        await bench_sqlite(Path(tmp))
    server = PostgresServer(fsync=True)
    try:
        server.start()
        await bench_postgres(server)
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
