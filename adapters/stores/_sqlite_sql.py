"""The SQLite store's transactions and queries, as plain functions run on aiosqlite's thread (one call each)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec

from payfold import Event, decode
from payfold._store import AppendResult, Due, Record, VerifyReport
from payfold.adapters.stores import _chain, _index, _plan
from payfold.adapters.stores._sqlite_schema import ADD_REFERENCE, CREATED_ROWS

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_COLUMNS: Final = "position, stream, version, tag, schema_version, id, hash, data"
_INSERT: Final = (
    "INSERT INTO payfold_events (stream, version, tag, schema_version, id, hash, data) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_HEAD: Final = "SELECT version, hash FROM payfold_events WHERE stream = ? ORDER BY version DESC LIMIT 1"
_HEADS: Final = (
    "SELECT stream, version, hash FROM payfold_events WHERE position IN (SELECT (SELECT position FROM payfold_events"
    " WHERE stream = names.value ORDER BY version DESC LIMIT 1) FROM json_each(?) AS names)"
)
"""The heads of the streams named in a JSON array: one index probe per stream, however long the streams."""
_READ_MANY: Final = (
    "SELECT stream, data, schema_version FROM payfold_events"
    " WHERE stream IN (SELECT value FROM json_each(?)) ORDER BY stream, version"
)
_CHUNK: Final = 5000
_DUE_OF: Final = "SELECT stream, due_at FROM payfold_due WHERE stream IN (SELECT value FROM json_each(?))"
_BY_STREAM: Final = f"SELECT {_COLUMNS} FROM payfold_events ORDER BY stream, version"
_STORED: Final = "SELECT version FROM payfold_events WHERE stream = ? AND id = ?"
_FIND: Final = "SELECT stream FROM payfold_references WHERE provider = ? AND reference = ?"
_SET_DUE: Final = (
    "INSERT INTO payfold_due (stream, due_at) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET due_at = excluded.due_at"
)


def micros(at: datetime) -> int:
    """``at`` as integer microseconds since the epoch (sortable)."""
    return (at - _EPOCH) // _MICROSECOND


def write(conn: sqlite3.Connection, items: Sequence[_plan.Item], key: bytes | None = None) -> list[AppendResult]:
    """Check, plan and commit ``items`` in one IMMEDIATE transaction (the whole append, one thread hop); a keyed
    store's rows are linked under ``key``.

    The heads of every stream come from one query. Stored ids are looked up only where the plan needs them (an
    append behind the head, which must be a retry); anywhere else a stored id shows up as a UNIQUE (stream, id)
    clash on insert, and then the batch is planned again, knowing every stored id.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        streams, ids = _plan.wanted(items)
        heads = _heads(conn, streams)
        behind = {item.stream for item in items if item.expected_version < heads.get(item.stream, (0, ""))[0]}
        planned = _plan.plan(items, heads, _stored(conn, [pair for pair in ids if pair[0] in behind]))
        conn.execute("SAVEPOINT payfold_rows")
        try:
            _insert(conn, planned, heads, key)
        except sqlite3.IntegrityError:  # an event already stored under the same id: absorbed, not stored twice
            conn.execute("ROLLBACK TO payfold_rows")
            planned = _plan.plan(items, heads, _stored(conn, ids))
            _insert(conn, planned, heads, key)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return planned.results


def _heads(conn: sqlite3.Connection, streams: Sequence[str]) -> dict[str, _plan.Head]:
    """Each stream's (version, hash) at its head; streams without events are left out."""
    if len(streams) == 1:
        row = conn.execute(_HEAD, (streams[0],)).fetchone()
        return {} if row is None else {streams[0]: (row[0], row[1])}
    found: dict[str, _plan.Head] = {}
    for start in range(0, len(streams), _CHUNK):
        names = msgspec.json.encode(streams[start : start + _CHUNK])
        found.update((stream, (version, hash_)) for stream, version, hash_ in conn.execute(_HEADS, (names,)))
    return found


