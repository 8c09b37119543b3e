"""Group commit: appends from many concurrent payments share one store transaction (one fsync)."""

from __future__ import annotations

import asyncio
from typing import Final

from payfold import ConcurrencyConflict
from payfold._store import AppendResult, EventStore, StreamAppend

_BATCH: Final = 256


class GroupCommitter:
    """Queues appends and flushes them with ``append_many`` while the previous flush is running.

    A batch is all or nothing; when one of its streams lost a race, the batch is retried one append at a time so
    only the loser gets its ``ConcurrencyConflict``.
    """

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._queue: list[tuple[StreamAppend, asyncio.Future[AppendResult]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.batches = 0
        self.appends = 0

    async def append(self, item: StreamAppend) -> AppendResult:
        """Append ``item`` in the next group commit and return its result (or raise its error)."""
        future: asyncio.Future[AppendResult] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:_BATCH], self._queue[_BATCH:]
            self.batches += 1
            self.appends += len(batch)
            try:
                results = await self._store.append_many([item for item, _ in batch])
            except ConcurrencyConflict:
                await self._one_by_one(batch)
                continue
            except BaseException as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _one_by_one(self, batch: list[tuple[StreamAppend, asyncio.Future[AppendResult]]]) -> None:
        for item, future in batch:
            try:
                result = await self._store.append(item.stream, item.events, item.expected_version, due=item.due)
            except Exception as exc:
                if not future.done():
                    future.set_exception(exc)
            else:
                if not future.done():
                    future.set_result(result)
