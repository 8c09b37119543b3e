"""The runner's folded states: the payments it is advancing, plus the most recently used others, bounded.

A cached ``Payment`` is the fold of its stream's first ``version`` events, exactly as stored. The runner reads
only the events after that version (``read_records(stream, after_version)``) and folds them on top, so one
exchange costs the same at the 10th event as at the 10,000th. A state enters the cache only after the store
confirmed it (a read, or an append that stored every event at the versions folded); on any doubt the entry is
dropped and the next read starts from version 0. The cache is never trusted for a decision without a read first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from payfold import Payment

DEFAULT_CAPACITY = 4096
"""Payments kept besides the ones being advanced (an LRU): each is one folded ``Payment``, a few KiB."""


class StateCache:
    """Folded states by stream: entries held by an ``advance`` in progress are never evicted; the others form an
    LRU of at most ``capacity`` entries."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 0:
            raise ValueError(f"capacity must be >= 0, got {capacity}")
        self.capacity = capacity
        self._recent: OrderedDict[str, Payment] = OrderedDict()
        self._held: dict[str, Payment | None] = {}
        self._holds: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._recent) + sum(1 for state in self._held.values() if state is not None)

    def get(self, stream: str) -> Payment | None:
        """The cached state of ``stream`` (None: read it from version 0)."""
        if stream in self._held:
            return self._held[stream]
        state = self._recent.get(stream)
        if state is not None:
            self._recent.move_to_end(stream)
        return state

    def put(self, stream: str, state: Payment) -> None:
        """Remember ``state`` as the fold of ``stream``'s first ``state.version`` events."""
        if stream in self._held:
            self._held[stream] = state
            return
        self._recent[stream] = state
        self._recent.move_to_end(stream)
        self._evict()

    def drop(self, stream: str) -> None:
        """Forget ``stream`` (the store may hold something else than what was folded)."""
        if stream in self._held:
            self._held[stream] = None
        self._recent.pop(stream, None)

    @contextmanager
    def hold(self, stream: str) -> Iterator[None]:
        """Keep ``stream``'s entry out of eviction while the block runs (nested holds are counted)."""
        if stream not in self._held:
            self._held[stream] = self._recent.pop(stream, None)
        self._holds[stream] = self._holds.get(stream, 0) + 1
        try:
            yield
        finally:
            self._holds[stream] -= 1
            if not self._holds[stream]:
                del self._holds[stream]
                state = self._held.pop(stream)
                if state is not None:
                    self.put(stream, state)

    def _evict(self) -> None:
        while len(self._recent) > self.capacity:
            self._recent.popitem(last=False)
