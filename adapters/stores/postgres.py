"""PostgresStore: the event store for many workers on many machines, on asyncpg.

Every append takes the log's single head row ``FOR UPDATE`` first and holds it to commit, so global positions
are handed out in commit order: ``read_all`` never skips a row that commits later with a lower position. The
price is that appends are serialised across the database (group them with ``append_many``). ``lease_due``
shares due work between workers with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

from payfold import Event, decode
from payfold._store import AppendResult, Due, Record, StoreFormatError, StreamAppend, VerifyReport
from payfold._time import check_utc
from payfold.adapters.stores import _chain, _plan
from payfold.adapters.stores import _postgres_sql as sql


class PostgresStore:
    """An event store in a PostgreSQL database. Open with ``await PostgresStore.open(dsn)``; ``close()`` after."""

    def __init__(self, pool: asyncpg.Pool, where: str) -> None:
        self._pool = pool
        self.where = where

    @classmethod
    async def open(cls, dsn: str, *, min_size: int = 1, max_size: int = 10) -> PostgresStore:
        """Connect, create the tables in an empty database, migrate an older schema, refuse foreign or newer ones."""
        pool = await asyncpg.create_pool(dsn, min_size=min_size, max_size=max_size)
        async with pool.acquire() as conn:
            where = f"postgresql database {await conn.fetchval('SELECT current_database()')!r}"
        try:
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", sql.LOCK_KEY)
                await _prepare(conn, where)
        except BaseException:
            await pool.close()
            raise
        return cls(pool, where)

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
        """Append to many streams in one transaction (all or nothing)."""
        items = _plan.prepare(appends)
        streams, ids = _plan.wanted(items)
        async with self._pool.acquire() as conn, conn.transaction():
            position: int = await conn.fetchval(sql.LOCK_LOG)
            heads: dict[str, _plan.Head] = {}
            stored: dict[tuple[str, str], int] = {}
            rows = await conn.fetch(sql.READ_STATE, streams, [s for s, _ in ids], [i for _, i in ids])
            for row in rows:
                if row["id"] is None:
                    heads[row["stream"]] = (row["version"], row["hash"])
                else:
                    stored[(row["stream"], row["id"])] = row["version"]
            planned = _plan.plan(items, heads, stored)
            new = planned.rows
            last = position + len(new)
            await conn.execute(
                sql.WRITE,
                list(range(position + 1, last + 1)),
                [r.stream for r in new],
                [r.version for r in new],
                [r.tag for r in new],
                [r.schema_version for r in new],
                [r.id for r in new],
                [r.hash for r in new],
                [r.data for r in new],
                last,
                [s for s, at in planned.due.items() if at is None],
                [s for s, at in planned.due.items() if at is not None],
                [at for at in planned.due.values() if at is not None],
            )
        return planned.results

    async def read(self, stream: str) -> list[Event]:
        """The events of ``stream`` in version order."""
        return [decode(row[0], row[1]) for row in await self._pool.fetch(sql.READ_EVENTS, stream)]

    async def read_records(self, stream: str, after_version: int = 0) -> list[Record]:
        """The records of ``stream`` after ``after_version``."""
        return [_plan.record(row) for row in await self._pool.fetch(sql.READ_STREAM, stream, after_version)]

    async def version(self, stream: str) -> int:
        """The number of events in ``stream``."""
        found: int = await self._pool.fetchval(sql.VERSION, stream)
        return found

    async def read_all(self, after_position: int = 0, *, batch: int = 500) -> AsyncIterator[Record]:
        """Every record after ``after_position`` in commit order, ``batch`` rows per query."""
        position = after_position
        while rows := await self._pool.fetch(sql.READ_BATCH, position, batch):
            for row in rows:
                yield _plan.record(row)
            position = rows[-1]["position"]

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

    async def verify(self) -> VerifyReport:
        """Walk every stream's hash chain through a server-side cursor (bounded memory)."""
        checker = _chain.Checker()
        async with self._pool.acquire() as conn, conn.transaction(readonly=True, isolation="repeatable_read"):
            async for row in conn.cursor(sql.READ_CHAIN, prefetch=1000):
                checker.feed(_plan.record(row))
        return checker.report()


async def _prepare(conn: Any, where: str) -> None:
    tables = await conn.fetch(sql.TABLE_COLUMNS, [*sql.COLUMNS, "payfold_meta"])
    found = {row[0]: list(row[1]) for row in tables}
    if not found:
        for statement in sql.SCHEMA:
            await conn.execute(statement)
    elif "payfold_meta" not in found:
        raise StoreFormatError(where, f"not a payfold database: tables {sorted(found)} without payfold_meta")
    else:
        value = await conn.fetchval("SELECT value FROM payfold_meta WHERE key = 'format'")
        version = int(value) if value is not None and value.isdigit() else None
        if version is None:
            raise StoreFormatError(where, f"not a payfold database: payfold_meta.format is {value!r}")
        if version > sql.FORMAT:
            raise StoreFormatError(
                where, f"written by a newer payfold (schema format {version}; this payfold reads up to {sql.FORMAT})"
            )
        for step in range(version, sql.FORMAT):
            migration = MIGRATIONS.get(step)
            if migration is None:
                raise StoreFormatError(where, f"no migration from schema format {step}")
            for statement in migration:
                await conn.execute(statement)
        if version != sql.FORMAT:
            await conn.execute("UPDATE payfold_meta SET value = $1 WHERE key = 'format'", str(sql.FORMAT))
    tables = await conn.fetch(sql.TABLE_COLUMNS, list(sql.COLUMNS))
    found = {row[0]: list(row[1]) for row in tables}
    for table, wanted in sql.COLUMNS.items():
        if found.get(table) != wanted:
            raise StoreFormatError(
                where, f"unexpected schema: table {table} has columns {found.get(table)}, expected {wanted}"
            )


MIGRATIONS: dict[int, tuple[str, ...]] = {}
"""``MIGRATIONS[v]``: the statements turning schema format ``v`` into ``v + 1`` (run in one transaction)."""
