"""The PostgreSQL store against the contract, on a real server the tests start (see conftest.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest

from payfold import SCHEMA_VERSION, encode, event_id
from payfold._store import EventStore, StoreFormatError, StreamAppend
from payfold.adapters.stores import _postgres_sql, postgres
from payfold.adapters.stores._chain import link
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
    async def test_inserted_row_is_detected(self, store: EventStore) -> None:
        """As the shared case, with the forged row placed after every stored position: positions here are
        transaction ids times 65536, so the shared case's fixed 5000 would sit before the stream's first event."""
        await self._seed(store)
        records = await store.read_records("b")
        last = max([r.position async for r in store.read_all()])
        await self.run(store, "UPDATE payfold_events SET version = 3 WHERE stream = 'b' AND version = 2")
        data = encode(sent(99))
        chained = link(records[0].hash, "b", 2, "request_sent", SCHEMA_VERSION, data)
        sql = (
            "INSERT INTO payfold_events (position, stream, version, tag, schema_version, id, hash, data)"
            " VALUES ({}, 'b', 2, 'request_sent', {}, {}, {}, {})"
        )
        await self.run(store, sql, last + 1000, SCHEMA_VERSION, event_id(data), chained, data)
        problem = await self._only_problem(store)
        assert (problem.stream, problem.version, problem.kind) == ("b", 3, "order")

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


# --- reading one stream ------------------------------------------------------------------------------------


async def test_read_records_scans_only_the_versions_asked_for(pg_dsn: str) -> None:
    """The runner reads a stream's tail on every exchange: that must be a range scan of (stream, version)."""
    store = await PostgresStore.open(pg_dsn)
    try:
        appends = [
            StreamAppend(
                stream=f"p{n}", events=[created(f"p{n}"), *(sent(k) for k in range(1, 40))], expected_version=0
            )
            for n in range(60)
        ]
        await store.append_many(appends)
        assert [r.version for r in await store.read_records("p7", after_version=37)] == [38, 39, 40]
        conn = await asyncpg.connect(pg_dsn)
        try:
            await conn.execute("ANALYZE payfold_events")
            plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {_postgres_sql.READ_STREAM}", "p7", 37)
        finally:
            await conn.close()
        node = json.loads(plan)[0]["Plan"]
        assert node["Node Type"] == "Index Scan", node
        assert "version > 37" in node["Index Cond"] and "stream" in node["Index Cond"], node
    finally:
        await store.close()


async def test_one_transaction_holds_at_most_65535_events(pg_dsn: str) -> None:
    store = await PostgresStore.open(pg_dsn)
    try:
        too_many = [StreamAppend(stream=f"p{n}", events=[created(f"p{n}")], expected_version=0) for n in range(65536)]
        with pytest.raises(ValueError, match="at most 65535 events"):
            await store.append_many(too_many)
        assert [r async for r in store.read_all()] == []
    finally:
        await store.close()


async def test_a_due_time_decided_at_an_older_version_does_not_replace_a_newer_one(pg_dsn: str) -> None:
    """Appends read heads without a lock: a writer that planned at version 1 may write after another committed
    version 2. Its due write (here replayed by hand, as the store would send it) must not win."""
    store = await PostgresStore.open(pg_dsn)
    try:
        await store.append("p1", [created("p1")], expected_version=0, due=T0)
        await store.append("p1", [sent(1)], expected_version=1, due=T0 + timedelta(hours=2))
        conn = await asyncpg.connect(pg_dsn)
        try:
            stale = [["p1"], [1], [T0]]
            await conn.execute(_postgres_sql.WRITE, [], [], [], [], [], [], [], [], *stale)
        finally:
            await conn.close()
        assert await store.due(T0 + timedelta(hours=1)) == []
        assert [d.at for d in await store.due(T0 + timedelta(hours=2))] == [T0 + timedelta(hours=2)]
    finally:
        await store.close()
