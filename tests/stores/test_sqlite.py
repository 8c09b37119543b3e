"""The SQLite store against the contract, plus what only SQLite has: the file, its format and its settings."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from payfold import SCHEMA_VERSION, ConcurrencyConflict, UnreadableEvent
from payfold._store import EventStore, StoreCorrupt, StoreFormatError, StreamAppend
from payfold.adapters.stores import _sqlite_schema
from payfold.adapters.stores.sqlite import SqliteStore
from payfold.testing import EventStoreContract
from payfold.testing._store_streams import T0, created, sent, unknown

from ._tamper import TamperCases


class TestSqliteStore(EventStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[EventStore]:
        store = await SqliteStore.open(tmp_path / "events.db")
        yield store
        await store.close()


class TestSqliteTamper(TamperCases):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[EventStore]:
        store = await SqliteStore.open(tmp_path / "events.db")
        yield store
        await store.close()

    async def run(self, store: EventStore, sql: str, *args: Any) -> None:
        assert isinstance(store, SqliteStore)
        with sqlite3.connect(store.path) as conn:
            conn.execute(sql.replace("{}", "?"), args)


async def _settings(store: SqliteStore) -> tuple[str, int]:
    def read(conn: sqlite3.Connection) -> tuple[str, int]:
        return conn.execute("PRAGMA journal_mode").fetchone()[0], conn.execute("PRAGMA synchronous").fetchone()[0]

    writer = store._writer
    assert writer is not None
    result: tuple[str, int] = await writer._execute(lambda: read(writer._conn))  # type: ignore[no-untyped-call]
    return result


async def test_writer_uses_wal_and_full_sync(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "events.db")
    try:
        assert await _settings(store) == ("wal", 2)
    finally:
        await store.close()


async def test_one_thread_hop_per_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await SqliteStore.open(tmp_path / "events.db")
    hops = 0
    assert store._writer is not None
    execute = store._writer._execute

    async def counted(fn: Any, *args: Any) -> Any:
        nonlocal hops
        hops += 1
        return await execute(fn, *args)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(store._writer, "_execute", counted)
    try:
        await store.append("p1", [created("p1"), sent(1), unknown(2)], expected_version=0, due=T0)
        assert hops == 1
        await store.append_many(
            [StreamAppend(stream=f"s{n}", events=[created(f"s{n}")], expected_version=0) for n in range(50)]
        )
        assert hops == 2
        with pytest.raises(ConcurrencyConflict):
            await store.append("p1", [sent(9)], expected_version=0)
        assert hops == 3
    finally:
        await store.close()


async def test_reopened_file_keeps_everything(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "events.db")
    await store.append("p1", [created("p1"), sent(1)], expected_version=0, due=T0)
    await store.close()
    store = await SqliteStore.open(tmp_path / "events.db")
    try:
        assert await store.read("p1") == [created("p1"), sent(1)]
        assert [d.stream for d in await store.due(T0)] == ["p1"]
        assert (await store.verify()).ok
    finally:
        await store.close()


# --- files payfold must refuse, with an error that says why ---------------------------------------------------


async def test_foreign_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my notes, not a database\n" * 10)
    with pytest.raises(StoreFormatError, match="not a SQLite database") as caught:
        await SqliteStore.open(path)
    assert caught.value.where == str(path)
    assert path.read_bytes().startswith(b"these are my notes")


async def test_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE customers (name TEXT)")
    conn.close()
    with pytest.raises(StoreFormatError, match=r"not a payfold database .*customers"):
        await SqliteStore.open(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


async def test_newer_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = await SqliteStore.open(path)
    await store.close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {_sqlite_schema.FORMAT + 1}")
    conn.close()
    with pytest.raises(StoreFormatError, match="newer payfold"):
        await SqliteStore.open(path)


async def test_older_format_is_migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "events.db"
    store = await SqliteStore.open(path)
    await store.append("p1", [created("p1")], expected_version=0)
    await store.close()
    ran: list[int] = []

    def to_next(conn: sqlite3.Connection) -> None:
        ran.append(conn.execute("PRAGMA user_version").fetchone()[0])
        conn.execute("CREATE TABLE payfold_notes (note TEXT)")

    monkeypatch.setattr(_sqlite_schema, "FORMAT", _sqlite_schema.FORMAT + 1)
    monkeypatch.setitem(_sqlite_schema.MIGRATIONS, _sqlite_schema.FORMAT - 1, to_next)
    store = await SqliteStore.open(path)
    try:
        assert ran == [_sqlite_schema.FORMAT - 1]
        assert await store.read("p1") == [created("p1")]
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == _sqlite_schema.FORMAT
        assert conn.execute("SELECT count(*) FROM payfold_notes").fetchone()[0] == 0
    conn.close()


async def test_wrong_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE payfold_events (position INTEGER PRIMARY KEY, body BLOB)")
        conn.execute("CREATE TABLE payfold_due (stream TEXT, due_at INTEGER)")
        conn.execute(f"PRAGMA application_id = {_sqlite_schema.APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {_sqlite_schema.FORMAT}")
    conn.close()
    with pytest.raises(
        StoreFormatError, match=r"unexpected schema: table payfold_events has columns \['position', 'body'\]"
    ):
        await SqliteStore.open(path)


async def _big_file(path: Path) -> None:
    store = await SqliteStore.open(path)
    for n in range(20):
        events = [created(f"p{n}")] + [sent(k) for k in range(1, 30)]
        await store.append(f"p{n}", events, expected_version=0)
    await store.close()  # the last connection checkpoints the WAL into the file


async def test_truncated_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    await _big_file(path)
    size = path.stat().st_size
    with open(path, "r+b") as file:
        file.truncate(size // 2)
    with pytest.raises(StoreCorrupt, match="truncated") as caught:
        await SqliteStore.open(path)
    assert caught.value.where == str(path)


async def test_overwritten_pages_are_reported_as_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    await _big_file(path)
    with open(path, "r+b") as file:
        file.seek(8192)
        file.write(b"\xff" * 8192)
    with pytest.raises(StoreCorrupt, match="damaged"):
        store = await SqliteStore.open(path)
        try:
            await store.verify()
        finally:
            await store.close()


async def test_a_hand_edited_payload_is_named_by_verify(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = await SqliteStore.open(path)
    await store.append("p1", [created("p1"), sent(1)], expected_version=0)
    with sqlite3.connect(path) as conn:
        conn.execute('UPDATE payfold_events SET data = CAST(\'{"type":"settled"}\' AS BLOB) WHERE version = 2')
    conn.close()
    try:
        report = await store.verify()
        assert [(p.stream, p.version, p.kind) for p in report.problems] == [("p1", 2, "id")]
        with pytest.raises(UnreadableEvent, match=f"schema version {SCHEMA_VERSION}"):
            await store.read("p1")
    finally:
        await store.close()


async def test_read_many_is_read_for_each_stream_in_one_hop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = await SqliteStore.open(tmp_path / "events.db")
    try:
        await store.append_many(
            [
                StreamAppend(
                    stream=f"s{n}",
                    events=[created(f"s{n}"), *[sent(k) for k in range(1, n % 4 + 1)]],
                    expected_version=0,
                )
                for n in range(30)
            ]
        )
        hops = 0
        execute = store._reader._execute

        async def counted(fn: Any, *args: Any) -> Any:
            nonlocal hops
            hops += 1
            return await execute(fn, *args)  # type: ignore[no-untyped-call]

        monkeypatch.setattr(store._reader, "_execute", counted)
        names = [f"s{n}" for n in range(29, -1, -1)] + ["nobody"]
        found = await store.read_many(names)
        assert hops == 1
        monkeypatch.undo()
        assert list(found) == names
        for name in names:
            assert found[name] == await store.read(name)
        assert found["nobody"] == [] and len(found["s3"]) == 4
    finally:
        await store.close()


async def test_a_batch_with_an_event_already_stored_absorbs_it_and_stores_the_rest(tmp_path: Path) -> None:
    """An id already stored at a stream's head is found on insert (UNIQUE (stream, id)), not by a lookup per
    event: the batch is planned again and the duplicate absorbed, the other streams' events stored once."""
    store = await SqliteStore.open(tmp_path / "events.db")
    try:
        await store.append("a", [created("a"), sent(1)], expected_version=0)
        results = await store.append_many(
            [
                StreamAppend(stream="a", events=[sent(1), unknown(2)], expected_version=2),
                StreamAppend(stream="b", events=[created("b")], expected_version=0),
            ]
        )
        assert [(r.version, r.appended, r.duplicates) for r in results] == [(3, 1, 1), (1, 1, 0)]
        assert await store.read("a") == [created("a"), sent(1), unknown(2)]
        assert await store.read("b") == [created("b")]
        assert (await store.verify()).ok
    finally:
        await store.close()


async def test_heads_of_many_long_streams_come_from_one_query(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "events.db")
    try:
        for n in range(3):
            await store.append(f"s{n}", [created(f"s{n}"), *[sent(k) for k in range(1, 40 * (n + 1))]], 0)
        results = await store.append_many(
            [StreamAppend(stream=f"s{n}", events=[unknown(500)], expected_version=40 * (n + 1)) for n in range(3)]
        )
        assert [r.version for r in results] == [41, 81, 121]
        with pytest.raises(ConcurrencyConflict):
            await store.append_many(
                [StreamAppend(stream=f"s{n}", events=[sent(600)], expected_version=40 * (n + 1)) for n in range(3)]
            )
        assert (await store.verify()).ok
    finally:
        await store.close()
