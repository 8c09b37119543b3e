"""The memory store against the contract."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from payfold._store import EventStore
from payfold.adapters.stores.memory import MemoryStore
from payfold.testing import EventStoreContract
from payfold.testing._store_streams import created, sent


class TestMemoryStore(EventStoreContract):
    @pytest.fixture
    async def store(self) -> AsyncIterator[EventStore]:
        store = MemoryStore()
        yield store
        await store.close()


async def test_read_many_is_read_for_each_stream() -> None:
    store = MemoryStore()
    await store.append("a", [created("a"), sent(1)], expected_version=0)
    await store.append("b", [created("b")], expected_version=0)
    found = await store.read_many(["b", "nobody", "a"])
    assert list(found) == ["b", "nobody", "a"]
    assert found == {"a": [created("a"), sent(1)], "b": [created("b")], "nobody": []}
