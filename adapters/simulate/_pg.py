"""A PostgreSQL store per simulated seed: a schema of its own in the database the DSN names.

The store's tables are created in the schema the connection's ``search_path`` names (asyncpg passes DSN query
parameters it does not know as server settings), so seeds never see one another's due work. A passing seed's
schema is dropped; a failing seed's is kept, and its DSN (with ``?search_path=``) works with ``payfold audit``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from payfold.adapters.simulate._checks import SeedResult
    from payfold.adapters.simulate._loop import SimLoop
    from payfold.adapters.stores.postgres import PostgresStore


def with_search_path(dsn: str, schema: str) -> str:
    """``dsn`` whose connections use ``schema``."""
    return f"{dsn}{'&' if '?' in dsn else '?'}search_path={quote(schema)}"


async def _execute(dsn: str, statement: str) -> None:
    import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def schema_store(dsn: str, schema: str, loop: SimLoop, result: SeedResult) -> AsyncIterator[PostgresStore]:
    """A ``PostgresStore`` in a fresh ``schema`` of ``dsn``'s database."""
    from payfold.adapters.stores.postgres import PostgresStore

    quoted = '"' + schema.replace('"', '""') + '"'
    with loop.real():
        await _execute(dsn, f"DROP SCHEMA IF EXISTS {quoted} CASCADE; CREATE SCHEMA {quoted}")
        store = await PostgresStore.open(with_search_path(dsn, schema), min_size=1, max_size=2)
    try:
        yield store
    finally:
        with loop.real():
            await store.close()
            if result.failed:
                result.kept = with_search_path(dsn, schema)
            else:
                await _execute(dsn, f"DROP SCHEMA {quoted} CASCADE")