def _stored(conn: sqlite3.Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The versions at which these (stream, id) pairs are stored."""
    stored = {}
    for key in keys:
        found = conn.execute(_STORED, key).fetchone()
        if found is not None:
            stored[key] = found[0]
    return stored


def _insert(conn: sqlite3.Connection, planned: _plan.Plan, heads: dict[str, _plan.Head], key: bytes | None) -> None:
    rows = planned.rows if key is None else _chain.rekey(planned.rows, heads, key)
    conn.executemany(_INSERT, [(r.stream, r.version, r.tag, r.schema_version, r.id, r.hash, r.data) for r in rows])
    if planned.references:
        conn.executemany(ADD_REFERENCE, planned.references)
    clear = [(stream,) for stream, at in planned.due.items() if at is None]
    if clear:
        conn.executemany("DELETE FROM payfold_due WHERE stream = ?", clear)
    conn.executemany(_SET_DUE, [(s, micros(at)) for s, at in planned.due.items() if at is not None])


def read_records(conn: sqlite3.Connection, stream: str, after_version: int) -> list[Record]:
    """The records of ``stream`` after ``after_version``."""
    sql = f"SELECT {_COLUMNS} FROM payfold_events WHERE stream = ? AND version > ? ORDER BY version"
    return [_plan.record(row) for row in conn.execute(sql, (stream, after_version))]


def read_events(conn: sqlite3.Connection, stream: str) -> list[Event]:
    """The decoded events of ``stream`` (decoded on this thread: no record objects in between)."""
    sql = "SELECT data, schema_version FROM payfold_events WHERE stream = ? ORDER BY version"
    return [decode(data, schema_version) for data, schema_version in conn.execute(sql, (stream,))]


def read_many(conn: sqlite3.Connection, streams: Sequence[str]) -> dict[str, list[Event]]:
    """The decoded events of each stream of ``streams`` that has any (streams named in a JSON array per query)."""
    found: dict[str, list[Event]] = {}
    for start in range(0, len(streams), _CHUNK):
        names = msgspec.json.encode(streams[start : start + _CHUNK])
        for stream, data, schema_version in conn.execute(_READ_MANY, (names,)):
            events = found.get(stream)
            if events is None:
                events = found[stream] = []
            events.append(decode(data, schema_version))
    return found


def find(conn: sqlite3.Connection, provider: str, reference: str) -> str | None:
    """The stream the reference index names for ``(provider, reference)`` (one primary key probe)."""
    row = conn.execute(_FIND, (provider, reference)).fetchone()
    return None if row is None else str(row[0])


def scan(conn: sqlite3.Connection, provider: str, reference: str) -> str | None:
    """``find`` in a file older than the index, opened read-only: decodes every ``created`` event until one
    names ``(provider, reference)`` (reads the whole events table when none does)."""
    cursor = conn.execute(CREATED_ROWS)
    try:
        return _index.scan(cursor, provider, reference)
    finally:
        cursor.close()  # ends the read snapshot now, not when the cursor is collected


def version(conn: sqlite3.Connection, stream: str) -> int:
    """The head version of ``stream``."""
    row = conn.execute("SELECT max(version) FROM payfold_events WHERE stream = ?", (stream,)).fetchone()
    return int(row[0] or 0)


def read_batch(conn: sqlite3.Connection, after_position: int, limit: int) -> list[Record]:
    """Up to ``limit`` records after ``after_position``, in commit order."""
    sql = f"SELECT {_COLUMNS} FROM payfold_events WHERE position > ? ORDER BY position LIMIT ?"
    return [_plan.record(row) for row in conn.execute(sql, (after_position, limit))]


def due(conn: sqlite3.Connection, now: datetime, limit: int) -> list[Due]:
    """Streams due at or before ``now``, earliest first."""
    sql = "SELECT stream, due_at FROM payfold_due WHERE due_at <= ? ORDER BY due_at, stream LIMIT ?"
    return [Due(stream=s, at=_EPOCH + at * _MICROSECOND) for s, at in conn.execute(sql, (micros(now), limit))]


def due_of(conn: sqlite3.Connection, streams: list[str]) -> dict[str, datetime]:
    """The due time of each stream of ``streams`` that has one."""
    found: dict[str, datetime] = {}
    for start in range(0, len(streams), _CHUNK):
        names = msgspec.json.encode(streams[start : start + _CHUNK])
        for stream, at in conn.execute(_DUE_OF, (names,)):
            found[stream] = _EPOCH + at * _MICROSECOND
    return found


def by_stream(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor over every record in (stream, version) order (a walk of the ``(stream, version)`` index); while
    it is open, the connection keeps reading from one snapshot."""
    return conn.execute(_BY_STREAM)


def fetch_records(conn: sqlite3.Connection, cursor: sqlite3.Cursor, limit: int) -> list[Record]:
    """The next ``limit`` records of ``cursor``."""
    return [_plan.record(row) for row in cursor.fetchmany(limit)]


def close_cursor(conn: sqlite3.Connection, cursor: sqlite3.Cursor) -> None:
    """Release ``cursor`` (and the read snapshot it holds)."""
    cursor.close()


def verify(conn: sqlite3.Connection, key: bytes | None = None) -> VerifyReport:
    """Walk the whole log in (stream, version) order with a streaming cursor (bounded memory)."""
    cursor = conn.execute(_BY_STREAM)

    def records() -> Iterator[Record]:
        while rows := cursor.fetchmany(1000):
            yield from map(_plan.record, rows)

    return _chain.check(records(), key)
