"""The memory store against the contract."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from payfold._store import EventStore
from payfold.adapters.stores.memory import MemoryStore
from payfold.testing import EventStoreContract


class TestMemoryStore(EventStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[EventStore]:
        store = MemoryStore()
        yield store
        await store.close()
