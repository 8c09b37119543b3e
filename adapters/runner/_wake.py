"""Waking an idle runner when work arrives, rather than at its next timer.

An idle ``Runner.run()`` sleeps until the earliest due time in the store. Work that arrives meanwhile through the
runner itself (``create``, a valid ``deliver_webhook``, ``validate``) rings its ``Alarm``, and the loop looks at
the store at once. Work written by another process reaches it through the store, when the store offers the
optional ``WorkSignals`` members (found with ``getattr``: a store without them is used as before):

- ``announce_work()``: the runner calls it after such a write, so other processes hear of it;
- ``watch_work(on_work)``: an async context manager; while ``run()`` holds it open, the store calls ``on_work()``
  (in the event loop) each time some process announced work. An error entering it ends ``run()``: a store that
  says it can watch and cannot is a configuration problem to see, not to hide.

No wake-up is lost: the loop resets the alarm before it reads the store, so whatever is written after that read
started rings an alarm the loop has not waited on yet. A clock that jumps instead of waiting (``VirtualClock``) is
not asked to sleep when the alarm has already rung, so a wake-up never moves virtual time forward.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from payfold.adapters.runner.observe import log


class WorkSignals(Protocol):
    """The optional members a store offers so that runners in other processes wake when work arrives."""

    async def announce_work(self) -> None:
        """Tell every runner watching this store, in any process, that work may be due now (after the commit)."""
        ...

    def watch_work(self, on_work: Callable[[], None]) -> AbstractAsyncContextManager[object]:
        """While open, call ``on_work()`` in this event loop each time work is announced (duplicates are fine)."""
        ...


class Alarm:
    """The wake-up of one runner: rung by its own writes and by its store's notices."""

    def __init__(self, store: object) -> None:
        self._rung = asyncio.Event()
        self._announce: Callable[[], Awaitable[None]] | None = getattr(store, "announce_work", None)
        self._watch: Callable[[Callable[[], None]], AbstractAsyncContextManager[Any]] | None = getattr(
            store, "watch_work", None
        )

    def ring(self) -> None:
        """Work may be due now: an idle loop looks at the store at once."""
        self._rung.set()

    def reset(self) -> None:
        """Called before the loop reads the store: only what is written after this rings for the next wait."""
        self._rung.clear()

    async def announce(self) -> None:
        """Ring, and tell other processes through the store; a failed announcement is logged, never raised (the
        work is stored: they still find it at their next timer)."""
        self.ring()
        if self._announce is None:
            return
        try:
            await self._announce()
        except Exception as exc:
            log.warning("the store could not announce new work to other processes: %s", type(exc).__name__)

    def watching(self) -> AbstractAsyncContextManager[object]:
        """The store's ``watch_work`` ringing this alarm, or nothing when the store has none."""
        if self._watch is None:
            return contextlib.nullcontext()
        return self._watch(self.ring)

    async def idle(self, sleep: Callable[[], Awaitable[None]], stopping: asyncio.Event) -> None:
        """Wait for ``sleep()`` to end, the alarm or ``stopping``, whichever comes first. ``sleep`` is not even
        started when the alarm has already rung."""
        if self._rung.is_set() or stopping.is_set():
            return
        sleeper = asyncio.ensure_future(sleep())
        waits = (sleeper, asyncio.ensure_future(self._rung.wait()), asyncio.ensure_future(stopping.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        if sleeper.done() and not sleeper.cancelled():
            sleeper.result()  # a clock that raised is a bug: never hide it
