"""Wake-ups beyond ``create`` and ``deliver_webhook``: ``validate``, work written by another runner through a store
that signals it (the optional ``announce_work`` / ``watch_work`` members), and the alarm itself."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Final

import httpx
import msgspec
import pytest

from payfold import ActionRequired, ChargeAccepted, PaymentCreated, Status, fold
from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.runner._wake import Alarm
from payfold.adapters.runner.clock import VirtualClock
from payfold.adapters.stores.memory import MemoryStore
from payfold.testing import T0
from tests.adapters.test_flutterwave_fixtures import (
    CHARGE_02_PIN_OTP,
    FLWREF,
    PUBKEY,
    SECKEY,
    TXREF,
    VALIDATE_CARD_00,
    verify_flat,
)
from tests.runner._fakes import CREDENTIALS, ScriptedTranzzo, accepted
from tests.runner.test_wake import BOUND, LATER, WatchedClock, first_request, payment, until_asleep

TRANZZO: Final = msgspec.structs.replace(tranzzo.POLICY, jitter=0.0)


# --- validate ---------------------------------------------------------------------------------------------------


def rave(request: httpx.Request) -> httpx.Response:
    """Rave answering a PIN card charge with "enter the OTP", the OTP with success, the verify with the payment."""
    path = request.url.path
    answer = CHARGE_02_PIN_OTP if "tokenized/charge" in path else VALIDATE_CARD_00
    if path.endswith("v2/verify"):
        answer = verify_flat()
    return httpx.Response(200, json=answer)


async def test_a_validated_otp_gets_its_verifying_requery_within_100_ms() -> None:
    clock = WatchedClock()
    policy = msgspec.structs.replace(flutterwave.POLICY, customer_wait=LATER, verify_delay=timedelta(0), jitter=0.0)
    credentials = flutterwave.Credentials(public_key=PUBKEY, secret_key=SECKEY, base_url="http://rave")
    client = httpx.AsyncClient(transport=httpx.MockTransport(rave))
    providers = {"flutterwave": Provider(flutterwave, credentials, policy=policy)}
    runner = Runner(MemoryStore(), providers, clock=clock, client=client)
    task = asyncio.create_task(runner.run(until_idle=False))
    try:
        created = PaymentCreated(
            at=clock.now(),
            payment_id="pay-otp",
            provider="flutterwave",
            amount=450_000,
            currency="NGN",
            reference=TXREF,
            details={"token": "flw-t1nf-1"},
        )
        await runner.create(created)
        await first_request(runner, "pay-otp", "charge")
        await until_asleep(clock, beyond=clock.now() + LATER - timedelta(seconds=5))  # waiting for the customer
        assert isinstance((await runner.store.read("pay-otp"))[-1], ActionRequired)
        start = clock.now()
        answer = await runner.validate("pay-otp", "12345")
        assert isinstance(answer, ChargeAccepted) and answer.provider_ref == FLWREF
        sent = await first_request(runner, "pay-otp", "requery")
        assert sent.at - start < BOUND, f"requery sent {(sent.at - start).total_seconds() * 1000:.1f} ms after"
    finally:
        runner.stop()
        await asyncio.wait_for(task, 10)
        await client.aclose()
    assert fold(await runner.store.read("pay-otp")).status is Status.SETTLED


# --- work written by another runner (another process), signalled through the store ------------------------------


class Channel:
    """LISTEN/NOTIFY in miniature: every announcement reaches every watcher."""

    def __init__(self) -> None:
        self.watchers: list[Callable[[], None]] = []
        self.announced = 0


class SignallingStore(MemoryStore):
    """A memory store with the optional ``WorkSignals`` members, on ``channel``."""

    def __init__(self, channel: Channel, *, failing: bool = False) -> None:
        super().__init__()
        self.channel, self.failing = channel, failing

    async def announce_work(self) -> None:
        if self.failing:
            raise ConnectionResetError("the notification connection is gone")
        self.channel.announced += 1
        for watcher in list(self.channel.watchers):
            watcher()

    @contextlib.asynccontextmanager
    async def watch_work(self, on_work: Callable[[], None]) -> AsyncIterator[None]:
        self.channel.watchers.append(on_work)
        try:
            yield
        finally:
            self.channel.watchers.remove(on_work)


async def charge_latency_from_another_runner(store: MemoryStore) -> timedelta | None:
    """A worker runs with one payment's requery a minute away; an app runner (never running a loop) on the same
    store creates a second payment. How long until the worker sent its charge (None: not within 0.3 s)."""
    clock = WatchedClock()
    script = ScriptedTranzzo(accepted)
    policy = msgspec.structs.replace(TRANZZO, verify_delay=LATER)

    def runner(worker: str) -> Runner:
        client = httpx.AsyncClient(transport=httpx.MockTransport(script))
        providers = {"tranzzo": Provider(tranzzo, CREDENTIALS, policy=policy)}
        return Runner(store, providers, clock=clock, client=client, worker=worker)

    worker, app = runner("worker"), runner("app")
    task = asyncio.create_task(worker.run(until_idle=False))
    try:
        await worker.create(payment(1, clock.now()))
        await first_request(worker, "pay-1", "charge")
        await until_asleep(clock, beyond=clock.now() + LATER - timedelta(seconds=5))
        start = clock.now()
        await app.create(payment(2, start))
        async with asyncio.timeout(0.3):
            sent = await first_request(worker, "pay-2", "charge")
            return sent.at - start
    except TimeoutError:
        return None
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)
        await worker.close()
        await app.close()


async def test_work_announced_by_another_runner_wakes_a_watching_runner_within_100_ms() -> None:
    channel = Channel()
    latency = await charge_latency_from_another_runner(SignallingStore(channel))
    assert latency is not None and latency < BOUND
    assert channel.announced == 2 and channel.watchers == []  # both creates announced; the watch ended with run()


async def test_without_store_signals_another_runners_work_waits_for_the_timer() -> None:
    """The control: the same scene on a store that cannot signal; the worker sleeps through it."""
    assert await charge_latency_from_another_runner(MemoryStore()) is None


async def test_a_failed_announcement_is_logged_and_the_payment_still_recorded(caplog: pytest.LogCaptureFixture) -> None:
    store = SignallingStore(Channel(), failing=True)
    runner = Runner(store, {"tranzzo": Provider(tranzzo, CREDENTIALS)})
    state = await runner.create(payment(1, T0))
    assert state.version == 1 and await store.version("pay-1") == 1
    assert "could not announce new work to other processes: ConnectionResetError" in caplog.text
    assert "notification connection is gone" not in caplog.text  # the type only: a message may hold anything
    await runner.close()


async def test_a_webhook_with_a_bad_signature_is_not_announced() -> None:
    channel = Channel()
    store = SignallingStore(channel)
    provider = Provider(tranzzo, CREDENTIALS, webhook_secret="s")
    runner = Runner(store, {"tranzzo": provider})
    await runner.create(payment(1, T0))
    hint = await runner.deliver_webhook("pay-1", (), b"data=eyJ9&signature=forged")
    assert not hint.signature_valid and channel.announced == 1  # the create only
    await runner.close()


# --- the alarm --------------------------------------------------------------------------------------------------


async def test_a_rung_alarm_never_starts_the_sleep_so_a_virtual_clock_does_not_jump() -> None:
    clock = VirtualClock(T0)
    alarm, stopping = Alarm(MemoryStore()), asyncio.Event()
    alarm.ring()
    await asyncio.wait_for(alarm.idle(lambda: clock.sleep_until(T0 + timedelta(days=1)), stopping), 1)
    assert clock.now() < T0 + timedelta(minutes=1)
    alarm.reset()
    await asyncio.wait_for(alarm.idle(lambda: clock.sleep_until(T0 + timedelta(days=1)), stopping), 1)
    assert clock.now() >= T0 + timedelta(days=1)  # not rung: the virtual clock jumps as before


async def test_a_ring_during_the_wait_ends_it_and_a_failing_clock_is_not_hidden() -> None:
    alarm, stopping = Alarm(object()), asyncio.Event()
    waiting = asyncio.create_task(alarm.idle(lambda: asyncio.sleep(60), stopping))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    alarm.ring()
    await asyncio.wait_for(waiting, 1)

    async def broken() -> None:
        raise RuntimeError("clock broke")

    alarm.reset()
    with pytest.raises(RuntimeError, match="clock broke"):
        await asyncio.wait_for(alarm.idle(broken, stopping), 1)
    stopping.set()
    await asyncio.wait_for(alarm.idle(lambda: asyncio.sleep(60), stopping), 1)  # stopping ends it too
