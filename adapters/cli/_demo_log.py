"""The demo's log: how its payments are named and created, which run of the demo wrote them, and the view of the
log its webhook endpoint writes through."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Final

from payfold import AppendResult, Due, Event, PaymentCreated, Record, StreamAppend, VerifyReport
from payfold._store import EventStore
from payfold.adapters.sandbox._faults import rng
from payfold.adapters.stores.sqlite import SqliteStore

_RUN_ID: Final = re.compile(r"^pay-r(\d+)-")


def payment_stream(n: int, run: int = 1) -> str:
    return f"pay-r{run}-{n:06d}"


def reference(n: int, run: int = 1) -> str:
    return f"order-r{run}-{n:06d}"


def journal_path(db: str) -> str:
    """Where the demo's sandbox keeps its orders and ledger for the log at ``db``: beside it."""
    return f"{db}.sandbox.jsonl"


class Unannounced:
    """The log as the demo's webhook endpoint writes to it: the store's own members, without the optional work
    signals (``announce_work``), so a delivery never wakes the main runner in the middle of the handover."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    async def append(
        self, stream: str, events: Sequence[Event], expected_version: int, *, due: datetime | None = None
    ) -> AppendResult:
        return await self._store.append(stream, events, expected_version, due=due)

    async def append_many(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        return await self._store.append_many(appends)

    async def read(self, stream: str) -> list[Event]:
        return await self._store.read(stream)

    async def read_records(self, stream: str, after_version: int = 0) -> list[Record]:
        return await self._store.read_records(stream, after_version)

    async def version(self, stream: str) -> int:
        return await self._store.version(stream)

    async def find(self, provider: str, reference: str) -> str | None:
        return await self._store.find(provider, reference)

    def read_all(self, after_position: int = 0, *, batch: int = 500) -> AsyncIterator[Record]:
        return self._store.read_all(after_position, batch=batch)

    async def due(self, now: datetime, limit: int = 100) -> list[Due]:
        return await self._store.due(now, limit)

    async def verify(self) -> VerifyReport:
        return await self._store.verify()

    async def close(self) -> None:
        """Nothing: the store is the main runner's to close."""


async def next_run(store: SqliteStore) -> int:
    """One more than the highest run number among the log's payments (1 for a new log)."""
    highest = 0
    async for record in store.read_all():
        match = _RUN_ID.match(record.stream) if record.version == 1 else None
        if match is not None:
            highest = max(highest, int(match.group(1)))
    return highest + 1


def created(n: int, run: int, seed: int, at: datetime) -> PaymentCreated:
    """Payment ``n`` of run ``run``: even ones Tranzzo (UAH), odd ones Rave (NGN), an amount from the seed."""
    draw = rng(seed, "amount", n)
    if n % 2 == 0:
        provider, currency, units = "tranzzo", "UAH", draw.randrange(100, 500_000)
        details = {"cc_token": f"tok-{n}", "customer_email": f"c{n}@example.com"}
    else:
        provider, currency, units = "flutterwave", "NGN", draw.randrange(1_000, 2_000_000)
        details = {"token": f"flw-t1nf-{n}", "email": f"c{n}@example.com"}
    return PaymentCreated(at=at, payment_id=payment_stream(n, run), provider=provider, amount=units * 100,
                          currency=currency, reference=reference(n, run), details=details)  # fmt: skip


def check_demo_args(payments: int, fault_rate: float, db: str | None) -> None:
    """Refuse demo options that cannot work, with one line naming the option (``ValueError``)."""
    if payments < 1:
        raise ValueError(f"--payments must be at least 1, got {payments}")
    if not 0.0 <= fault_rate <= 1.0:
        raise ValueError(f"--fault-rate must be within 0 and 1, got {fault_rate:g}")
    if db is None:
        return
    path = Path(db)
    if path.is_dir():
        raise ValueError(f"--db {db}: is a directory; give a file in it, e.g. {path / 'payfold.db'}")
    folder = path.parent
    if not folder.is_dir():
        raise ValueError(f"--db {db}: the folder {folder} does not exist")
    if path.exists() and not path.is_file():
        raise ValueError(f"--db {db}: is not a regular file")
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise ValueError(f"--db {db}: {'the file' if path.exists() else f'the folder {folder}'} is not writable")
