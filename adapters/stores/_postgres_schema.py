"""Opening a PostgreSQL database: create the tables, migrate an older format, refuse anything else.

Runs inside one transaction under an advisory lock (``PostgresStore.open``), so many workers may start at once
and a failed migration leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final, NamedTuple, TypeAlias

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

from payfold._store import StoreFormatError
from payfold.adapters.stores import _index
from payfold.adapters.stores import _postgres_sql as sql
from payfold.adapters.stores._chain import FINGERPRINT_KEY

_BATCH: Final = 1000
"""Rows decoded, and index entries inserted, per round trip when the index is filled."""


async def _fill_references(conn: Any) -> None:
    """Format 3 -> 4, after the table exists: one entry per stream's ``created`` event, read in one pass through
    a server-side cursor (bounded memory) and inserted ``_BATCH`` at a time, oldest first (the first stream
    keeps a key)."""
    rows: list[tuple[str, bytes, int]] = []
    async for row in conn.cursor(sql.CREATED_ROWS, prefetch=_BATCH):
        rows.append((row[0], row[1], row[2]))
        if len(rows) == _BATCH:
            await _add_references(conn, rows)
            rows = []
    await _add_references(conn, rows)


async def _add_references(conn: Any, rows: list[tuple[str, bytes, int]]) -> None:
    entries = list(_index.entries(rows))
    if entries:
        await conn.execute(sql.ADD_REFERENCES, *(list(column) for column in zip(*entries, strict=True)))


Step: TypeAlias = str | Callable[[Any], Awaitable[None]]
"""A migration step: a statement, or a function of the connection for what SQL alone cannot do (decoding)."""

MIGRATIONS: dict[int, tuple[Step, ...]] = {
    1: sql.MIGRATE_1_TO_2,
    2: sql.MIGRATE_2_TO_3,
    3: (sql.REFERENCES, _fill_references),
}
"""``MIGRATIONS[v]``: the steps turning schema format ``v`` into ``v + 1`` (run in one transaction)."""


class Inspected(NamedTuple):
    """What a read-only open learns: the chain key fingerprint the database records, and its schema format."""

    fingerprint: str | None
    format: int


async def prepare(conn: Any, where: str, fingerprint: str | None = None) -> str | None:
    """Bring the database at ``conn`` to ``sql.FORMAT`` or raise ``StoreFormatError`` naming what to do.

    A new database records ``fingerprint`` (its chain key's, when the store has one) in the transaction that
    creates its tables: a log is keyed from its first event or never. Returns the fingerprint it records.
    """
    found = await _columns(conn, [*sql.COLUMNS, "payfold_meta", "payfold_head"])
    if not found:
        for statement in sql.SCHEMA:
            await conn.execute(statement)
        if fingerprint is not None:
            await conn.execute(sql.RECORD_FINGERPRINT, FINGERPRINT_KEY, fingerprint)
    elif "payfold_meta" not in found:
        raise StoreFormatError(where, f"not a payfold database: tables {sorted(found)} without payfold_meta")
    else:
        await _migrate(conn, where, await _format(conn, where))
    await _check_columns(conn, where)
    recorded: str | None = await conn.fetchval(sql.FINGERPRINT, FINGERPRINT_KEY)
    return recorded


async def inspect(conn: Any, where: str) -> Inspected:
    """Refuse what ``prepare`` refuses, and a database without payfold's tables; change nothing (a read-only
    open, as ``payfold audit`` does). An older format is read as it is (the tables it has)."""
    found = await _columns(conn, [*sql.COLUMNS, "payfold_meta"])
    if "payfold_meta" not in found:
        tables = f"tables {sorted(found)}" if found else "no payfold tables"
        raise StoreFormatError(where, f"not a payfold log: {tables} without payfold_meta")
    version = await _format(conn, where)
    if version < 2:
        raise StoreFormatError(where, f"schema format {version}: open it once for writing to migrate it first")
    await _check_columns(conn, where, version)
    recorded: str | None = await conn.fetchval(sql.FINGERPRINT, FINGERPRINT_KEY)
    return Inspected(recorded, version)


async def _check_columns(conn: Any, where: str, version: int = sql.FORMAT) -> None:
    """Refuse tables of format ``version`` whose columns are not payfold's (or that are missing)."""
    tables = {table: columns for table, columns in sql.COLUMNS.items() if sql.SINCE.get(table, 1) <= version}
    found = await _columns(conn, list(tables))
    for table, wanted in tables.items():
        if found.get(table) != wanted:
            raise StoreFormatError(
                where, f"unexpected schema: table {table} has columns {found.get(table)}, expected {wanted}"
            )


async def _columns(conn: Any, tables: list[str]) -> dict[str, list[str]]:
    return {row[0]: list(row[1]) for row in await conn.fetch(sql.TABLE_COLUMNS, tables)}


async def _format(conn: Any, where: str) -> int:
    value = await conn.fetchval("SELECT value FROM payfold_meta WHERE key = 'format'")
    if value is None or not value.isdigit():
        raise StoreFormatError(where, f"not a payfold database: payfold_meta.format is {value!r}")
    version = int(value)
    if version > sql.FORMAT:
        raise StoreFormatError(
            where,
            f"written by a newer payfold (schema format {version}; this payfold reads up to {sql.FORMAT}): "
            "upgrade payfold",
        )
    return version


async def _migrate(conn: Any, where: str, version: int) -> None:
    for step in range(version, sql.FORMAT):
        migration = MIGRATIONS.get(step)
        if migration is None:
            raise StoreFormatError(where, f"no migration from schema format {step}")
        try:
            for statement in migration:
                await (conn.execute(statement) if isinstance(statement, str) else statement(conn))
        except asyncpg.PostgresError as exc:
            raise StoreFormatError(
                where, f"migrating schema format {step} to {step + 1} failed, nothing changed: {exc}"
            ) from exc
    if version != sql.FORMAT:
        await conn.execute("UPDATE payfold_meta SET value = $1 WHERE key = 'format'", str(sql.FORMAT))
