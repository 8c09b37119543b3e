"""The PostgreSQL store's schema and statements (asyncpg, ``$n`` parameters).

Global positions are ``xid8 * SLOTS + n``: the writing transaction's id (``pg_current_xact_id()``) times
``SLOTS``, plus the event's place ``n`` (1 ...) in that transaction. So positions order events by transaction id,
then by place, and need no shared counter. ``read_all`` reads only positions below ``WATERMARK``: the oldest
transaction id still running (``pg_snapshot_xmin``) times ``SLOTS``. Every transaction below it has ended, so
nothing can commit there later; why that makes a tailing reader skip nothing is in docs/storage.md.
"""

from __future__ import annotations

from typing import Final

WORK_CHANNEL: Final = "payfold_work"
"""The LISTEN/NOTIFY channel on which runners announce new work to each other (``announce_work``)."""

FORMAT: Final = 4
"""The schema format this payfold writes (``payfold_meta.format``). 1: positions from a locked head row. 2:
positions from transaction ids. 3: a keyed log records its chain key's fingerprint in ``payfold_meta`` (the
tables are format 2's; the number makes a payfold that knows no keys refuse the database instead of appending
unkeyed links to a keyed log). 4: the reference index ``payfold_references`` (a payfold that does not keep it
refuses the database instead of appending payments the index would miss)."""

INDEXED_FORMAT: Final = 4
"""The first format with ``payfold_references``: a read-only store of an older database finds by scanning."""

LOCK_KEY: Final = 0x70666C64
"""Advisory lock key serialising schema creation and migration ("pfld")."""

SLOTS: Final = 65536
"""Positions per transaction id: one append_many writes at most ``SLOTS - 1`` events. ``xid8 * SLOTS`` fits a
bigint until the cluster has used 2**47 transaction ids."""

REFERENCES: Final = """CREATE TABLE payfold_references (
        provider text NOT NULL,
        reference text NOT NULL,
        stream text NOT NULL,
        PRIMARY KEY (provider, reference)
    )"""
"""The reference index: ``(provider, reference) -> stream`` of each stream's ``created`` event (``_index``)."""

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
    """CREATE TABLE payfold_due (
        stream text PRIMARY KEY,
        due_at timestamptz,
        leased_by text,
        leased_until timestamptz,
        version integer NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX payfold_due_at ON payfold_due (due_at)",
    REFERENCES,
    f"INSERT INTO payfold_meta (key, value) VALUES ('format', '{FORMAT}')",
)

COLUMNS: Final = {
    "payfold_events": ["position", "stream", "version", "tag", "schema_version", "id", "hash", "data"],
    "payfold_due": ["stream", "due_at", "leased_by", "leased_until", "version"],
    "payfold_references": ["provider", "reference", "stream"],
}
SINCE: Final = {"payfold_references": INDEXED_FORMAT}
"""The format that added each table not in format 1's (besides ``payfold_meta``, which every format has)."""

TABLE_COLUMNS: Final = """
    SELECT table_name::text, array_agg(column_name::text ORDER BY ordinal_position)
    FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ANY($1::text[])
    GROUP BY table_name
"""

XACT_BASE: Final = f"pg_current_xact_id()::text::bigint * {SLOTS}"
"""The first position of the running transaction (assigns it a transaction id if it has none yet)."""

MIGRATE_1_TO_2: Final = (
    f"""DO $$ BEGIN
        IF (SELECT coalesce(max(position), 0) FROM payfold_events) >= {XACT_BASE} THEN
            RAISE EXCEPTION 'payfold: stored positions reach past the transaction-id positions';
        END IF;
    END $$""",
    "DROP TABLE payfold_head",
    "ALTER TABLE payfold_due ADD COLUMN version integer NOT NULL DEFAULT 0",
    "ALTER TABLE payfold_due ALTER COLUMN due_at DROP NOT NULL",
)
"""Format 1 numbered events 1, 2, 3 ... under a lock on ``payfold_head``. Those positions stay (readers keep
their checkpoints); new ones start at this transaction's id times ``SLOTS``, above them. Dropping the head row
makes an old payfold still writing fail loudly instead of writing positions below the readers' watermark.
Due rows gain the stream version they were decided at (0: before the migration, so any new append wins)."""

MIGRATE_2_TO_3: Final[tuple[str, ...]] = ()
"""Nothing to change: format 3 only adds a ``payfold_meta`` key, written when a keyed log is created."""

