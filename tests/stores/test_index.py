"""The reference index in the SQL stores: filled on migration from an older format, scanned instead in a
read-only open of one, one key probe otherwise, and safe under concurrent creations on PostgreSQL.

(What every store promises about ``find`` is in ``payfold.testing.EventStoreContract``.)
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from payfold._store import EventStore, StreamAppend
from payfold.adapters.stores import _postgres_append, _postgres_schema, _sqlite_schema, _sqlite_sql
from payfold.adapters.stores.postgres import PostgresStore
from payfold.adapters.stores.sqlite import SqliteStore
from payfold.testing._store_streams import created, sent, unknown

INDEX = {
    ("tranzzo", "order-1"): "pay-1",
    ("flutterwave", "order-2"): "pay-2",
    ("tranzzo", "order-4"): "pay-4",
    ("tranzzo", "order-5"): "pay-5",
}
"""What ``_payments`` leaves in the index: pay-3 reuses order-1, so pay-1 keeps it; a ``created`` event stored
after version 1 (a history no fold accepts, which the store keeps all the same) names nothing."""
MISSING = [("tranzzo", "order-2"), ("flutterwave", "order-1"), ("tranzzo", "order-7"), ("tranzzo", "order-9")]
SELECT_INDEX = "SELECT provider, reference, stream FROM payfold_references ORDER BY provider, reference"


async def _payments(store: EventStore) -> None:
    await store.append("pay-1", [created("p1", reference="order-1"), sent(1)], expected_version=0)
    await store.append_many(
        [
            StreamAppend(
                stream="pay-2", events=[created("p2", provider="flutterwave", reference="order-2")], expected_version=0
            ),
            StreamAppend(stream="pay-1", events=[unknown(2)], expected_version=2),
            StreamAppend(stream="pay-3", events=[created("p3", reference="order-1")], expected_version=0),
        ]
    )
    await store.append("pay-4", [created("p4", reference="order-4")], expected_version=0)
    await store.append("pay-4", [sent(1), created("p7", reference="order-7")], expected_version=1)
    await store.append("pay-5", [created("p5", reference="order-5")], expected_version=0)


async def _check_finds(store: EventStore) -> None:
    for (provider, reference), stream in INDEX.items():
        assert await store.find(provider, reference) == stream, (provider, reference)
    for provider, reference in MISSING:
        assert await store.find(provider, reference) is None, (provider, reference)


def _rows(entries: dict[tuple[str, str], str]) -> list[tuple[str, str, str]]:
    return sorted((provider, reference, stream) for (provider, reference), stream in entries.items())


# --- SQLite -------------------------------------------------------------------------------------------------


async def _sqlite_format_2(path: Path) -> list[tuple[str, str, str]]:
    """A format-2 file holding ``_payments`` (the same rows, without the index); returns the index a current
    store kept while appending them."""
    store = await SqliteStore.open(path)
    await _payments(store)
    await store.close()
    with sqlite3.connect(path) as conn:
        kept = [tuple(row) for row in conn.execute(SELECT_INDEX)]
        conn.execute("DROP TABLE payfold_references")
        conn.execute("PRAGMA user_version = 2")
    conn.close()
    return kept


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_sqlite_appends_keep_the_index_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    kept = await _sqlite_format_2(path)
    assert kept == _rows(INDEX)


async def test_a_sqlite_format_2_file_gets_its_index_on_open(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    kept = await _sqlite_format_2(path)
    store = await SqliteStore.open(path)
    try:
        await _check_finds(store)
        await store.append("pay-6", [created("p6", reference="order-6")], expected_version=0)
        assert await store.find("tranzzo", "order-6") == "pay-6"
        assert (await store.verify()).ok
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == _sqlite_schema.FORMAT == 3
        rebuilt = [tuple(row) for row in conn.execute(SELECT_INDEX)]
    conn.close()
    assert rebuilt == sorted([*kept, ("tranzzo", "order-6", "pay-6")])


async def test_a_read_only_open_of_a_sqlite_format_2_file_finds_by_scanning_and_writes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "events.db"
    await _sqlite_format_2(path)
    before = _digest(path)
    store = await SqliteStore.open(path, read_only=True)
    try:
        await _check_finds(store)
    finally:
        await store.close()
    assert _digest(path) == before
    wal = path.with_name(f"{path.name}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'payfold_references'").fetchone()[0] == 0
    conn.close()


async def test_a_read_only_open_of_a_current_file_uses_the_index(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = await SqliteStore.open(path)
    await _payments(store)
    await store.close()
    with sqlite3.connect(path) as conn:  # an index entry the events do not back: only a lookup can return it
        conn.execute("INSERT INTO payfold_references VALUES ('tranzzo', 'planted', 'pay-5')")
    conn.close()
    store = await SqliteStore.open(path, read_only=True)
    try:
        await _check_finds(store)
        assert await store.find("tranzzo", "planted") == "pay-5"
    finally:
        await store.close()


async def test_the_migration_passes_over_an_unreadable_created_event(tmp_path: Path) -> None:
    """An edited row must not make the log unopenable: the index leaves it out and ``verify`` names it."""
    path = tmp_path / "events.db"
    await _sqlite_format_2(path)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE payfold_events SET data = CAST('{\"type\":' AS BLOB) WHERE stream = 'pay-4' AND version = 1"
        )
    conn.close()
    store = await SqliteStore.open(path)
    try:
        assert await store.find("tranzzo", "order-4") is None
        assert await store.find("tranzzo", "order-1") == "pay-1"
        assert [(p.stream, p.version) for p in (await store.verify()).problems] == [("pay-4", 1)]
    finally:
        await store.close()


def test_sqlite_find_is_one_primary_key_probe(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "events.db") as conn:
        for statement in _sqlite_schema.SCHEMA:
            conn.execute(statement)
        plan = " ".join(row[-1] for row in conn.execute(f"EXPLAIN QUERY PLAN {_sqlite_sql._FIND}", ("p", "r")))
    conn.close()
    assert "SEARCH payfold_references USING PRIMARY KEY (provider=? AND reference=?)" in plan, plan


# --- PostgreSQL ---------------------------------------------------------------------------------------------


async def _pg_format_3(dsn: str) -> list[tuple[str, str, str]]:
    """A format-3 database holding ``_payments`` (without the index); returns the index the store kept."""
    store = await PostgresStore.open(dsn)
    await _payments(store)
    await store.close()
    conn = await asyncpg.connect(dsn)
    try:
        kept = [tuple(row) for row in await conn.fetch(SELECT_INDEX)]
        await conn.execute("DROP TABLE payfold_references")
        await conn.execute("UPDATE payfold_meta SET value = '3' WHERE key = 'format'")
    finally:
        await conn.close()
    return kept


async def _pg_state(dsn: str) -> tuple[str, bool]:
    conn = await asyncpg.connect(dsn)
    try:
        version = await conn.fetchval("SELECT value FROM payfold_meta WHERE key = 'format'")
        indexed = await conn.fetchval("SELECT to_regclass('payfold_references') IS NOT NULL")
        return version, indexed
    finally:
        await conn.close()


async def test_pg_appends_keep_the_index_in_the_database(pg_dsn: str) -> None:
    assert await _pg_format_3(pg_dsn) == _rows(INDEX)


async def test_a_pg_format_3_database_gets_its_index_on_open(pg_dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = await _pg_format_3(pg_dsn)
    monkeypatch.setattr(_postgres_schema, "_BATCH", 2)  # several batches, one of them partial
    store = await PostgresStore.open(pg_dsn)
    try:
        await _check_finds(store)
        await store.append("pay-6", [created("p6", reference="order-6")], expected_version=0)
        assert await store.find("tranzzo", "order-6") == "pay-6"
        assert (await store.verify()).ok
    finally:
        await store.close()
    assert await _pg_state(pg_dsn) == ("4", True)
    conn = await asyncpg.connect(pg_dsn)
    try:
        rebuilt = [tuple(row) for row in await conn.fetch(SELECT_INDEX)]
    finally:
        await conn.close()
    assert rebuilt == sorted([*kept, ("tranzzo", "order-6", "pay-6")])


async def test_a_read_only_open_of_a_pg_format_3_database_finds_by_scanning_and_writes_nothing(pg_dsn: str) -> None:
    await _pg_format_3(pg_dsn)
    store = await PostgresStore.open(pg_dsn, read_only=True)
    try:
        await _check_finds(store)
    finally:
        await store.close()
    assert await _pg_state(pg_dsn) == ("3", False)


async def test_concurrent_pg_creations_of_one_reference_all_store_and_one_is_found(
    pg_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creations racing for one key wait on each other's index entry and never fail; the index names one of them.
    Batches name the keys in opposite orders; the store takes them sorted, so they do not deadlock (the store
    would retry a deadlock: here one fails the test)."""
    monkeypatch.setattr(_postgres_append, "RETRYABLE", (asyncpg.UniqueViolationError,))
    store = await PostgresStore.open(pg_dsn, min_size=6, max_size=6)
    try:
        keys = [f"order-{n}" for n in range(100)]

        async def create(worker: int) -> None:
            order = keys if worker % 2 else keys[::-1]
            appends = [
                StreamAppend(
                    stream=f"w{worker}-{ref}", events=[created(f"w{worker}-{ref}", reference=ref)], expected_version=0
                )
                for ref in order
            ]
            await store.append_many(appends)

        await asyncio.gather(*(create(worker) for worker in range(6)))
        for ref in keys:
            found = await store.find("tranzzo", ref)
            assert found in {f"w{worker}-{ref}" for worker in range(6)}, found
        assert len([r async for r in store.read_all()]) == 6 * len(keys)
    finally:
        await store.close()
