"""Small payfold logs for the audit tests, on SQLite or PostgreSQL, and the raw SQL an intruder would run on them.

The log: six payments written as the runner writes them (``tests.cli._logs``: valid histories, each in two
appends, with the due times ``next_step`` gives). Payment ``pay-000000i`` is, by ``i``:

    0 settled (tranzzo, 6 events)    1 failed (flutterwave, 6)    2 waiting (tranzzo, 9: requeries pending)
    3 settled (flutterwave, 6)       4 failed (tranzzo, 6)        5 waiting (flutterwave, 9)
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]

from payfold import SCHEMA_VERSION, Event, encode, event_id, tag_of
from payfold._store import Record
from payfold.adapters.audit import AuditReport
from payfold.adapters.audit._audit import audit
from payfold.adapters.audit._source import AuditSource
from payfold.adapters.cli import policy_of
from payfold.adapters.stores._chain import GENESIS, link
from payfold.adapters.stores.postgres import PostgresStore
from payfold.adapters.stores.sqlite import SqliteStore
from tests.cli._logs import write

PAYMENTS = 6
KEY = bytes(range(32))
"""The chain key of keyed logs in these tests (an intruder never has it)."""


def stream(index: int) -> str:
    return f"pay-{index:07d}"


class Log(Protocol):
    """Where a test log lives, and a way to change it behind payfold's back."""

    where: str

    async def open(self, *, key: bytes | None = None, read_only: bool = False) -> AuditSource: ...

    async def sql(self, statement: str, *args: Any) -> None:
        """Run ``statement`` directly on the database; ``{}`` stands for each of ``args`` in turn."""
        ...


class SqliteLog:
    def __init__(self, path: Path) -> None:
        self.where = str(path)

    async def open(self, *, key: bytes | None = None, read_only: bool = False) -> AuditSource:
        return await SqliteStore.open(self.where, chain_key=key, read_only=read_only)

    async def sql(self, statement: str, *args: Any) -> None:
        with sqlite3.connect(self.where) as conn:
            conn.execute(statement.replace("{}", "?"), args)
        conn.close()


class PostgresLog:
    def __init__(self, dsn: str) -> None:
        self.where = dsn

    async def open(self, *, key: bytes | None = None, read_only: bool = False) -> AuditSource:
        return await PostgresStore.open(self.where, max_size=2, chain_key=key, read_only=read_only)

    async def sql(self, statement: str, *args: Any) -> None:
        numbered = statement
        for n in range(1, len(args) + 1):
            numbered = numbered.replace("{}", f"${n}", 1)
        conn = await asyncpg.connect(self.where)
        try:
            await conn.execute(numbered, *args)
        finally:
            await conn.close()


async def seed(log: Log, *, key: bytes | None = None, payments: int = PAYMENTS) -> None:
    """Write the test log (keyed with ``key``)."""
    store = await log.open(key=key)
    try:
        await write(store, payments, group=2)
    finally:
        await store.close()


async def audited(log: Log, *, key: bytes | None = None, checkpoint: Path | None = None) -> AuditReport:
    """``payfold audit`` of the log, read-only, with ``key`` and ``checkpoint`` when given."""
    store = await log.open(key=key, read_only=True)
    try:
        return await audit(store, policy_of, log=log.where, checkpoint=checkpoint)
    finally:
        await store.close()


async def records(log: Log, name: str) -> list[Record]:
    store = await log.open(read_only=True)
    try:
        return await store.read_records(name)
    finally:
        await store.close()


async def rehash(log: Log, name: str, changes: dict[int, Event]) -> None:
    """Replace the events of ``name`` at the versions in ``changes`` and recompute every id and hash from the
    first of them on, with plain SHA-256 links: all an intruder with write access and no key can do."""
    found = await records(log, name)
    first = min(changes)
    previous = found[first - 2].hash if first > 1 else GENESIS
    for record in found[first - 1 :]:
        event = changes.get(record.version) or record.event()
        data, tag = encode(event), tag_of(event)
        hashed = link(previous, name, record.version, tag, SCHEMA_VERSION, data)
        await log.sql(
            "UPDATE payfold_events SET tag = {}, id = {}, hash = {}, data = {} WHERE stream = {} AND version = {}",
            tag,
            event_id(data),
            hashed,
            data,
            name,
            record.version,
        )
        previous = hashed


async def forge(log: Log, name: str, event: Event) -> int:
    """Append ``event`` to ``name`` with a correct plain SHA-256 link after the stream's head; its version."""
    head = (await records(log, name))[-1]
    version = head.version + 1
    data, tag = encode(event), tag_of(event)
    hashed = link(head.hash, name, version, tag, SCHEMA_VERSION, data)
    await log.sql(
        "INSERT INTO payfold_events (position, stream, version, tag, schema_version, id, hash, data)"
        " VALUES ((SELECT max(position) + 1 FROM payfold_events), {}, {}, {}, {}, {}, {}, {})",
        name,
        version,
        tag,
        SCHEMA_VERSION,
        event_id(data),
        hashed,
        data,
    )
    return version