CREATED_ROWS: Final = (
    "SELECT stream, data, schema_version FROM payfold_events WHERE version = 1 AND tag = 'created' ORDER BY position"
)
"""Every stream's ``created`` event, oldest first (one pass over the whole table: no index leads with version)."""
ADD_REFERENCES: Final = """
    INSERT INTO payfold_references (provider, reference, stream)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
    ON CONFLICT DO NOTHING
"""
"""Index entries, in order; a key that already names a stream keeps it (the first stream stored)."""
FIND: Final = "SELECT stream FROM payfold_references WHERE provider = $1 AND reference = $2"

READ_STATE: Final = """
    SELECT h.stream, h.version, h.hash, NULL::text AS id FROM (
        SELECT DISTINCT ON (stream) stream, version, hash FROM payfold_events
        WHERE stream = ANY($1::text[]) ORDER BY stream, version DESC
    ) h
    UNION ALL
    SELECT e.stream, e.version, NULL, e.id FROM payfold_events e
    JOIN unnest($2::text[], $3::text[]) AS w(stream, id) ON e.stream = w.stream AND e.id = w.id
"""

_INSERT_EVENTS: Final = f"""inserted AS (
        INSERT INTO payfold_events (position, stream, version, tag, schema_version, id, hash, data)
        SELECT {XACT_BASE} + w.n, w.stream, w.version, w.tag, w.schema_version, w.id, w.hash, w.data
        FROM unnest($1::int[], $2::text[], $3::int[], $4::text[], $5::int[], $6::text[], $7::text[], $8::bytea[])
            AS w(n, stream, version, tag, schema_version, id, hash, data)
    )"""
_INSERT_REFERENCES: Final = """referenced AS (
        INSERT INTO payfold_references (provider, reference, stream)
        SELECT * FROM unnest($12::text[], $13::text[], $14::text[])
        ON CONFLICT DO NOTHING
    )"""
_SET_DUE: Final = """
    INSERT INTO payfold_due AS d (stream, version, due_at)
    SELECT * FROM unnest($9::text[], $10::int[], $11::timestamptz[])
    ON CONFLICT (stream) DO UPDATE
        SET due_at = excluded.due_at, version = excluded.version, leased_by = NULL, leased_until = NULL
        WHERE d.version <= excluded.version
"""
WRITE: Final = f"WITH {_INSERT_EVENTS}{_SET_DUE}"
"""One statement, so one atomic transaction without BEGIN / COMMIT round trips. Rows arrive sorted by (stream,
version) so that two writers of the same streams take their index entries in one order (no deadlock); ``n``
keeps the append's own order in the positions. A due row keeps the stream version it was decided at (NULL
``due_at``: nothing due) and only a decision at that version or later replaces it: an append that read the
heads before another one committed cannot put back a stale due time."""

WRITE_INDEXED: Final = f"WITH {_INSERT_EVENTS}, {_INSERT_REFERENCES}{_SET_DUE}"
"""``WRITE`` for an append that stores ``created`` events: also adds their reference index entries ($12-$14,
sorted by key so that two writers take those entries in one order), unless a key already names a stream. An
append of other events sends ``WRITE``, which does not touch the index."""

RECORD_COLUMNS: Final = "position, stream, version, tag, schema_version, id, hash, data"

WATERMARK: Final = f"(SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint * {SLOTS})"
"""The lowest position a transaction still running (or not yet started) can write, for this statement's snapshot."""

READ_STREAM: Final = f"SELECT {RECORD_COLUMNS} FROM payfold_events WHERE stream = $1 AND version > $2 ORDER BY version"
READ_EVENTS: Final = "SELECT data, schema_version FROM payfold_events WHERE stream = $1 ORDER BY version"
VERSION: Final = "SELECT coalesce(max(version), 0) FROM payfold_events WHERE stream = $1"
READ_BATCH: Final = f"""
    SELECT {RECORD_COLUMNS} FROM payfold_events
    WHERE position > $1 AND position < {WATERMARK}
    ORDER BY position LIMIT $2
"""
LAST_COMMITTED: Final = "SELECT max(position) FROM payfold_events"
"""The highest position committed so far, watermark or not (a backward scan of the primary key)."""
READ_CHAIN: Final = f"SELECT {RECORD_COLUMNS} FROM payfold_events ORDER BY stream, version"
DUE_OF: Final = "SELECT stream, due_at FROM payfold_due WHERE stream = ANY($1::text[]) AND due_at IS NOT NULL"
FINGERPRINT: Final = "SELECT value FROM payfold_meta WHERE key = $1"
RECORD_FINGERPRINT: Final = "INSERT INTO payfold_meta (key, value) VALUES ($1, $2)"
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
