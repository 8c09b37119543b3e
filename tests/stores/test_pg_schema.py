"""PostgreSQL schema format 1 (positions from a locked head row) is migrated to format 2 on open, keeping every
stored position, or refused with a StoreFormatError that says nothing changed."""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]
import pytest

from payfold import SCHEMA_VERSION, Event, encode, event_id, tag_of
from payfold._store import StoreFormatError
from payfold.adapters.stores._chain import GENESIS, link
from payfold.adapters.stores.postgres import PostgresStore
from payfold.testing._store_streams import created, sent

FORMAT_1 = (
    "CREATE TABLE payfold_meta (key text PRIMARY KEY, value text NOT NULL)",
    """CREATE TABLE payfold_events (position bigint PRIMARY KEY, stream text NOT NULL, version integer NOT NULL,
        tag text NOT NULL, schema_version integer NOT NULL, id text NOT NULL, hash text NOT NULL, data bytea NOT NULL,
        UNIQUE (stream, version), UNIQUE (stream, id))""",
    """CREATE TABLE payfold_head (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        position bigint NOT NULL)""",
    """CREATE TABLE payfold_due (stream text PRIMARY KEY, due_at timestamptz NOT NULL, leased_by text,
        leased_until timestamptz)""",
    "CREATE INDEX payfold_due_at ON payfold_due (due_at)",
    "INSERT INTO payfold_meta (key, value) VALUES ('format', '1')",
)


async def _format_1(dsn: str, first_position: int) -> None:
    """A format-1 database as payfold 1 wrote it: stream p1 with two events, numbered from ``first_position``."""
    conn = await asyncpg.connect(dsn)
    try:
        for statement in FORMAT_1:
            await conn.execute(statement)
        previous = GENESIS
        events: list[Event] = [created("p1"), sent(1)]
        for version, event in enumerate(events, start=1):
            data, tag = encode(event), tag_of(event)
            previous = link(previous, "p1", version, tag, SCHEMA_VERSION, data)
            await conn.execute(
                "INSERT INTO payfold_events VALUES ($1, 'p1', $2, $3, $4, $5, $6, $7)",
                first_position + version - 1,
                version,
                tag,
                SCHEMA_VERSION,
                event_id(data),
                previous,
                data,
            )
        await conn.execute("INSERT INTO payfold_head VALUES (true, $1)", first_position + 1)
    finally:
        await conn.close()


async def _tables(dsn: str) -> set[str]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        return {row[0] for row in rows}
    finally:
        await conn.close()


async def test_format_1_is_migrated_keeping_positions(pg_dsn: str) -> None:
    await _format_1(pg_dsn, first_position=1)
    store = await PostgresStore.open(pg_dsn)
    try:
        assert "payfold_head" not in await _tables(pg_dsn)
        old = [r async for r in store.read_all()]
        assert [(r.stream, r.version, r.position) for r in old] == [("p1", 1, 1), ("p1", 2, 2)]
        await store.append("p1", [sent(2)], expected_version=2)
        await store.append("p2", [created("p2")], expected_version=0)
        after = [r async for r in store.read_all(after_position=2)]
        assert [(r.stream, r.version) for r in after] == [("p1", 3), ("p2", 1)]
        assert 2 < after[0].position < after[1].position
        assert (await store.verify()).ok
    finally:
        await store.close()


async def test_format_1_with_positions_past_the_new_ones_is_refused_untouched(pg_dsn: str) -> None:
    await _format_1(pg_dsn, first_position=2**62)
    with pytest.raises(StoreFormatError, match="migrating schema format 1 to 2 failed, nothing changed"):
        await PostgresStore.open(pg_dsn)
    assert "payfold_head" in await _tables(pg_dsn)
    conn = await asyncpg.connect(pg_dsn)
    try:
        assert await conn.fetchval("SELECT value FROM payfold_meta WHERE key = 'format'") == "1"
    finally:
        await conn.close()
