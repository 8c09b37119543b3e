"""The simulation's event loop: virtual time that moves only when every task waits, and real I/O made orderly.

``SimLoop.time()`` is virtual: it starts at 0 and jumps to the next timer when no callback is ready and no real
I/O is in flight, so days of requery backoff pass in milliseconds, and every timer the code under test sets
(``asyncio.sleep``, ``asyncio.wait(timeout=)``, ``asyncio.timeout``) runs on that time.

Real I/O (a SQLite call on an aiosqlite thread, a PostgreSQL round trip) is what makes an asyncio program's
interleaving depend on the machine. Here it is declared: a caller wraps each store call in ``loop.real()``
(``_simulate_store`` does, one call at a time). While one is in flight, time stands still. Its completion, a
thread's ``call_soon_threadsafe`` or a socket becoming readable, is taken in only when the loop has nothing else
ready, so it joins the ready queue at the same place whatever the disk's speed. With SQLite this makes a run an
exact function of its seed; with PostgreSQL a reply split across TCP segments can still add a loop iteration.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import selectors
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import Context
from datetime import datetime, timedelta
from typing import Any, Final, TypeVarTuple

_Ts = TypeVarTuple("_Ts")
_REAL_WAIT: Final = 0.5
"""Real seconds one ``select`` waits for real I/O before looking again."""


class SimulationStalled(RuntimeError):
    """Nothing was ready, nothing was scheduled and no real I/O arrived for ``stall`` seconds: a deadlock."""


class _Selector(selectors.BaseSelector):
    """The platform selector, asked by ``SimLoop`` rather than by the loop's own timeout arithmetic."""

    def __init__(self, loop: SimLoop) -> None:
        self._inner = selectors.DefaultSelector()
        self._loop = loop

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._inner.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        return self._loop._select(self._inner, timeout)

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._inner.get_map()

    def close(self) -> None:
        self._inner.close()


class SimLoop(asyncio.SelectorEventLoop):
    """An event loop on virtual time (see the module docstring). ``stall``: real seconds without any progress
    before the loop gives up (``SimulationStalled``); ``stalls`` counts waits for real I/O that timed out."""

    def __init__(self, *, stall: float = 20.0) -> None:
        self._virtual = 0.0
        self._real = 0
        self._held: list[tuple[Callable[..., object], tuple[Any, ...], Context | None, asyncio.Handle]] = []
        self._held_lock = threading.Lock()
        self._stall = stall
        self.stalls = 0
        super().__init__(_Selector(self))

    def time(self) -> float:
        return self._virtual

    def elapse(self, seconds: float) -> None:
        """Let ``seconds`` of virtual time pass now (the modelled duration of work done in real time)."""
        self._virtual += seconds

    @contextlib.contextmanager
    def real(self) -> Iterator[None]:
        """Declare real I/O in flight for the duration of the block: time stands still until it is over."""
        self._real += 1
        try:
            yield
        finally:
            self._real -= 1

    def call_soon_threadsafe(
        self, callback: Callable[[*_Ts], object], *args: *_Ts, context: Context | None = None
    ) -> asyncio.Handle:
        try:
            on_loop = asyncio.get_running_loop() is self
        except RuntimeError:
            on_loop = False
        if on_loop:
            return super().call_soon_threadsafe(callback, *args, context=context)
        handle = asyncio.Handle(callback, args, self, context)
        with self._held_lock:
            self._held.append((callback, args, context, handle))
        self._write_to_self()  # type: ignore[attr-defined]  # wake select(); the callback waits in _held
        return handle

    def _take_held(self) -> bool:
        """Move callbacks that other threads handed in onto the ready queue; whether there were any."""
        with self._held_lock:
            held, self._held = self._held, []
        for callback, args, context, handle in held:
            if not handle.cancelled():
                self.call_soon(callback, *args, context=context)
        return bool(held)

    def _select(self, inner: selectors.BaseSelector, timeout: float | None) -> list[tuple[selectors.SelectorKey, int]]:
        if timeout is not None and timeout <= 0:
            return []  # callbacks are ready: the outside world is looked at only when the loop is idle
        if self._real > 0 or timeout is None:
            deadline = time.monotonic() + self._stall
            while True:
                if self._take_held():
                    return inner.select(0)
                events = inner.select(min(_REAL_WAIT, max(0.0, deadline - time.monotonic())))
                if events:
                    self._take_held()
                    return events
                if time.monotonic() >= deadline:
                    break
            if timeout is None:
                raise SimulationStalled(f"nothing to do and no real I/O for {self._stall:.0f} s: a deadlock")
            self.stalls += 1  # real I/O that never answered: let time move on rather than hang
        else:
            events = inner.select(0)
            if self._take_held() or events:
                return events
        self._virtual = math.ldexp(math.ceil(math.ldexp(self._virtual + timeout, 30)), -30)
        return []


class SimClock:
    """The runner's ``Clock`` on a ``SimLoop``: ``epoch`` plus the loop's virtual time, in whole microseconds."""

    def __init__(self, loop: asyncio.AbstractEventLoop, epoch: datetime) -> None:
        if epoch.utcoffset() != timedelta(0):
            raise ValueError(f"SimClock epoch must be an aware UTC datetime, got {epoch!r}")
        self.loop, self.epoch = loop, epoch

    def now(self) -> datetime:
        return self.epoch + timedelta(microseconds=math.ceil(self.loop.time() * 1_000_000))

    async def sleep_until(self, when: datetime) -> None:
        while (gap := (when - self.now()).total_seconds()) > 0:
            await asyncio.sleep(gap)

    def real_seconds(self, span: timedelta) -> float:
        return span.total_seconds()
