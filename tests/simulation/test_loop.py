"""The simulation's machinery: virtual time that jumps only when every task waits, real I/O that stops it, kills."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from payfold.adapters.simulate import SimClock, SimLoop
from payfold.adapters.simulate._store import Gate, Killed, Node, node_store
from payfold.adapters.stores.sqlite import SqliteStore

EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
T = TypeVar("T")


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    with asyncio.Runner(loop_factory=SimLoop) as runner:
        return runner.run(main())


def test_a_day_of_sleeping_takes_no_real_time_and_timers_fire_in_order() -> None:
    async def main() -> tuple[list[str], float]:
        order: list[str] = []

        async def after(seconds: float, name: str) -> None:
            await asyncio.sleep(seconds)
            order.append(name)

        await asyncio.gather(after(86_400, "day"), after(60, "minute"), after(3_600, "hour"))
        return order, asyncio.get_running_loop().time()

    started = time.monotonic()
    order, virtual = run(main)
    assert order == ["minute", "hour", "day"] and virtual == pytest.approx(86_400)
    assert time.monotonic() - started < 2


def test_timeouts_run_on_virtual_time() -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(30):
                await asyncio.Event().wait()
        return loop.time()

    assert run(main) == pytest.approx(30)


def test_time_stands_still_while_real_io_is_in_flight() -> None:
    """A thread that takes 0.2 real seconds: a virtual timer of 1 ms does not fire before its answer arrives."""

    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, SimLoop)
        seen: list[str] = []
        future: asyncio.Future[str] = loop.create_future()

        def work() -> None:
            time.sleep(0.2)
            loop.call_soon_threadsafe(future.set_result, "thread")

        async def timer() -> None:
            await asyncio.sleep(0.001)
            seen.append("timer")

        ticking = asyncio.create_task(timer())
        with loop.real():
            threading.Thread(target=work).start()
            seen.append(await future)
        await ticking
        return seen

    assert run(main) == ["thread", "timer"]


def test_the_clock_is_the_loops_time_from_the_epoch() -> None:
    async def main() -> tuple[datetime, datetime, float]:
        clock = SimClock(asyncio.get_running_loop(), EPOCH)
        before = clock.now()
        await clock.sleep_until(EPOCH + timedelta(hours=2, microseconds=7))
        return before, clock.now(), clock.real_seconds(timedelta(seconds=40))

    before, after, seconds = run(main)
    wanted = EPOCH + timedelta(hours=2, microseconds=7)
    assert before == EPOCH and wanted <= after <= wanted + timedelta(microseconds=2) and seconds == 40.0


def test_a_clock_needs_an_aware_utc_epoch() -> None:
    with pytest.raises(ValueError, match="UTC"):
        SimClock(asyncio.new_event_loop(), datetime(2026, 1, 1))


def test_a_node_dies_before_or_after_its_counted_call_and_stays_dead(tmp_path: Path) -> None:
    async def main() -> tuple[int, int, str, str]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, SimLoop)
        with loop.real():
            store = await SqliteStore.open(tmp_path / "log.db")
        gate = Gate(loop)
        before, after = Node("before", kill_at=2), Node("after", kill_at=2, kill_after=True)
        for node in (before, after):
            view = node_store(store, node, gate)
            await view.version("s")  # 1: passes
            with pytest.raises(Killed):
                await view.read("s")  # 2: dies (before, or after the read ran)
            with pytest.raises(Killed):
                await view.due(EPOCH)  # dead: even an uncounted call never happens
        with loop.real():
            await store.close()
        return before.awaits, after.awaits, before.died_at, after.died_at

    assert run(main) == (2, 2, "before read s", "after read s")
