"""The PostgreSQL store against the contract, on a real server the tests start (see conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest

from payfold._store import EventStore, StoreFormatError, StreamAppend
from payfold.adapters.stores import _postgres_sql, postgres
from payfold.adapters.stores.postgres import PostgresStore
from payfold.testing import EventStoreContract
from payfold.testing._store_streams import T0, created, sent

from ._tamper import TamperCases


class TestPostgresStore(EventStoreContract):
    @pytest.fixture
    async def store(self, pg_dsn: str) -> AsyncIterator[EventStore]:
        store = await PostgresStore.open(pg_dsn)
        yield store
        await store.close()


class TestPostgresTamper(TamperCases):
    @pytest.fixture
    async def store(self, pg_dsn: str) -> AsyncIterator[EventStore]:
        store = await PostgresStore.open(pg_dsn)
        self.dsn = pg_dsn
        yield store
        await store.close()

    async def run(self, store: EventStore, sql: str, *args: Any) -> None:
        numbered = sql
        for n in range(1, len(args) + 1):
            numbered = numbered.replace("{}", f"${n}", 1)
        conn = await asyncpg.connect(self.dsn)
        try:
            await conn.execute(numbered, *args)
        finally:
            await conn.close()


async def _sql(dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def test_foreign_tables_are_refused(pg_dsn: str) -> None:
    await _sql(pg_dsn, "CREATE TABLE payfold_events (body bytea)")
    with pytest.raises(StoreFormatError, match="not a payfold database"):
        await PostgresStore.open(pg_dsn)


async def test_newer_schema_is_refused(pg_dsn: str) -> None:
    await (await PostgresStore.open(pg_dsn)).close()
    await _sql(pg_dsn, "UPDATE payfold_meta SET value = '99' WHERE key = 'format'")
    with pytest.raises(StoreFormatError, match=r"newer payfold \(schema format 99"):
        await PostgresStore.open(pg_dsn)


async def test_wrong_columns_are_refused(pg_dsn: str) -> None:
    await (await PostgresStore.open(pg_dsn)).close()
    await _sql(pg_dsn, "ALTER TABLE payfold_due DROP COLUMN leased_by")
    with pytest.raises(StoreFormatError, match="unexpected schema: table payfold_due"):
        await PostgresStore.open(pg_dsn)


async def test_older_schema_is_migrated(pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await PostgresStore.open(pg_dsn)
    await store.append("p1", [created("p1")], expected_version=0)
    await store.close()
    monkeypatch.setattr(_postgres_sql, "FORMAT", _postgres_sql.FORMAT + 1)
    monkeypatch.setitem(postgres.MIGRATIONS, _postgres_sql.FORMAT - 1, ("CREATE TABLE payfold_notes (note text)",))
    store = await PostgresStore.open(pg_dsn)
    try:
        assert await store.read("p1") == [created("p1")]
    finally:
        await store.close()
    conn = await asyncpg.connect(pg_dsn)
    try:
        assert await conn.fetchval("SELECT value FROM payfold_meta WHERE key = 'format'") == str(_postgres_sql.FORMAT)
        assert await conn.fetchval("SELECT count(*) FROM payfold_notes") == 0
    finally:
        await conn.close()


async def test_two_stores_open_one_database_at_once(pg_dsn: str) -> None:
    stores = await asyncio.gather(*(PostgresStore.open(pg_dsn) for _ in range(4)))
    try:
        await stores[0].append("p1", [created("p1")], expected_version=0)
        assert await stores[3].read("p1") == [created("p1")]
    finally:
        for store in stores:
            await store.close()


# --- leasing due work --------------------------------------------------------------------------------------


async def test_workers_never_lease_the_same_stream_at_once(pg_dsn: str) -> None:
    store = await PostgresStore.open(pg_dsn, max_size=8)
    try:
        appends = [
            StreamAppend(stream=f"p{n}", events=[created(f"p{n}")], expected_version=0, due=T0 + timedelta(seconds=n))
            for n in range(60)
        ]
        await store.append_many(appends)
        now = T0 + timedelta(minutes=5)
        leases = await asyncio.gather(*(store.lease_due(now, f"w{n}", 10, timedelta(minutes=1)) for n in range(8)))
        taken = [d.stream for lease in leases for d in lease]
        assert len(taken) == len(set(taken)) == 60
        for lease in leases:
            assert [d.at for d in lease] == sorted(d.at for d in lease)
        assert await store.lease_due(now, "late", 10, timedelta(minutes=1)) == []
        later = now + timedelta(minutes=2)
        assert len(await store.lease_due(later, "after-expiry", 100, timedelta(minutes=1))) == 60
    finally:
        await store.close()


async def test_an_append_ends_the_lease(pg_dsn: str) -> None:
    store = await PostgresStore.open(pg_dsn)
    try:
        await store.append("p1", [created("p1")], expected_version=0, due=T0)
        assert [d.stream for d in await store.lease_due(T0, "w1", 10, timedelta(hours=1))] == ["p1"]
        assert await store.lease_due(T0, "w2", 10, timedelta(hours=1)) == []
        await store.append("p1", [sent(1)], expected_version=1, due=T0)
        assert [d.stream for d in await store.lease_due(T0, "w2", 10, timedelta(hours=1))] == ["p1"]
    finally:
        await store.close()


# --- global order under concurrency ------------------------------------------------------------------------


async def test_a_tailing_reader_never_skips_a_commit(pg_dsn: str) -> None:
    store = await PostgresStore.open(pg_dsn, max_size=10)
    try:
        done = asyncio.Event()

        async def writer(w: int) -> None:
            for n in range(25):
                stream = f"w{w}-{n}"
                await store.append(stream, [created(stream), sent(1)], expected_version=0)

        async def tail() -> list[int]:
            seen: list[int] = []
            position = 0
            while True:
                finished = done.is_set()
                async for record in store.read_all(position, batch=7):
                    seen.append(record.position)
                    position = record.position
                if finished:
                    return seen
                await asyncio.sleep(0)

        tailer = asyncio.create_task(tail())
        await asyncio.gather(*(writer(w) for w in range(6)))
        done.set()
        seen = await tailer
        assert seen == list(range(1, 6 * 25 * 2 + 1))
    finally:
        await store.close()


async def test_a_worker_never_leases_a_stream_it_is_already_advancing(pg_dsn: str) -> None:
    """Leasing its own active stream would keep that stream's next step from every worker until the lease ran out."""
    store = await PostgresStore.open(pg_dsn)
    try:
        for stream in ("p1", "p2"):
            await store.append(stream, [created(stream)], expected_version=0, due=T0)
        leased = await store.lease_due(T0, "w1", 10, timedelta(hours=1), exclude=["p1"])
        assert [d.stream for d in leased] == ["p2"]
        assert [d.stream for d in await store.lease_due(T0, "w2", 10, timedelta(hours=1))] == ["p1"]
    finally:
        await store.close()
