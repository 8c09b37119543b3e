"""The runner reads only what it has not folded yet: rows read per exchange do not grow with the stream's length,
and the state it keeps is always the fold of the whole stream."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from payfold import Done, Event, Payment, Record, fold
from payfold.adapters.runner import Runner
from payfold.adapters.runner._cache import StateCache
from payfold.adapters.stores.memory import MemoryStore
from payfold.testing import T0
from tests.runner._fakes import ScriptedTranzzo, created, runner_for


class CountingStore(MemoryStore):
    """A memory store that counts the rows every read hands out (``read`` and ``read_records``)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows_read = 0
        self.reads = 0

    async def read(self, stream: str) -> list[Event]:
        events = await super().read(stream)
        self.reads += 1
        self.rows_read += len(events)
        return events

    async def read_records(self, stream: str, after_version: int = 0) -> list[Record]:
        records = await super().read_records(stream, after_version)
        self.reads += 1
        self.rows_read += len(records)
        return records


class SteppedClock:
    """Time that moves only when the test moves it; HTTP budgets in wall time stay generous."""

    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at

    async def sleep_until(self, when: datetime) -> None:
        self.at = max(self.at, when)
        await asyncio.sleep(0)

    def real_seconds(self, span: timedelta) -> float:
        return 5.0


class Unavailable(ScriptedTranzzo):
    """Every call meets a 503: the charge is ambiguous, every requery fails, the payment never ends."""

    def __init__(self) -> None:
        super().__init__(lambda request: httpx.Response(503))

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, content=b"Service Unavailable")


async def advance_when_due(runner: Runner, clock: SteppedClock) -> None:
    """Move the clock to the payment's next due time and do that one step (a request and its answer)."""
    step = await runner.advance("pay-1")
    assert not isinstance(step, Done)
    clock.at = max(clock.at, step.due)


async def rows_per_exchange(exchanges: int, *, workers: int) -> tuple[float, int]:
    """Drive one payment through ``exchanges`` exchanges, ``workers`` runners taking turns on one store; return
    the rows read per exchange after the first round (where each runner meets the stream for the first time),
    and the stream's length."""
    store, clock = CountingStore(), SteppedClock()
    script = Unavailable()
    runners = [runner_for(script, store, clock=clock, worker=f"w{n}") for n in range(workers)]
    await runners[0].create(created())
    for n in range(workers):
        await advance_when_due(runners[n], clock)
    before = store.rows_read
    for n in range(workers, exchanges):
        await advance_when_due(runners[n % workers], clock)
    per_exchange = (store.rows_read - before) / (exchanges - workers)
    length = await store.version("pay-1")
    for runner in runners:
        await runner.close()
    return per_exchange, length


async def test_rows_read_per_exchange_do_not_grow_with_the_stream() -> None:
    short, short_length = await rows_per_exchange(10, workers=2)
    long, long_length = await rows_per_exchange(200, workers=2)
    # created, two events per exchange (RequestSent and the answer), and one review raised at the deadline
    assert (short_length, long_length) == (20, 400)
    # Two runners taking turns: each reads what the other wrote since its own last turn, never more.
    assert long <= short <= 2.1, (short, long)


async def test_one_runner_reads_nothing_it_wrote_itself() -> None:
    per_exchange, length = await rows_per_exchange(50, workers=1)
    assert length >= 100
    assert per_exchange == 0.0


async def test_a_runner_without_a_cache_entry_reads_the_stream_once_then_only_what_is_new() -> None:
    store, clock = CountingStore(), SteppedClock()
    script = Unavailable()
    writer = runner_for(script, store, clock=clock)
    await writer.create(created())
    for _ in range(20):
        await advance_when_due(writer, clock)
    length = await store.version("pay-1")
    fresh = runner_for(script, store, clock=clock, worker="fresh")
    before = store.rows_read
    await advance_when_due(fresh, clock)
    assert store.rows_read - before == length
    before = store.rows_read
    await advance_when_due(fresh, clock)
    assert store.rows_read - before == 0
    await writer.close()
    await fresh.close()


async def test_a_lost_race_rereads_only_the_winners_events() -> None:
    store, clock = CountingStore(), SteppedClock()
    script = Unavailable()
    first, second = (runner_for(script, store, clock=clock, worker=name) for name in ("a", "b"))
    await first.create(created())
    await advance_when_due(first, clock)
    await second.payment("pay-1")  # second now holds the stream at this version
    await advance_when_due(first, clock)  # first moves on: two more events second has not seen
    before = store.rows_read
    await advance_when_due(second, clock)
    assert store.rows_read - before == 2
    assert await second.payment("pay-1") == fold(await store.read("pay-1"))
    await first.close()
    await second.close()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["advance", "look", "forget"])), max_size=25))
def test_every_runner_state_is_the_fold_of_the_whole_stream(moves: list[tuple[int, str]]) -> None:
    """Three runners with tiny caches take turns in any order: whatever each keeps, what it returns is the fold
    of everything stored."""

    async def play() -> None:
        store, clock = CountingStore(), SteppedClock()
        script = Unavailable()
        runners = [runner_for(script, store, clock=clock, worker=f"w{n}") for n in range(3)]
        for runner in runners:
            runner._cache.capacity = 1
        await runners[0].create(created())
        await runners[0].create(created(2))
        for who, move in moves:
            runner = runners[who]
            if move == "advance":
                await advance_when_due(runner, clock)
            elif move == "forget":
                await runner.payment("pay-2")  # with capacity 1, pay-1 leaves this runner's cache
            assert await runner.payment("pay-1") == fold(await store.read("pay-1"))
        for runner in runners:
            await runner.close()

    asyncio.run(play())


def test_the_cache_never_evicts_a_held_stream_and_bounds_the_rest() -> None:
    cache = StateCache(capacity=2)
    state = asyncio.run(_one_state())
    with cache.hold("held"):
        cache.put("held", state)
        for n in range(5):
            cache.put(f"other-{n}", state)
        assert cache.get("held") is state
        assert len(cache) == 3
        assert cache.get("other-0") is None and cache.get("other-4") is state
    assert len(cache) == 2  # released: back in the LRU, the oldest other evicted
    assert cache.get("held") is state
    cache.drop("held")
    assert cache.get("held") is None


async def _one_state() -> Payment:
    store = MemoryStore()
    runner = runner_for(Unavailable(), store)
    state = await runner.create(created())
    await runner.close()
    return state
