"""The PostgreSQL store's schema and statements (asyncpg, ``$n`` parameters)."""

from __future__ import annotations

from typing import Final

FORMAT: Final = 1
"""The schema format this payfold writes (``payfold_meta.format``)."""

LOCK_KEY: Final = 0x70666C64
"""Advisory lock key serialising schema creation and migration ("pfld")."""

SCHEMA: Final = (
    "CREATE TABLE payfold_meta (key text PRIMARY KEY, value text NOT NULL)",
    """CREATE TABLE payfold_events (
        position bigint PRIMARY KEY,
        stream text NOT NULL,
        version integer NOT NULL,
        tag text NOT NULL,
        schema_version integer NOT NULL,
        id text NOT NULL,
        hash text NOT NULL,
        data bytea NOT NULL,
        UNIQUE (stream, version),
        UNIQUE (stream, id)
    )""",
    """CREATE TABLE payfold_head (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        position bigint NOT NULL
    )""",
    "INSERT INTO payfold_head (singleton, position) VALUES (true, 0)",
    """CREATE TABLE payfold_due (
        stream text PRIMARY KEY,
        due_at timestamptz NOT NULL,
        leased_by text,
        leased_until timestamptz
    )""",
    "CREATE INDEX payfold_due_at ON payfold_due (due_at)",
    f"INSERT INTO payfold_meta (key, value) VALUES ('format', '{FORMAT}')",
)

COLUMNS: Final = {
    "payfold_events": ["position", "stream", "version", "tag", "schema_version", "id", "hash", "data"],
    "payfold_head": ["singleton", "position"],
    "payfold_due": ["stream", "due_at", "leased_by", "leased_until"],
}

TABLE_COLUMNS: Final = """
    SELECT table_name::text, array_agg(column_name::text ORDER BY ordinal_position)
    FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ANY($1::text[])
    GROUP BY table_name
"""

LOCK_LOG: Final = "SELECT position FROM payfold_head FOR UPDATE"
"""Taken first by every append and held to commit: positions are handed out in commit order."""

READ_STATE: Final = """
    SELECT h.stream, h.version, h.hash, NULL::text AS id FROM (
        SELECT DISTINCT ON (stream) stream, version, hash FROM payfold_events
        WHERE stream = ANY($1::text[]) ORDER BY stream, version DESC
    ) h
    UNION ALL
    SELECT e.stream, e.version, NULL, e.id FROM payfold_events e
    JOIN unnest($2::text[], $3::text[]) AS w(stream, id) ON e.stream = w.stream AND e.id = w.id
"""

WRITE: Final = """
    WITH inserted AS (
        INSERT INTO payfold_events (position, stream, version, tag, schema_version, id, hash, data)
        SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[], $7::text[],
                             $8::bytea[])
    ), head AS (
        UPDATE payfold_head SET position = $9
    ), cleared AS (
        DELETE FROM payfold_due WHERE stream = ANY($10::text[])
    )
    INSERT INTO payfold_due (stream, due_at)
    SELECT * FROM unnest($11::text[], $12::timestamptz[])
    ON CONFLICT (stream) DO UPDATE SET due_at = excluded.due_at, leased_by = NULL, leased_until = NULL
"""

RECORD_COLUMNS: Final = "position, stream, version, tag, schema_version, id, hash, data"

READ_STREAM: Final = f"SELECT {RECORD_COLUMNS} FROM payfold_events WHERE stream = $1 AND version > $2 ORDER BY version"
READ_EVENTS: Final = "SELECT data, schema_version FROM payfold_events WHERE stream = $1 ORDER BY version"
VERSION: Final = "SELECT coalesce(max(version), 0) FROM payfold_events WHERE stream = $1"
READ_BATCH: Final = f"SELECT {RECORD_COLUMNS} FROM payfold_events WHERE position > $1 ORDER BY position LIMIT $2"
READ_CHAIN: Final = f"SELECT {RECORD_COLUMNS} FROM payfold_events ORDER BY stream, version"
DUE: Final = "SELECT stream, due_at FROM payfold_due WHERE due_at <= $1 ORDER BY due_at, stream LIMIT $2"
LEASE: Final = """
    WITH picked AS (
        SELECT stream FROM payfold_due
        WHERE due_at <= $1 AND (leased_until IS NULL OR leased_until <= $1) AND NOT (stream = ANY($5::text[]))
        ORDER BY due_at, stream LIMIT $3
        FOR UPDATE SKIP LOCKED
    )
    UPDATE payfold_due d SET leased_by = $2, leased_until = $1 + $4::interval
    FROM picked WHERE d.stream = picked.stream
    RETURNING d.stream, d.due_at
"""
