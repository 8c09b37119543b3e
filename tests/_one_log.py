"""The smallest valid payfold log on disk: one Tranzzo payment just created, its charge due (for CLI tests that
need a real file)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from payfold import PaymentCreated
from payfold.adapters.stores.sqlite import SqliteStore


def write_one_payment_log(path: Path) -> Path:
    """Write ``pay-1`` (reference ``order-1``) to a new SQLite log at ``path``; returns ``path``."""

    async def write() -> None:
        store = await SqliteStore.open(path)
        created = PaymentCreated(at=datetime(2026, 1, 1, tzinfo=UTC), payment_id="pay-1", provider="tranzzo",
                                 amount=100, currency="UAH", reference="order-1")  # fmt: skip
        try:
            await store.append("pay-1", [created], 0, due=created.at)
        finally:
            await store.close()

    asyncio.run(write())
    return path
