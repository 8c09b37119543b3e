"""Clocks for the runner: the system clock, and a virtual one that compresses waiting while keeping faithful times.

``next_step`` never reads a clock; the runner does, through one of these, so a test or the demo can run minutes of
provider delays in milliseconds while every ``at`` in the log stays a believable time.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the runner needs from time."""

    def now(self) -> datetime:
        """The current aware UTC time."""
        ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once ``now() >= when`` (at once if it already is)."""
        ...

    def real_seconds(self, span: timedelta) -> float:
        """How many wall-clock seconds ``span`` of this clock's time lasts (for HTTP timeouts)."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)

    def real_seconds(self, span: timedelta) -> float:
        return span.total_seconds()


class VirtualClock:
    """Time that runs ``speed`` times faster than the wall clock and jumps ahead when the runner has nothing to do.

    ``now()`` is ``start`` plus every jump plus ``speed`` times the real time elapsed, so latencies stay in
    proportion and the log keeps faithful, monotonic times. ``sleep_until`` jumps instead of waiting.
    """

    def __init__(self, start: datetime, *, speed: float = 1.0) -> None:
        if start.utcoffset() != timedelta(0):
            raise ValueError(f"VirtualClock start must be an aware UTC datetime, got {start!r}")
        if speed <= 0:
            raise ValueError(f"VirtualClock speed must be positive, got {speed}")
        self._start = start
        self._speed = speed
        self._origin = time.monotonic()
        self._jumped = timedelta(0)

    def now(self) -> datetime:
        return self._start + self._jumped + timedelta(seconds=(time.monotonic() - self._origin) * self._speed)

    async def sleep_until(self, when: datetime) -> None:
        self.advance_to(when)
        await asyncio.sleep(0)

    def advance_to(self, when: datetime) -> None:
        """Jump forward to ``when`` (never backward)."""
        gap = when - self.now()
        if gap > timedelta(0):
            self._jumped += gap

    def real_seconds(self, span: timedelta) -> float:
        return span.total_seconds() / self._speed


class ScaledClock:
    """Wall-clock time sped up ``speed`` times from a shared anchor: ``epoch`` is the time at wall second
    ``anchor`` (``time.time()``). Processes given the same anchor agree on the time, so several workers (or a
    worker restarted after a crash) write one consistent timeline. It never jumps."""

    def __init__(self, epoch: datetime, anchor: float, *, speed: float = 1.0) -> None:
        if epoch.utcoffset() != timedelta(0):
            raise ValueError(f"ScaledClock epoch must be an aware UTC datetime, got {epoch!r}")
        if speed <= 0:
            raise ValueError(f"ScaledClock speed must be positive, got {speed}")
        self.epoch, self.anchor, self.speed = epoch, anchor, speed

    def now(self) -> datetime:
        return self.epoch + timedelta(seconds=(time.time() - self.anchor) * self.speed)

    async def sleep_until(self, when: datetime) -> None:
        delay = (when - self.now()).total_seconds() / self.speed
        if delay > 0:
            await asyncio.sleep(delay)

    def real_seconds(self, span: timedelta) -> float:
        return span.total_seconds() / self.speed
