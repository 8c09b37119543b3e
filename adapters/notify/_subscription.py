"""A subscription to the log: follow ``read_all`` from a position, wait when caught up, follow again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Collection
from typing import Final

import msgspec

from payfold import Event
from payfold._store import EventStore

VERDICT_TAGS: Final = frozenset(("settled", "failed", "settled_manually", "failed_manually"))
"""The tags of the events that give a payment its verdict (by the provider's evidence or an operator)."""


class Notice(msgspec.Struct, frozen=True, kw_only=True):
    """One event of the log, with where it stands: store ``position`` as the checkpoint once it is handled."""

    position: int
    """The event's global position: pass the latest handled one as ``after`` to resume after it."""
    payment_id: str
    version: int
    tag: str
    event: Event

    @property
    def outcome(self) -> str:
        """``settled`` or ``failed`` for a verdict (manual or not); the tag otherwise."""
        return self.tag.removesuffix("_manually")


class Subscription:
    """Follows a store's log after a position. Iterate it (``async for notice in subscription``); ``wake`` makes a
    waiting iteration look again at once (the runner's verdicts in this process), ``close`` ends it.

    ``poll`` bounds how long a new event written by another process waits to be seen. On PostgreSQL,
    ``read_all`` only returns events below the oldest transaction still open, so a follower never skips one that
    commits late (docs/storage.md); on SQLite, positions follow commit order.
    """

    def __init__(
        self, store: EventStore, *, after: int = 0, tags: Collection[str] | None = None, poll: float = 0.25,
        batch: int = 500,
    ) -> None:  # fmt: skip
        if poll <= 0:
            raise ValueError(f"poll must be a positive number of seconds, got {poll}")
        self.store = store
        self.position = after
        self.tags = None if tags is None else frozenset(tags)
        self.poll = poll
        self.batch = batch
        self._woken = asyncio.Event()
        self._closed = False

    def wake(self) -> None:
        """Look at the log again now rather than after ``poll`` seconds."""
        self._woken.set()

    def close(self) -> None:
        """End the iteration (the one waiting returns at once)."""
        self._closed = True
        self._woken.set()

    def __aiter__(self) -> AsyncIterator[Notice]:
        return self._follow()

    async def _follow(self) -> AsyncIterator[Notice]:
        while not self._closed:
            self._woken.clear()
            async for record in self.store.read_all(self.position, batch=self.batch):
                self.position = record.position
                if self.tags is None or record.tag in self.tags:
                    yield Notice(position=record.position, payment_id=record.stream, version=record.version,
                                 tag=record.tag, event=record.event())  # fmt: skip
                if self._closed:
                    return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.poll)


def subscribe(store: EventStore, *, after: int = 0, poll: float = 0.25) -> Subscription:
    """Every new event after position ``after``."""
    return Subscription(store, after=after, poll=poll)


def verdicts(store: EventStore, *, after: int = 0, poll: float = 0.25) -> Subscription:
    """Every new verdict (settled or failed, by evidence or by an operator) after position ``after``."""
    return Subscription(store, after=after, tags=VERDICT_TAGS, poll=poll)
