"""The SQLite store's file format: tables, format version, checks on open and migrations. Synchronous sqlite3.

The format version lives in ``PRAGMA user_version`` and the file is marked as payfold's with
``PRAGMA application_id``. A file from a newer payfold, a foreign file and a damaged file are refused with a
``StoreFormatError`` or ``StoreCorrupt`` naming the file; an older format is migrated in one transaction.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from typing import Final, NamedTuple

from payfold._store import StoreCorrupt, StoreFormatError
from payfold.adapters.stores import _index
from payfold.adapters.stores._chain import FINGERPRINT_KEY

APPLICATION_ID: Final = 0x70666C64
"""``PRAGMA application_id`` of a payfold file: "pfld"."""

FORMAT: Final = 3
"""The file format this payfold writes (``PRAGMA user_version``). 1: no ``payfold_meta`` table. 2 adds it, where a
keyed log records its chain key's fingerprint; a payfold that knows no keys refuses format 2 instead of
appending unkeyed links to a keyed log. 3 adds the reference index ``payfold_references``; a payfold that does
not keep the index refuses format 3 instead of appending payments the index would miss."""

INDEXED_FORMAT: Final = 3
"""The first format with ``payfold_references``: a read-only store of an older file finds by scanning."""

META: Final = "CREATE TABLE payfold_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"
REFERENCES: Final = """CREATE TABLE payfold_references (
    provider TEXT NOT NULL,
    reference TEXT NOT NULL,
    stream TEXT NOT NULL,
    PRIMARY KEY (provider, reference)
) WITHOUT ROWID"""

SCHEMA: Final = (
    """CREATE TABLE payfold_events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL,
    tag TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    id TEXT NOT NULL,
    hash TEXT NOT NULL,
    data BLOB NOT NULL,
    UNIQUE (stream, version),
    UNIQUE (stream, id)
)""",
    "CREATE TABLE payfold_due (stream TEXT PRIMARY KEY, due_at INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE INDEX payfold_due_at ON payfold_due (due_at, stream)",
    META,
    REFERENCES,
)
"""The statements creating a new file, in the order the formats added them (format 1: the first three)."""

COLUMNS: Final = {
    "payfold_events": ["position", "stream", "version", "tag", "schema_version", "id", "hash", "data"],
    "payfold_due": ["stream", "due_at"],
    "payfold_meta": ["key", "value"],
    "payfold_references": ["provider", "reference", "stream"],
}
SINCE: Final = {"payfold_meta": 2, "payfold_references": INDEXED_FORMAT}
"""The format that added each table not in format 1."""

CREATED_ROWS: Final = (
    "SELECT stream, data, schema_version FROM payfold_events WHERE version = 1 AND tag = 'created' ORDER BY position"
)
"""Every stream's ``created`` event (one pass over the whole table: no index leads with version or tag)."""
ADD_REFERENCE: Final = (
    "INSERT INTO payfold_references (provider, reference, stream) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)
"""An index entry, unless the key already names a stream (the first one keeps it)."""

Migration = Callable[[sqlite3.Connection], None]


def _add_meta(conn: sqlite3.Connection) -> None:
    """Format 1 -> 2: the ``payfold_meta`` table (a format 1 log is unkeyed, so it stays empty)."""
    conn.execute(META)


def _add_references(conn: sqlite3.Connection) -> None:
    """Format 2 -> 3: the reference index, filled from every stream's ``created`` event in one pass."""
    conn.execute(REFERENCES)
    conn.executemany(ADD_REFERENCE, _index.entries(conn.execute(CREATED_ROWS)))


MIGRATIONS: Final[dict[int, Migration]] = {1: _add_meta, 2: _add_references}
"""``MIGRATIONS[v]`` turns a format ``v`` file into format ``v + 1`` (inside the open transaction)."""

_HEADER: Final = b"SQLite format 3\x00"
_CORRUPT: Final = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB


def translate(exc: sqlite3.DatabaseError, where: str) -> Exception:
    """``StoreCorrupt`` for a damaged file; ``exc`` itself for anything else."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in _CORRUPT:
        return StoreCorrupt(where, f"the database file is damaged or not a database ({exc})")
    return exc


def check_header(path: str) -> None:
    """Refuse a file that exists, is not empty and is not a SQLite database."""
    try:
        with open(path, "rb") as file:
            head = file.read(100)
    except FileNotFoundError:
        return
    if head and not head.startswith(_HEADER):
        raise StoreFormatError(path, "not a payfold database: the file is not a SQLite database")
    if head and len(head) < 100:
        raise StoreCorrupt(path, f"the database file is truncated ({len(head)} bytes, below SQLite's header)")
    if head:
        page_size = int.from_bytes(head[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(head[28:32], "big")
        size = os.path.getsize(path)
        valid = head[24:28] == head[92:96]  # the in-header size is current only when these agree
        # A crash mid-checkpoint can leave the file shorter than its header says while the WAL still holds
        # every page: SQLite recovers that on open, so only a file without a WAL to recover from is truncated.
        wal = f"{path}-wal"
        recoverable = os.path.exists(wal) and os.path.getsize(wal) > 0
        if valid and page_size and pages and size < pages * page_size and not recoverable:
            raise StoreCorrupt(
                path, f"the database file is truncated ({size} bytes, its header says {pages * page_size})"
            )


def prepare(conn: sqlite3.Connection, where: str, fingerprint: str | None = None) -> str | None:
    """Set WAL and synchronous=FULL; create the tables in a new file, migrate an older one, refuse the rest.

    A new file records ``fingerprint`` (its chain key's, when the store has one) in the same transaction that
    creates it: a log is keyed from its first event or never. Returns the fingerprint the file records.
    """
    _identify(conn, where)  # before WAL: a foreign file is refused untouched
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _identify(conn, where)
        if version is None:
            for statement in SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {FORMAT}")
            if fingerprint is not None:
                conn.execute("INSERT INTO payfold_meta (key, value) VALUES (?, ?)", (FINGERPRINT_KEY, fingerprint))
        else:
            _migrate(conn, where, version)
        _check_columns(conn, where, COLUMNS)
        recorded = _fingerprint(conn)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return recorded


class Inspected(NamedTuple):
    """What a read-only open learns: the chain key fingerprint the file records, and its format."""

    fingerprint: str | None
    format: int


def inspect(conn: sqlite3.Connection, where: str) -> Inspected:
    """For a read-only connection: refuse what ``prepare`` refuses, and an empty file (nothing to read, and
    nothing may be created); change nothing. An older format is read as it is (the tables it has)."""
    conn.execute("PRAGMA query_only = 1")
    version = _identify(conn, where)
    if version is None:
        raise StoreFormatError(where, "not a payfold log: the database is empty")
    tables = {table: columns for table, columns in COLUMNS.items() if SINCE.get(table, 1) <= version}
    _check_columns(conn, where, tables)
    return Inspected(_fingerprint(conn) if version >= SINCE["payfold_meta"] else None, version)


def read_only(conn: sqlite3.Connection) -> None:
    """Settings of the reader connection."""
    conn.execute("PRAGMA query_only = 1")


def _fingerprint(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT value FROM payfold_meta WHERE key = ?", (FINGERPRINT_KEY,)).fetchone()
    return None if row is None else str(row[0])


def _identify(conn: sqlite3.Connection, where: str) -> int | None:
    """The file format of a payfold file, None for an empty file; refuses foreign and newer files."""
    app = conn.execute("PRAGMA application_id").fetchone()[0]
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")]
    if app == 0 and version == 0 and not tables:
        return None
    if app != APPLICATION_ID:
        raise StoreFormatError(where, f"not a payfold database (application id {app:#x}, tables {tables})")
    if version > FORMAT:
        raise StoreFormatError(
            where, f"written by a newer payfold (file format {version}; this payfold reads up to {FORMAT})"
        )
    return version


def _migrate(conn: sqlite3.Connection, where: str, version: int) -> None:
    for step in range(version, FORMAT):
        migration = MIGRATIONS.get(step)
        if migration is None:
            raise StoreFormatError(where, f"no migration from file format {step}")
        migration(conn)
    if version != FORMAT:
        conn.execute(f"PRAGMA user_version = {FORMAT}")


def _check_columns(conn: sqlite3.Connection, where: str, tables: dict[str, list[str]]) -> None:
    for table, wanted in tables.items():
        found = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        if found != wanted:
            raise StoreFormatError(where, f"unexpected schema: table {table} has columns {found}, expected {wanted}")
