"""PostgresStore: the event store for many workers on many machines, on asyncpg.

Appends to different streams share no lock: each transaction numbers its events from its own transaction id
(``xid8 * 65536 + n``), and ``read_all`` reads only below the oldest transaction still running, so a tailing
reader sees positions in increasing order and never skips an event that commits late (docs/storage.md,
"Concurrency"). Two appends to one stream race on its ``(stream, version)`` key; the loser re-reads and gets the
usual answer (``_postgres_append``). ``lease_due`` shares due work between workers with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

from payfold import Event, decode
from payfold._store import AppendResult, Due, Record, StoreError, StreamAppend, VerifyReport
from payfold._time import check_utc
from payfold.adapters.stores import _chain, _index, _plan, _postgres_append, _postgres_schema
from payfold.adapters.stores import _postgres_sql as sql

MIGRATIONS = _postgres_schema.MIGRATIONS
"""``MIGRATIONS[v]``: the steps (statements, or functions of the connection) turning schema format ``v`` into
``v + 1`` (run in one transaction)."""


_SCAN_BATCH = 1000
"""Rows fetched per round trip when ``find`` scans a database older than the reference index."""


class PostgresStore:
    """An event store in a PostgreSQL database. Open with ``await PostgresStore.open(dsn)``; ``close()`` after."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        where: str,
        *,
        chain_key: bytes | None = None,
        fingerprint: str | None = None,
        read_only: bool = False,
        indexed: bool = True,
    ) -> None:
        self._pool = pool
        self.where = where
        self.chain_key = chain_key
        """The key this store links (and verifies) with; None: plain SHA-256 links."""
        self.fingerprint = fingerprint
        """The chain key fingerprint the database records (None: an unkeyed log)."""
        self._read_only = read_only
        self._indexed = indexed

    @property
    def keyed(self) -> bool:
        """The log is keyed (its links are HMACs under a key it does not store)."""
        return self.fingerprint is not None

    @classmethod
    async def open(
        cls,
        dsn: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        chain_key: bytes | None = None,
        read_only: bool = False,
    ) -> PostgresStore:
        """Connect, create the tables in an empty database, migrate an older schema, refuse foreign or newer ones.

        ``chain_key`` (default: ``PAYFOLD_CHAIN_KEY``, hex) keys the chain of a new database; an existing one
        must have been created with that key (or, with no key given, may only be read). ``read_only`` creates
        and migrates nothing and refuses appends (a database older than the reference index answers ``find`` by
        scanning its events).
        """
        key = _chain.chain_key(chain_key)
        pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size, reset=_keep_session)
        try:
            async with pool.acquire() as conn:
                where = f"postgresql database {await conn.fetchval('SELECT current_database()')!r}"
                if read_only:
                    recorded, version = await _postgres_schema.inspect(conn, where)
                else:
                    async with conn.transaction():
                        await conn.execute("SELECT pg_advisory_xact_lock($1)", sql.LOCK_KEY)
                        offered = None if key is None else _chain.fingerprint(key)
                        recorded = await _postgres_schema.prepare(conn, where, offered)
                    version = sql.FORMAT
            _chain.admit(where, recorded, key)
        except BaseException:
            await pool.close()
            raise
        indexed = version >= sql.INDEXED_FORMAT
        return cls(pool, where, chain_key=key, fingerprint=recorded, read_only=read_only, indexed=indexed)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._pool.close()

    async def append(
        self, stream: str, events: Sequence[Event], expected_version: int, *, due: datetime | None = None
    ) -> AppendResult:
        """Append ``events`` to ``stream`` if it is at ``expected_version``; set its next due time."""
        item = StreamAppend(stream=stream, events=events, expected_version=expected_version, due=due)
        return (await self.append_many([item]))[0]

    async def append_many(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        """Append to many streams in one transaction (all or nothing), at most 65535 events."""
        if self._read_only:
            raise StoreError(self.where, "opened read-only: appending is not allowed")
        _chain.require(self.where, self.fingerprint, self.chain_key, "appending")
        return await _postgres_append.append(self._pool, _plan.prepare(appends), self.chain_key)

    async def read(self, stream: str) -> list[Event]:
        """The events of ``stream`` in version order."""
        return [decode(row[0], row[1]) for row in await self._pool.fetch(sql.READ_EVENTS, stream)]

    async def read_records(self, stream: str, after_version: int = 0) -> list[Record]:
        """The records of ``stream`` after ``after_version`` (a range scan of the ``(stream, version)`` key)."""
        return [_plan.record(row) for row in await self._pool.fetch(sql.READ_STREAM, stream, after_version)]

    async def version(self, stream: str) -> int:
        """The number of events in ``stream``."""
        found: int = await self._pool.fetchval(sql.VERSION, stream)
        return found

    async def find(self, provider: str, reference: str) -> str | None:
        """The stream whose ``created`` event names ``provider`` and ``reference`` (the first one, if several do):
        a primary key probe of ``payfold_references``, or, in a database opened read-only that predates it
        (schema format 3 or older), a scan of the events through a server-side cursor."""
        if self._indexed:
            found: str | None = await self._pool.fetchval(sql.FIND, provider, reference)
            return found
        async with self._pool.acquire() as conn, conn.transaction(readonly=True):
            async for row in conn.cursor(sql.CREATED_ROWS, prefetch=_SCAN_BATCH):
                if _index.scan([(row[0], row[1], row[2])], provider, reference) is not None:
                    return str(row[0])
        return None

    async def read_all(
        self, after_position: int = 0, *, batch: int = 500, settle: float = 10.0
    ) -> AsyncIterator[Record]:
        """Every record after ``after_position`` in position order, ``batch`` rows per query.

        Reads only below the watermark (events of transactions older than every running one), so positions
        only grow and a checkpoint never passes an event that commits later. Before it stops it waits, at most
        ``settle`` seconds, for the transactions holding back events already committed when it reached the
        watermark: so it returns every event committed before the call unless a transaction stays open longer.
        """
        position = after_position
        target: int | None = None
        deadline = 0.0
        pause = 0.001
        while True:
            rows = await self._pool.fetch(sql.READ_BATCH, position, batch)
            for row in rows:
                yield _plan.record(row)
            if rows:
                position = rows[-1]["position"]
            if len(rows) == batch:
                continue
            if target is None:
                target = await self._pool.fetchval(sql.LAST_COMMITTED)
                deadline = time.monotonic() + settle
            if target is None or position >= target or time.monotonic() >= deadline:
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    async def due(self, now: datetime, limit: int = 100) -> list[Due]:
        """Streams due at or before ``now``, earliest first (leased or not)."""
        check_utc(now, "now")
        return [Due(stream=r["stream"], at=r["due_at"]) for r in await self._pool.fetch(sql.DUE, now, limit)]

    async def lease_due(
        self, now: datetime, worker: str, limit: int, lease_for: timedelta, *, exclude: Sequence[str] = ()
    ) -> list[Due]:
        """Take up to ``limit`` due streams nobody holds, none of ``exclude``, for ``lease_for``; other workers skip
        them meanwhile.

        A lease ends when it expires or when the stream's next append sets its new due time.
        """
        check_utc(now, "now")
        rows = await self._pool.fetch(sql.LEASE, now, worker, limit, lease_for, list(exclude))
        return sorted((Due(stream=r["stream"], at=r["due_at"]) for r in rows), key=lambda d: (d.at, d.stream))

    async def due_of(self, streams: Sequence[str]) -> dict[str, datetime]:
        """The due time of each of ``streams`` that has one (the others are left out)."""
        rows = await self._pool.fetch(sql.DUE_OF, list(streams))
        return {row["stream"]: row["due_at"] for row in rows}

    async def read_by_stream(self, *, batch: int = 1000) -> AsyncIterator[Record]:
        """Every record ordered by (stream, version), through a server-side cursor in one read-only snapshot
        (the order ``verify`` walks in: each stream's history arrives whole, one stream at a time)."""
        async with self._pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
            async for row in conn.cursor(sql.READ_CHAIN, prefetch=batch):
                yield _plan.record(row)

    async def announce_work(self) -> None:
        """Tell every runner watching this database, in any process, that work may be due now (``NOTIFY``)."""
        await self._pool.execute("SELECT pg_notify($1, '')", sql.WORK_CHANNEL)

    @contextlib.asynccontextmanager
    async def watch_work(self, on_work: Callable[[], None]) -> AsyncIterator[None]:
        """While open, call ``on_work()`` each time some process announced work (``LISTEN`` on a connection held
        from the pool for as long as the runner runs)."""

        def heard(_connection: object, _pid: int, _channel: str, _payload: str) -> None:
            on_work()

        async with self._pool.acquire() as connection:
            await connection.add_listener(sql.WORK_CHANNEL, heard)
            try:
                yield
            finally:
                with contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
                    await connection.remove_listener(sql.WORK_CHANNEL, heard)

    async def verify(self) -> VerifyReport:
        """Walk every stream's hash chain through a server-side cursor (bounded memory). A keyed log is verified
        with its key, and refuses to be verified without it."""
        _chain.require(self.where, self.fingerprint, self.chain_key, "verifying")
        checker = _chain.Checker(self.chain_key)
        async for record in self.read_by_stream():
            checker.feed(record)
        return checker.report()


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Returning a connection to the pool: asyncpg has already rolled back any open transaction, and the store
    changes no session state, so skip the default reset query (one round trip per store call)."""
