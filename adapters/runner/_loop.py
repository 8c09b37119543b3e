"""The due-work loop of ``Runner.run()``: lease what is due, advance it concurrently, sleep until the next due time
or until work arrives (``_wake``).

While requests are in flight it looks for newly due work every ``IDLE_POLL`` seconds; idle, it sleeps until the
earliest due time in the store, however far, unless the alarm rings first. A stream that cannot be advanced
(``StreamBroken``) is logged, recorded in ``stats.broken`` and skipped for the rest of the run; any other error in
a payment's step ends the run.
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Final

from payfold import Step
from payfold.adapters.runner._payments import PaymentLog
from payfold.adapters.runner._streams import StreamBroken
from payfold.adapters.runner._wake import Alarm
from payfold.adapters.runner.observe import log

if TYPE_CHECKING:
    from payfold.adapters.runner._runner import Runner

IDLE_POLL: Final = 0.02
"""Seconds between looks for newly due work while requests are in flight, or while due work is leased elsewhere."""
NOTHING_DUE_POLL: Final = 1.0
"""Seconds between looks at a store with nothing due at all (unless the alarm rings first)."""


async def serve_due_work(
    runner: Runner, payments: PaymentLog, alarm: Alarm, stopping: asyncio.Event, *, until_idle: bool
) -> None:
    """Serve ``runner``'s due work until ``stopping`` is set (or, with ``until_idle``, until nothing is left)."""
    active: dict[str, asyncio.Task[Step]] = {}
    skipped: set[str] = set()
    try:
        while not stopping.is_set():
            alarm.reset()  # whatever is written from here on wakes the waits below
            now = runner.clock.now()
            free = runner.concurrency - len(active)
            if free > 0:
                for due in await payments.due(now, free, skipped | set(active), runner.worker, runner.lease_for):
                    if due.stream not in active and len(active) < runner.concurrency:
                        active[due.stream] = asyncio.create_task(runner.advance(due.stream))
            if not active:
                upcoming = await payments.upcoming(skipped)
                if upcoming is None:
                    if until_idle:
                        break
                    await alarm.idle(lambda: asyncio.sleep(NOTHING_DUE_POLL), stopping)
                elif upcoming.at <= now:  # due, but leased by another worker: look again shortly, not at once
                    await alarm.idle(lambda: asyncio.sleep(IDLE_POLL), stopping)
                else:
                    await alarm.idle(functools.partial(runner.clock.sleep_until, upcoming.at), stopping)
                continue
            done, _ = await asyncio.wait(active.values(), timeout=IDLE_POLL, return_when=asyncio.FIRST_COMPLETED)
            for stream in [s for s, task in active.items() if task in done]:
                _finish(runner, stream, active.pop(stream), skipped)
    finally:
        if active:
            await asyncio.gather(*active.values(), return_exceptions=True)  # in-flight requests are recorded


def _finish(runner: Runner, stream: str, task: asyncio.Task[Step], skipped: set[str]) -> None:
    """Collect one payment's step: a broken stream is logged, recorded and skipped; any other error raises."""
    try:
        task.result()
    except StreamBroken as broken:
        log.error("skipping a broken stream for the rest of this run: %s", broken, extra={"payment_id": stream})
        runner.stats.broken[stream] = str(broken)
        skipped.add(stream)
