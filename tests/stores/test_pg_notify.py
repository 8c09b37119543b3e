"""On PostgreSQL, work written by another process wakes an idle runner: the store announces it with NOTIFY and
a running runner LISTENs (``announce_work`` / ``watch_work``)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta

import httpx
import msgspec

from payfold.adapters import tranzzo
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.stores.postgres import PostgresStore
from tests.runner._fakes import CREDENTIALS, ScriptedTranzzo, accepted
from tests.runner.test_wake import LATER, WatchedClock, first_request, payment, until_asleep

CREATE_ELSEWHERE = """
import asyncio, sys
from datetime import UTC, datetime
from payfold import PaymentCreated
from payfold.adapters import tranzzo
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.stores.postgres import PostgresStore
from tests.runner._fakes import CREDENTIALS

async def main() -> None:
    store = await PostgresStore.open(sys.argv[1])
    runner = Runner(store, {"tranzzo": Provider(tranzzo, CREDENTIALS)})
    try:
        await runner.create(PaymentCreated(at=datetime.now(UTC), payment_id="pay-2", provider="tranzzo",
                                           amount=125_000, currency="UAH", reference="order-2"))
    finally:
        await runner.close()
        await store.close()

asyncio.run(main())
"""


async def test_an_announcement_reaches_a_watcher_on_another_connection(pg_dsn: str) -> None:
    watcher, announcer = await PostgresStore.open(pg_dsn), await PostgresStore.open(pg_dsn)
    heard = asyncio.Event()
    try:
        async with watcher.watch_work(heard.set):
            await announcer.announce_work()
            await asyncio.wait_for(heard.wait(), 5)
        heard.clear()
        await announcer.announce_work()  # no longer watching: nothing is called
        await asyncio.sleep(0.2)
        assert not heard.is_set()
    finally:
        await watcher.close()
        await announcer.close()


async def test_a_payment_created_by_another_process_wakes_an_idle_runner(pg_dsn: str) -> None:
    clock = WatchedClock()
    store = await PostgresStore.open(pg_dsn)
    client = httpx.AsyncClient(transport=httpx.MockTransport(ScriptedTranzzo(accepted)))
    policy = msgspec.structs.replace(tranzzo.POLICY, verify_delay=LATER, jitter=0.0)
    worker = Runner(store, {"tranzzo": Provider(tranzzo, CREDENTIALS, policy=policy)}, clock=clock, client=client)
    task = asyncio.create_task(worker.run(until_idle=False))
    try:
        await worker.create(payment(1, clock.now()))
        await first_request(worker, "pay-1", "charge")
        await until_asleep(clock, beyond=clock.now() + LATER - timedelta(seconds=5))
        started = clock.now()
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", CREATE_ELSEWHERE, pg_dsn,
                                                       stderr=subprocess.PIPE)  # fmt: skip
        try:
            _, errors = await asyncio.wait_for(process.communicate(), 60)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        assert process.returncode == 0, errors.decode()
        sent = await first_request(worker, "pay-2", "charge")
        created_at = (await store.read("pay-2"))[0].at  # the other process's wall clock, as the worker's
        # Without the announcement the charge would wait for the worker's timer, a minute away.
        assert started < created_at <= sent.at
        assert sent.at - created_at < timedelta(seconds=1), sent.at - created_at
        assert clock.until is None or clock.until > sent.at
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)
        await worker.close()
        await client.aclose()
        await store.close()
