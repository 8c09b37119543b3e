"""A running runner wakes when work arrives: a new payment's charge, and the requery a webhook brings forward, go
out within 100 ms (real clock, the sandbox over loopback HTTP), however far away the next timer is.

Each test first makes the runner idle with a requery a minute ahead (``until_asleep`` waits until the runner's
clock was asked to sleep that long), then measures from the call to the ``RequestSent.at`` the runner wrote just
before sending (the same clock). Without the wake-up, the request would wait for that minute.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import msgspec
import pytest

from payfold import ChargeAccepted, Operation, PaymentCreated, RequestSent, Status, WebhookReceived, fold
from payfold.adapters import tranzzo
from payfold.adapters.cli._sandboxed import tranzzo_credentials
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.runner.clock import SystemClock
from payfold.adapters.sandbox import FaultPlan, Sandbox, served
from payfold.adapters.stores.memory import MemoryStore

BOUND: Final = timedelta(milliseconds=100)
"""The latency the issue promises, from ``create`` / ``deliver_webhook`` to the request."""
LATER: Final = timedelta(seconds=60)
"""How far away the runner's next timer is while it waits (the verify delay of the policy below)."""
POLICY: Final = msgspec.structs.replace(tranzzo.POLICY, verify_delay=LATER, jitter=0.0)


class WatchedClock(SystemClock):
    """The system clock, noting how long the runner last asked it to sleep (``until``: None while awake)."""

    def __init__(self) -> None:
        self.until: datetime | None = None

    async def sleep_until(self, when: datetime) -> None:
        self.until = when
        try:
            await super().sleep_until(when)
        finally:
            self.until = None


async def until_asleep(clock: WatchedClock, beyond: datetime) -> None:
    """Wait (at most 10 s) until the runner sleeps until a time at or after ``beyond``."""
    async with asyncio.timeout(10):
        while clock.until is None or clock.until < beyond:
            await asyncio.sleep(0.002)


async def first_request(runner: Runner, payment_id: str, operation: Operation, *, after: int = 0) -> RequestSent:
    """The payment's first ``RequestSent`` for ``operation`` beyond its first ``after`` events (at most 5 s)."""
    deadline = asyncio.get_running_loop().time() + 5
    while asyncio.get_running_loop().time() < deadline:
        for event in (await runner.store.read(payment_id))[after:]:
            if isinstance(event, RequestSent) and event.operation == operation:
                return event
        await asyncio.sleep(0.002)
    pytest.fail(f"no {operation} request for {payment_id} within 5 s: the runner did not wake")


def payment(n: int, at: datetime) -> PaymentCreated:
    return PaymentCreated(
        at=at,
        payment_id=f"pay-{n}",
        provider="tranzzo",
        amount=125_000,
        currency="UAH",
        reference=f"order-{n}",
        details={"cc_token": f"tok-{n}"},
    )


@dataclass
class Live:
    """A sandbox served on loopback and a runner serving it in the background, with one payment charged and its
    verifying requery a minute away."""

    sandbox: Sandbox
    runner: Runner
    clock: WatchedClock
    task: asyncio.Task[object]


@asynccontextmanager
async def live() -> AsyncIterator[Live]:
    clock = WatchedClock()
    sandbox = Sandbox(seed=3, faults=FaultPlan.none(), clock=clock.now)
    async with served(sandbox) as url:
        keys = sandbox.tranzzo_keys
        provider = Provider(tranzzo, tranzzo_credentials(keys, url), policy=POLICY, webhook_secret=keys.api_secret)
        runner = Runner(MemoryStore(), {"tranzzo": provider}, clock=clock)
        task: asyncio.Task[object] = asyncio.create_task(runner.run(until_idle=False))
        try:
            await runner.create(payment(1, clock.now()))
            await first_request(runner, "pay-1", "charge")
            await until_asleep(clock, beyond=clock.now() + LATER - timedelta(seconds=5))
            assert isinstance((await runner.store.read("pay-1"))[-1], ChargeAccepted)
            yield Live(sandbox, runner, clock, task)
        finally:
            runner.stop()
            await asyncio.wait_for(task, 10)
            await runner.close()
    assert task.result() is runner.stats  # the loop ended cleanly, not with an error


async def test_a_new_payment_is_charged_within_100_ms_of_create() -> None:
    async with live() as world:
        start = world.clock.now()
        await world.runner.create(payment(2, start))
        sent = await first_request(world.runner, "pay-2", "charge")
        assert sent.at - start < BOUND, f"charge sent {(sent.at - start).total_seconds() * 1000:.1f} ms after create"
        assert world.clock.until is None or world.clock.until > start + LATER / 2  # back asleep, or still busy
        async with asyncio.timeout(5):  # the request really reached the sandbox and its answer was recorded
            while not isinstance((await world.runner.store.read("pay-2"))[-1], ChargeAccepted):
                await asyncio.sleep(0.002)
        assert world.sandbox.requests["tranzzo:charge"] == 2


async def test_a_signed_webhook_brings_the_requery_forward_within_100_ms() -> None:
    async with live() as world:
        (provider, headers, body), *_ = world.sandbox.webhooks(until=world.clock.now() + LATER)
        assert provider == "tranzzo"
        before = await world.runner.payment("pay-1")
        start = world.clock.now()
        hint = await world.runner.deliver_webhook("pay-1", headers, body)
        assert isinstance(hint, WebhookReceived) and hint.signature_valid
        sent = await first_request(world.runner, "pay-1", "requery", after=before.version)
        assert sent.at - start < BOUND, f"requery sent {(sent.at - start).total_seconds() * 1000:.1f} ms after"
        async with asyncio.timeout(5):
            while fold(await world.runner.store.read("pay-1")).status is not Status.SETTLED:
                await asyncio.sleep(0.002)
        assert world.sandbox.requests["tranzzo:requery"] == 1


async def test_a_webhook_with_a_bad_signature_moves_nothing() -> None:
    async with live() as world:
        (_, headers, body), *_ = world.sandbox.webhooks(until=world.clock.now() + LATER)
        forged = tuple((name, value) for name, value in headers)
        tampered = body.replace(b"signature=", b"signature=AAAA")
        hint = await world.runner.deliver_webhook("pay-1", forged, tampered)
        assert not hint.signature_valid
        await asyncio.sleep(0.2)
        assert world.sandbox.requests["tranzzo:requery"] == 0
        assert world.clock.until is not None and world.clock.until > world.clock.now() + LATER / 2
