"""One PostgreSQL append attempt (a read, then one atomic write statement); and the retry around it.

No lock is shared between streams. Two transactions that extend the same stream both try to insert the same
``(stream, version)`` (or ``(stream, id)``): the second waits on the first's index entry and, once the first has
committed, fails with a unique violation. ``append`` then runs the whole attempt again: its new read sees the
winner's rows, so the shared plan answers exactly as if the two had run one after the other (absorbed retry or
``ConcurrencyConflict``). Every retry follows a commit to one of the appended streams, after which the plan
either absorbs or raises, so the loop ends after at most one retry per stream. The read needs no transaction
around it: stored rows never change, so what it saw can only be extended, and an extension shows up as that
unique violation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # asyncpg ships no type hints

from payfold._store import AppendResult
from payfold.adapters.stores import _chain, _plan
from payfold.adapters.stores import _postgres_sql as sql

RETRYABLE: tuple[type[BaseException], ...] = (asyncpg.UniqueViolationError, asyncpg.DeadlockDetectedError)
"""A concurrent transaction won a race for the same stream's rows (the whole transaction was rolled back)."""


async def write(conn: Any, items: Sequence[_plan.Item], key: bytes | None = None) -> list[AppendResult]:
    """Read the heads, plan, write (rows linked under ``key`` when the log is keyed); raises
    ``ConcurrencyConflict`` or one of ``RETRYABLE``. Runs in the caller's transaction if it holds one (tests do,
    to keep an append uncommitted), else commits with the write."""
    streams, ids = _plan.wanted(items)
    heads: dict[str, _plan.Head] = {}
    stored: dict[tuple[str, str], int] = {}
    for row in await conn.fetch(sql.READ_STATE, streams, [s for s, _ in ids], [i for _, i in ids]):
        if row["id"] is None:
            heads[row["stream"]] = (row["version"], row["hash"])
        else:
            stored[(row["stream"], row["id"])] = row["version"]
    planned = _plan.plan(items, heads, stored)
    if len(planned.rows) >= sql.SLOTS:
        raise ValueError(f"one append_many stores at most {sql.SLOTS - 1} events, got {len(planned.rows)}")
    if not planned.rows and not planned.due:
        return planned.results
    rows = planned.rows if key is None else _chain.rekey(planned.rows, heads, key)
    ordered = sorted(enumerate(rows, start=1), key=lambda pair: (pair[1].stream, pair[1].version))
    due = sorted(planned.due.items())
    versions = {result.stream: result.version for result in planned.results}
    # the index entries as three columns (providers, references, streams), sorted by key; none: plain WRITE
    references = [list(column) for column in zip(*sorted(planned.references), strict=True)]
    await conn.execute(
        sql.WRITE_INDEXED if references else sql.WRITE,
        [n for n, _ in ordered],
        [r.stream for _, r in ordered],
        [r.version for _, r in ordered],
        [r.tag for _, r in ordered],
        [r.schema_version for _, r in ordered],
        [r.id for _, r in ordered],
        [r.hash for _, r in ordered],
        [r.data for _, r in ordered],
        [s for s, _ in due],
        [versions[s] for s, _ in due],
        [at for _, at in due],
        *references,
    )
    return planned.results


async def append(pool: Any, items: Sequence[_plan.Item], key: bytes | None = None) -> list[AppendResult]:
    """``write`` on a pooled connection, run again after losing a race (see the module docstring)."""
    attempts = len({item.stream for item in items}) + 1
    for attempt in range(attempts + 1):
        try:
            async with pool.acquire() as conn:
                return await write(conn, items, key)
        except RETRYABLE:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
