"""The chain key: a keyed log links with HMACs, refuses to mix with plain links, and shows re-hashing without the
key; read-only opens change nothing. SQLite and PostgreSQL share the cases; the memory store has its own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfold import SCHEMA_VERSION, Event, StoreError, encode, event_id, tag_of
from payfold._store import Record, StoreFormatError, StreamAppend
from payfold.adapters.stores import _postgres_sql, _sqlite_schema
from payfold.adapters.stores._chain import GENESIS, KEY_ENV, ChainKeyError, fingerprint, link
from payfold.adapters.stores.memory import MemoryStore
from payfold.adapters.stores.postgres import PostgresStore
from payfold.adapters.stores.sqlite import SqliteStore
from payfold.testing._store_streams import created, sent, unknown
from tests.audit._logs import Log, PostgresLog, SqliteLog

KEY = bytes(range(32))
OTHER = bytes(range(1, 33))


def _chained(records: list[Record], key: bytes | None) -> bool:
    previous = GENESIS
    for r in records:
        if link(previous, r.stream, r.version, r.tag, r.schema_version, r.data, key) != r.hash:
            return False
        previous = r.hash
    return True


class KeyedLogCases:
    """Subclasses provide a ``log`` fixture (a fresh, empty ``tests.audit._logs.Log``)."""

    async def _write(self, log: Log, key: bytes | None) -> None:
        store = await log.open(key=key)
        try:
            await store.append("a", [created("a"), sent(1)], expected_version=0)
            await store.append_many(
                [
                    StreamAppend(stream="a", events=[unknown(2)], expected_version=2),
                    StreamAppend(stream="b", events=[created("b")], expected_version=0),
                    StreamAppend(stream="a", events=[sent(3)], expected_version=3),
                ]
            )
        finally:
            await store.close()

    async def _records(self, log: Log, stream: str) -> list[Record]:
        store = await log.open(read_only=True)
        try:
            return await store.read_records(stream)
        finally:
            await store.close()

    async def test_a_keyed_log_links_with_hmacs_and_verifies_with_its_key(self, log: Log) -> None:
        await self._write(log, KEY)
        found = await self._records(log, "a")
        assert len(found) == 4 and _chained(found, KEY) and not _chained(found, None)
        store = await log.open(key=KEY)
        try:
            assert store.keyed and (await store.verify()).ok
        finally:
            await store.close()

    async def test_without_the_key_a_keyed_log_can_be_read_not_appended_to_or_verified(self, log: Log) -> None:
        await self._write(log, KEY)
        store = await log.open()
        try:
            assert [type(e).__name__ for e in await store.read("b")] == ["PaymentCreated"]
            with pytest.raises(ChainKeyError, match=rf"keyed \(chain key fingerprint {fingerprint(KEY)[:12]}\)"):
                await store.append("a", [sent(9)], expected_version=4)
            with pytest.raises(ChainKeyError, match="verifying needs its key"):
                await store.verify()
        finally:
            await store.close()
        assert len(await self._records(log, "a")) == 4

    async def test_another_key_is_refused_naming_the_log(self, log: Log) -> None:
        await self._write(log, KEY)
        with pytest.raises(ChainKeyError, match="is not this log's") as caught:
            await log.open(key=OTHER)
        assert caught.value.where in (log.where, f"postgresql database {log.where.rsplit('/', 1)[-1]!r}")

    async def test_a_key_is_refused_on_a_log_created_without_one(self, log: Log) -> None:
        await self._write(log, None)
        with pytest.raises(ChainKeyError, match="created without one"):
            await log.open(key=KEY)
        with pytest.raises(ChainKeyError, match="created without one"):
            await log.open(key=KEY, read_only=True)

    async def test_a_row_rehashed_without_the_key_is_named(self, log: Log) -> None:
        await self._write(log, KEY)
        found = await self._records(log, "a")
        data = encode(sent(99))
        hashed = link(found[2].hash, "a", 4, "request_sent", SCHEMA_VERSION, data)  # all an intruder can compute
        await log.sql(
            "UPDATE payfold_events SET data = {}, id = {}, hash = {} WHERE stream = 'a' AND version = 4",
            data,
            event_id(data),
            hashed,
        )
        store = await log.open(key=KEY, read_only=True)
        try:
            report = await store.verify()
        finally:
            await store.close()
        assert [(p.stream, p.version, p.kind) for p in report.problems] == [("a", 4, "hash")]
        assert "re-hashed without the chain key" in report.problems[0].detail

    async def test_a_read_only_store_refuses_appends(self, log: Log) -> None:
        await self._write(log, None)
        store = await log.open(read_only=True)
        try:
            with pytest.raises(StoreError, match="opened read-only"):
                await store.append("c", [created("c")], expected_version=0)
        finally:
            await store.close()


class TestSqliteKey(KeyedLogCases):
    @pytest.fixture
    def log(self, tmp_path: Path) -> Log:
        return SqliteLog(tmp_path / "events.db")


class TestPostgresKey(KeyedLogCases):
    @pytest.fixture
    def log(self, pg_dsn: str) -> Log:
        return PostgresLog(pg_dsn)


async def test_the_key_is_never_stored(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = await SqliteStore.open(path, chain_key=KEY)
    await store.append("a", [created("a")], expected_version=0)
    await store.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert KEY not in stored and KEY.hex().encode() not in stored
    assert fingerprint(KEY).encode() in stored  # what is kept instead


async def test_the_key_comes_from_the_environment_in_hex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY.hex())
    store = await SqliteStore.open(tmp_path / "events.db")
    try:
        assert store.chain_key == KEY and store.keyed
        assert MemoryStore().chain_key == KEY
    finally:
        await store.close()
    monkeypatch.setenv(KEY_ENV, "not hex")
    with pytest.raises(ChainKeyError, match=f"{KEY_ENV}: the chain key must be written in hexadecimal"):
        await SqliteStore.open(tmp_path / "other.db")
    monkeypatch.setenv(KEY_ENV, "00ff")
    with pytest.raises(ChainKeyError, match="has 2 bytes; at least 16"):
        MemoryStore()
    assert not (tmp_path / "other.db").exists()


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.binary(min_size=16, max_size=64),
    rounds=st.lists(st.lists(st.tuples(st.sampled_from("abc"), st.integers(1, 3)), min_size=1, max_size=4), max_size=5),
)
async def test_every_keyed_append_links_under_the_key(key: bytes, rounds: list[list[tuple[str, int]]]) -> None:
    """Many streams, a stream twice in one ``append_many``: every stored link is the keyed link of its row."""
    store = MemoryStore(chain_key=key)
    versions: dict[str, int] = {}
    for appends in rounds:
        items = []
        for stream, count in appends:
            start = versions.get(stream, 0)
            events: list[Event] = [created(stream)] if start == 0 else []
            events += [sent(start + n) for n in range(1, count + 1)]
            items.append(StreamAppend(stream=stream, events=events, expected_version=start))
            versions[stream] = start + len(events)
        await store.append_many(items)
    for stream in versions:
        assert _chained(await store.read_records(stream), key)
    assert (await store.verify()).ok
    assert store.fingerprint == fingerprint(key) and fingerprint(key) != fingerprint(key[::-1] + b"x")


async def test_an_sqlite_format_1_file_is_read_as_it_is_and_migrated_when_opened_for_writing(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with sqlite3.connect(path) as conn:
        for statement in _sqlite_schema.SCHEMA[:3]:  # format 1: no payfold_meta, no payfold_references
            conn.execute(statement)
        data = encode(created("a"))
        hashed = link(GENESIS, "a", 1, "created", SCHEMA_VERSION, data)
        conn.execute(
            "INSERT INTO payfold_events (stream, version, tag, schema_version, id, hash, data)"
            " VALUES ('a', 1, ?, ?, ?, ?, ?)",
            (tag_of(created("a")), SCHEMA_VERSION, event_id(data), hashed, data),
        )
        conn.execute(f"PRAGMA application_id = {_sqlite_schema.APPLICATION_ID}")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    reader = await SqliteStore.open(path, read_only=True)
    try:
        assert not reader.keyed and (await reader.verify()).ok
    finally:
        await reader.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    store = await SqliteStore.open(path)
    try:
        await store.append("a", [sent(1)], expected_version=1)
        assert not store.keyed and (await store.verify()).ok
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == _sqlite_schema.FORMAT
        assert conn.execute("SELECT count(*) FROM payfold_meta").fetchone()[0] == 0
    conn.close()


async def test_sqlite_read_only_creates_nothing(tmp_path: Path) -> None:
    missing, empty = tmp_path / "missing.db", tmp_path / "empty.db"
    with pytest.raises(FileNotFoundError, match="no such database file"):
        await SqliteStore.open(missing, read_only=True)
    empty.touch()
    with pytest.raises(StoreFormatError, match="not a payfold log: the database is empty"):
        await SqliteStore.open(empty, read_only=True)
    assert not missing.exists() and empty.read_bytes() == b""


async def _pg(dsn: str, query: str) -> object:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


async def test_postgres_read_only_creates_nothing_and_format_2_becomes_3(pg_dsn: str) -> None:
    tables = "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
    with pytest.raises(StoreFormatError, match="not a payfold log: no payfold tables"):
        await PostgresStore.open(pg_dsn, read_only=True)
    assert await _pg(pg_dsn, tables) == 0
    store = await PostgresStore.open(pg_dsn)
    await store.append("a", [created("a")], expected_version=0)
    await store.close()
    conn = await asyncpg.connect(pg_dsn)
    try:
        await conn.execute("UPDATE payfold_meta SET value = '2' WHERE key = 'format'")
        await conn.execute("DROP TABLE payfold_references")  # format 2 had no reference index
    finally:
        await conn.close()
    reader = await PostgresStore.open(pg_dsn, read_only=True)
    await reader.close()
    assert await _pg(pg_dsn, "SELECT value FROM payfold_meta WHERE key = 'format'") == "2"
    store = await PostgresStore.open(pg_dsn)
    await store.close()
    assert await _pg(pg_dsn, "SELECT value FROM payfold_meta WHERE key = 'format'") == str(_postgres_sql.FORMAT)
