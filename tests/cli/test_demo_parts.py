"""The demo's parts that take the machine out of the result: the step clock and the link that ends hangs at once."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from payfold import Payment, PaymentCreated, SendCharge, fold
from payfold.adapters import tranzzo
from payfold.adapters.cli._sandboxed import CALL_HEADER, SandboxLink, StepClock, credentials_for
from payfold.adapters.sandbox import FaultPlan, Sandbox, served

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@given(st.lists(st.floats(0.0, 10_000.0), max_size=20))
def test_the_clock_moves_to_whole_ticks_and_never_back(targets: list[float]) -> None:
    clock = StepClock(T0, tick=timedelta(seconds=1))
    before = clock.now()
    for seconds in targets:
        clock.move_to(T0 + timedelta(seconds=seconds))
        now = clock.now()
        assert now >= before and now >= T0 + timedelta(seconds=seconds)
        assert (now - T0) % timedelta(seconds=1) == timedelta(0)
        assert now - (T0 + timedelta(seconds=seconds)) < timedelta(seconds=1) or now == before
        before = now


async def test_time_spent_by_one_task_is_seen_by_that_task_alone() -> None:
    clock = StepClock(T0)

    async def exchange(latency: float) -> datetime:
        clock.spend(timedelta(seconds=latency))
        await asyncio.sleep(0)
        return clock.now()

    slow, quick = await asyncio.gather(exchange(0.7), exchange(0.02))
    assert (slow - T0, quick - T0) == (timedelta(seconds=0.7), timedelta(seconds=0.02))
    assert clock.now() == T0  # the caller's time has not moved
    await clock.sleep_until(T0 + timedelta(seconds=2.5))
    assert clock.now() == T0 + timedelta(seconds=3)
    assert clock.real_seconds(timedelta(seconds=40)) == 40.0  # timeouts in full: only hangs may time out


async def test_the_clock_hands_over_to_its_idle_hook() -> None:
    clock, seen = StepClock(T0), []

    async def idle(when: datetime) -> None:
        seen.append(when)

    clock.idle = idle
    await clock.sleep_until(T0 + timedelta(minutes=1))
    assert seen == [T0 + timedelta(minutes=1)] and clock.now() == T0  # the hook decides whether time moves


async def test_the_link_ends_a_hang_at_once_and_says_so() -> None:
    answered: list[tuple[str, bool]] = []
    link = SandboxLink(lambda request, hung: answered.append((request.method, hung)))
    sandbox = Sandbox(faults=FaultPlan.only("hang", hang_seconds=30.0), on_hang=link.hung)
    async with served(sandbox) as url, httpx.AsyncClient(transport=link, timeout=60.0) as client:
        charge = tranzzo.request(SendCharge(due=T0), _payment(), credentials_for(sandbox, url).tranzzo)
        started = time.perf_counter()
        with pytest.raises(httpx.ReadTimeout):
            await client.request(charge.method, charge.url, headers=charge.headers, content=charge.body)
        assert time.perf_counter() - started < 5.0  # not the 30 s the sandbox holds it, nor the 60 s timeout
        sandbox.faults = FaultPlan.none()
        answer = await client.get(f"{url}/health")
    assert answer.status_code == 200 and sandbox.injected["hang"] == 1
    assert sandbox.ledger.charged("tranzzo", "o-1") == 1  # a hang happens after the charge was applied
    assert answered == [("POST", True), ("GET", False)]


async def test_the_link_numbers_each_request_for_the_sandbox() -> None:
    seen: list[str] = []
    link = SandboxLink(lambda request, hung: seen.append(request.headers[CALL_HEADER]))
    link.hung(((CALL_HEADER, "99"),))  # a number nobody waits for changes nothing
    sandbox = Sandbox(faults=FaultPlan.none())
    async with served(sandbox) as url, httpx.AsyncClient(transport=link) as client:
        for _ in range(3):
            await client.get(f"{url}/health")
    assert seen == ["1", "2", "3"]


def _payment() -> Payment:
    created = PaymentCreated(
        at=T0, payment_id="pay-1", provider="tranzzo", amount=450_000, currency="UAH", reference="o-1",
        details={"cc_token": "tok-1"},
    )  # fmt: skip
    return fold([created])
