"""read_all's global order on PostgreSQL while transactions commit out of order.

The first test shows the bug the watermark exists for: a reader that follows a plain increasing number skips an
event whose transaction took its number first and committed last. The others hold transactions open by hand
(a second connection running the store's own append, uncommitted) and check that the store's reader neither
skips nor repeats, and that positions only grow in what it sees.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfold._store import Record, StreamAppend
from payfold.adapters.stores import _plan, _postgres_append
from payfold.adapters.stores.postgres import PostgresStore
from payfold.testing._store_streams import created, sent

NAIVE = "SELECT position, stream FROM payfold_events WHERE position > $1 ORDER BY position"


@asynccontextmanager
async def held(dsn: str, stream: str, version: int) -> AsyncIterator[asyncpg.Connection]:
    """The store's append of one event to ``stream`` at ``version``, written but not committed until the caller
    commits with ``await conn.execute('COMMIT')`` (rolled back if it does not)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("BEGIN")
        event = created(stream) if version == 1 else sent(version)
        items = _plan.prepare([StreamAppend(stream=stream, events=[event], expected_version=version - 1)])
        await _postgres_append.write(conn, items)
        yield conn
    finally:
        if conn.is_in_transaction():
            await conn.execute("ROLLBACK")
        await conn.close()


async def _read(store: PostgresStore, after: int, settle: float = 0.0) -> list[Record]:
    return [r async for r in store.read_all(after, batch=2, settle=settle)]


async def test_a_plain_sequence_reader_skips_an_out_of_order_commit(pg_dsn: str) -> None:
    conn_a, conn_b = await asyncpg.connect(pg_dsn), await asyncpg.connect(pg_dsn)
    try:
        await conn_a.execute("CREATE TABLE plain (position bigserial PRIMARY KEY, stream text NOT NULL)")
        await conn_a.execute("BEGIN")
        await conn_a.execute("INSERT INTO plain (stream) VALUES ('early')")  # takes position 1, commits last
        await conn_b.execute("INSERT INTO plain (stream) VALUES ('late')")  # takes position 2, commits first
        seen = await conn_b.fetch("SELECT position, stream FROM plain WHERE position > 0 ORDER BY position")
        checkpoint = seen[-1]["position"]
        await conn_a.execute("COMMIT")
        seen += await conn_b.fetch("SELECT position, stream FROM plain WHERE position > $1", checkpoint)
        assert [row["stream"] for row in seen] == ["late"]  # 'early' is committed and was never seen
        assert await conn_b.fetchval("SELECT count(*) FROM plain") == 2
    finally:
        await conn_a.close()
        await conn_b.close()


async def test_the_store_reader_waits_for_the_older_transaction(pg_dsn: str) -> None:
    store = await PostgresStore.open(pg_dsn)
    naive = await asyncpg.connect(pg_dsn)
    try:
        async with held(pg_dsn, "early", 1) as conn:
            await store.append("late", [created("late")], expected_version=0)
            assert await _read(store, 0) == []  # 'late' is committed but above the watermark
            naive_seen = await naive.fetch(NAIVE, 0)
            assert [row["stream"] for row in naive_seen] == ["late"]
            await conn.execute("COMMIT")
        seen = await _read(store, 0)
        assert [r.stream for r in seen] == ["early", "late"]
        assert seen[0].position < seen[1].position
        assert await naive.fetch(NAIVE, naive_seen[-1]["position"]) == []  # the naive reader lost 'early'
    finally:
        await naive.close()
        await store.close()


async def test_read_all_returns_what_was_committed_before_it_once_the_older_transaction_ends(pg_dsn: str) -> None:
    store = await PostgresStore.open(pg_dsn)
    try:
        async with held(pg_dsn, "early", 1) as conn:
            await store.append("late", [created("late")], expected_version=0)
            reading = asyncio.create_task(_read(store, 0, settle=30.0))
            await asyncio.sleep(0.3)
            assert not reading.done()  # waiting: 'late' was committed before the call
            await conn.execute("COMMIT")
            seen = await asyncio.wait_for(reading, 10)
        assert [r.stream for r in seen] == ["early", "late"]
        async with held(pg_dsn, "stuck", 1):
            await store.append("after", [created("after")], expected_version=0)
            started = asyncio.get_running_loop().time()
            assert await _read(store, seen[-1].position, settle=0.2) == []  # gives up after settle
            assert asyncio.get_running_loop().time() - started >= 0.2
    finally:
        await store.close()


async def test_a_rolled_back_transaction_leaves_no_gap_for_the_reader(pg_dsn: str) -> None:
    store = await PostgresStore.open(pg_dsn)
    try:
        async with held(pg_dsn, "gone", 1):
            await store.append("kept", [created("kept")], expected_version=0)
            assert await _read(store, 0) == []
        assert [r.stream for r in await _read(store, 0)] == ["kept"]
        assert await store.read("gone") == []
    finally:
        await store.close()


# --- a property: any interleaving of begin / commit / abort / read --------------------------------------------

WRITERS = 3
EXAMPLES = itertools.count()
Op = tuple[str, int]
ops = st.lists(
    st.tuples(st.sampled_from(["write", "end", "read"]), st.integers(0, WRITERS - 1)), min_size=1, max_size=25
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(schedule=ops, aborts=st.sets(st.integers(0, 25), max_size=3))
async def test_a_follower_sees_each_commit_once_in_growing_positions(
    pg_dsn: str, schedule: list[Op], aborts: set[int]
) -> None:
    """Writers begin, write, commit or roll back in any order; a follower reads with its checkpoint between
    steps. At the end it has seen exactly the committed events, each once, positions strictly growing."""
    store = await PostgresStore.open(pg_dsn)
    conns = [await asyncpg.connect(pg_dsn) for _ in range(WRITERS)]
    try:
        prefix = f"x{next(EXAMPLES)}"  # the database outlives one example: keep each example's streams apart
        versions: dict[str, int] = {}
        pending: dict[int, str] = {}
        committed: set[tuple[str, int]] = set()
        seen: list[Record] = []
        for step, (op, w) in enumerate(schedule):
            if op == "write" and w not in pending:
                stream = f"{prefix}-w{w}"
                version = versions.get(stream, 0) + 1
                await conns[w].execute("BEGIN")
                event = created(stream) if version == 1 else sent(version)
                items = _plan.prepare([StreamAppend(stream=stream, events=[event], expected_version=version - 1)])
                await _postgres_append.write(conns[w], items)
                pending[w] = stream
            elif op == "end" and w in pending:
                stream = pending.pop(w)
                if step in aborts:
                    await conns[w].execute("ROLLBACK")
                else:
                    await conns[w].execute("COMMIT")
                    versions[stream] = versions.get(stream, 0) + 1
                    committed.add((stream, versions[stream]))
            elif op == "read":
                seen += await _read(store, seen[-1].position if seen else 0)
        for w in list(pending):
            await conns[w].execute("ROLLBACK")
        seen += await _read(store, seen[-1].position if seen else 0, settle=10.0)
        mine = [r for r in seen if r.stream.startswith(prefix)]
        assert sorted((r.stream, r.version) for r in mine) == sorted(committed)  # each commit once, nothing else
        for stream, last in versions.items():
            assert [r.version for r in mine if r.stream == stream] == list(range(1, last + 1))
        positions = [r.position for r in seen]
        assert positions == sorted(set(positions))
    finally:
        for conn in conns:
            await conn.close()
        await store.close()
