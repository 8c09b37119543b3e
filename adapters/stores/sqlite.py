"""SqliteStore: the embedded default event store, on aiosqlite.

One writer connection and one reader connection per store, each with its own aiosqlite thread. WAL journal,
``synchronous=FULL``: an append whose await returned is on disk and survives a crash or a power loss. Each
append is one function run on the writer's thread (BEGIN IMMEDIATE, check, insert, COMMIT): one thread hop per
commit. Several processes may share a file; SQLite's write lock serialises their appends.
"""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import TypeVar

import aiosqlite

from payfold import Event
from payfold._store import AppendResult, Due, Record, StoreCorrupt, StoreError, StreamAppend, VerifyReport
from payfold.adapters.stores import _chain, _plan, _sqlite_schema, _sqlite_sql

T = TypeVar("T")


class SqliteStore:
    """An event store in one SQLite file. Open with ``await SqliteStore.open(path)``; ``close()`` when done."""

    def __init__(
        self,
        path: str,
        writer: aiosqlite.Connection | None,
        reader: aiosqlite.Connection,
        *,
        chain_key: bytes | None = None,
        fingerprint: str | None = None,
        indexed: bool = True,
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self.chain_key = chain_key
        """The key this store links (and verifies) with; None: plain SHA-256 links."""
        self.fingerprint = fingerprint
        """The chain key fingerprint the log records (None: an unkeyed log)."""
        self._find = _sqlite_sql.find if indexed else _sqlite_sql.scan

    @property
    def keyed(self) -> bool:
        """The log is keyed (its links are HMACs under a key it does not store)."""
        return self.fingerprint is not None

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        *,
        busy_timeout: float = 30.0,
        chain_key: bytes | None = None,
        read_only: bool = False,
    ) -> SqliteStore:
        """Open (or create) the store at ``path``: refuses foreign, damaged and newer files, migrates older ones.

        ``chain_key`` (default: ``PAYFOLD_CHAIN_KEY``, hex) keys the chain of a new file; an existing file must
        have been created with that key (or, with no key given, may only be read). ``read_only`` opens an
        existing payfold file without changing it (no creation, no migration, no appends; a file older than the
        reference index answers ``find`` by scanning its events).
        """
        where = os.fspath(path)
        key = _chain.chain_key(chain_key)
        _sqlite_schema.check_header(where)
        if read_only:
            return await cls._open_read_only(where, busy_timeout, key)
        writer = await _connect(where, busy_timeout)
        try:
            offered = None if key is None else _chain.fingerprint(key)
            recorded = await _run(writer, where, _sqlite_schema.prepare, where, offered)
            _chain.admit(where, recorded, key)
            reader = await _connect(where, busy_timeout)
            await _run(reader, where, _sqlite_schema.read_only)
        except BaseException:
            await writer.close()
            raise
        return cls(where, writer, reader, chain_key=key, fingerprint=recorded)

    @classmethod
    async def _open_read_only(cls, where: str, busy_timeout: float, key: bytes | None) -> SqliteStore:
        if not os.path.exists(where):
            raise FileNotFoundError(f"{where}: no such database file")
        uri = f"file:{urllib.parse.quote(os.path.abspath(where))}?mode=ro"
        reader = await _connect(uri, busy_timeout, where=where, uri=True)
        try:
            found = await _run(reader, where, _sqlite_schema.inspect, where)
            _chain.admit(where, found.fingerprint, key)
        except BaseException:
            await reader.close()
            raise
        indexed = found.format >= _sqlite_schema.INDEXED_FORMAT
        return cls(where, None, reader, chain_key=key, fingerprint=found.fingerprint, indexed=indexed)

    async def close(self) -> None:
        """Close both connections (waits for queued work)."""
        await self._reader.close()
        if self._writer is not None:
            await self._writer.close()

    def _writable(self) -> aiosqlite.Connection:
        if self._writer is None:
            raise StoreError(self.path, "opened read-only: appending is not allowed")
        _chain.require(self.path, self.fingerprint, self.chain_key, "appending")
        return self._writer

    async def append(
        self, stream: str, events: Sequence[Event], expected_version: int, *, due: datetime | None = None
    ) -> AppendResult:
        """Append ``events`` to ``stream`` if it is at ``expected_version``; set its next due time."""
        item = StreamAppend(stream=stream, events=events, expected_version=expected_version, due=due)
        results = await _run(self._writable(), self.path, _sqlite_sql.write, _plan.prepare([item]), self.chain_key)
        return results[0]

    async def append_many(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        """Append to many streams in one transaction (group commit: one fsync for all)."""
        return await _run(self._writable(), self.path, _sqlite_sql.write, _plan.prepare(appends), self.chain_key)

    async def read(self, stream: str) -> list[Event]:
        """The events of ``stream`` in version order."""
        return await _run(self._reader, self.path, _sqlite_sql.read_events, stream)

    async def read_many(self, streams: Sequence[str]) -> dict[str, list[Event]]:
        """The events of each of ``streams`` (unknown ones map to ``[]``): one query and one thread hop for all,
        where ``read`` pays a hop per stream (replays and audits)."""
        found: dict[str, list[Event]] = {stream: [] for stream in streams}
        found.update(await _run(self._reader, self.path, _sqlite_sql.read_many, list(found)))
        return found

    async def read_records(self, stream: str, after_version: int = 0) -> list[Record]:
        """The records of ``stream`` after ``after_version`` (a range of the (stream, version) index)."""
        return await _run(self._reader, self.path, _sqlite_sql.read_records, stream, after_version)

    async def version(self, stream: str) -> int:
        """The number of events in ``stream``."""
        return await _run(self._reader, self.path, _sqlite_sql.version, stream)

    async def find(self, provider: str, reference: str) -> str | None:
        """The stream whose ``created`` event names ``provider`` and ``reference`` (the first one, if several do):
        a key lookup in ``payfold_references``, or a scan of the events in a file opened read-only that predates
        it (file format 2 or older)."""
        return await _run(self._reader, self.path, self._find, provider, reference)

    async def read_all(self, after_position: int = 0, *, batch: int = 500) -> AsyncIterator[Record]:
        """Every record after ``after_position`` in commit order, ``batch`` rows per query."""
        position = after_position
        while chunk := await _run(self._reader, self.path, _sqlite_sql.read_batch, position, batch):
            for record in chunk:
                yield record
            position = chunk[-1].position

    async def read_by_stream(self, *, batch: int = 1000) -> AsyncIterator[Record]:
        """Every record ordered by (stream, version), ``batch`` rows per thread hop, from one read snapshot (the
        order ``verify`` walks in: each stream's history arrives whole, one stream at a time)."""
        cursor = await _run(self._reader, self.path, _sqlite_sql.by_stream)
        try:
            while chunk := await _run(self._reader, self.path, _sqlite_sql.fetch_records, cursor, batch):
                for record in chunk:
                    yield record
        finally:
            await _run(self._reader, self.path, _sqlite_sql.close_cursor, cursor)

    async def due(self, now: datetime, limit: int = 100) -> list[Due]:
        """Streams due at or before ``now``, earliest first."""
        return await _run(self._reader, self.path, _sqlite_sql.due, now, limit)

    async def due_of(self, streams: Sequence[str]) -> dict[str, datetime]:
        """The due time of each of ``streams`` that has one (the others are left out)."""
        return await _run(self._reader, self.path, _sqlite_sql.due_of, list(streams))

    async def verify(self) -> VerifyReport:
        """Walk every stream's hash chain (on the reader's thread; appends go on meanwhile). A keyed log is
        verified with its key, and refuses to be verified without it."""
        _chain.require(self.path, self.fingerprint, self.chain_key, "verifying")
        return await _run(self._reader, self.path, _sqlite_sql.verify, self.chain_key)


async def _connect(
    path: str, busy_timeout: float, *, where: str | None = None, uri: bool = False
) -> aiosqlite.Connection:
    try:
        return await aiosqlite.connect(path, isolation_level=None, timeout=busy_timeout, uri=uri)
    except sqlite3.DatabaseError as exc:
        raise _sqlite_schema.translate(exc, where or path) from None


async def _run(conn: aiosqlite.Connection, where: str, fn: Callable[..., T], *args: object) -> T:
    """Run ``fn(sqlite3_connection, *args)`` on ``conn``'s thread: one hop, however many statements it runs.

    aiosqlite queues callables for its thread through ``Connection._execute``; it has no public name for that.
    """

    def call() -> T:
        return fn(conn._conn, *args)

    try:
        result: T = await conn._execute(call)  # type: ignore[no-untyped-call]
    except sqlite3.DatabaseError as exc:
        error = _sqlite_schema.translate(exc, where)
        if isinstance(error, StoreCorrupt):
            raise error from None
        raise
    return result
