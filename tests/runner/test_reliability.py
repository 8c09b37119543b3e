"""The runner under crashes, several workers and shutdowns, against the sandbox over real HTTP on loopback.

Reconciliation against the sandbox's ledger is the truth: settled but not charged, charged but failed and
charged twice must all be 0, and the hash chain must verify.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from payfold import PaymentCreated, RequestSent, Status, fold
from payfold.adapters.runner import Runner
from payfold.adapters.runner.clock import ScaledClock
from payfold.adapters.sandbox import FaultPlan, Sandbox, served
from payfold.adapters.stores.sqlite import SqliteStore
from tests.runner._worker import EPOCH, FAST, SPEED, open_store, providers


class World:
    """A sandbox on loopback sharing one scaled clock with the workers."""

    def __init__(self, sandbox: Sandbox, url: str, anchor: float) -> None:
        self.sandbox, self.url, self.anchor = sandbox, url, anchor
        self.clock = ScaledClock(EPOCH, anchor, speed=SPEED)
        self.processes: list[asyncio.subprocess.Process] = []

    async def end_all(self) -> None:
        """Kill every worker still running (a failed or timed-out test must not leave them behind)."""
        for process in self.processes:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()

    async def worker(self, db: str, name: str) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.runner._worker",
            db,
            self.url,
            repr(self.anchor),
            repr(SPEED),
            name,
            stdout=asyncio.subprocess.PIPE,
        )
        self.processes.append(process)
        assert process.stdout is not None
        assert (await asyncio.wait_for(process.stdout.readline(), 30)) == b"ready\n"
        return process

    async def until_idle(self, db: str, name: str, workers: int = 1, limit: float = 240) -> None:
        processes = [await self.worker(db, f"{name}-{n}") for n in range(workers)]
        codes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in processes)), limit)
        assert codes == [0] * workers


@pytest.fixture
async def world() -> AsyncIterator[World]:
    anchor = time.time()
    clock = ScaledClock(EPOCH, anchor, speed=SPEED)
    sandbox = Sandbox(seed=11, faults=FaultPlan(rate=0.3, hang_seconds=1.0), clock=clock.now)
    async with served(sandbox) as url:
        world = World(sandbox, url, anchor)
        try:
            yield world
        finally:
            await world.end_all()


async def seed(world: World, db: str, count: int) -> list[str]:
    store = await open_store(db)
    runner = Runner(store, providers(world.url), clock=world.clock)
    ids = []
    for n in range(count):
        provider, currency = ("tranzzo", "UAH") if n % 2 else ("flutterwave", "NGN")
        details = {"cc_token": f"tok-{n}"} if provider == "tranzzo" else {"token": f"flw-{n}", "email": "a@b.test"}
        created = PaymentCreated(
            at=world.clock.now(),
            payment_id=f"pay-{n:04d}",
            provider=provider,
            amount=100 * (n + 1),
            currency=currency,
            reference=f"order-{n:04d}",
            details=details,
        )
        await runner.create(created)
        ids.append(created.payment_id)
    await store.close()
    return ids


async def reconcile(world: World, db: str, ids: list[str]) -> dict[str, list[str]]:
    store = await open_store(db)
    reviews: list[str] = []
    found: dict[str, list[str]] = {
        "settled_not_charged": [],
        "charged_but_failed": [],
        "charged_twice": [],
        "open": [],
        "in_flight": [],
        "too_many_charges": [],
    }
    try:
        for payment_id in ids:
            events = await store.read(payment_id)
            state = fold(events)
            charged = world.sandbox.ledger.charged(state.provider, state.reference)
            if state.status is Status.SETTLED and charged == 0:
                found["settled_not_charged"].append(payment_id)
            if state.status is Status.FAILED and charged:
                found["charged_but_failed"].append(payment_id)
            if charged > 1:
                found["charged_twice"].append(payment_id)
            if not state.status.is_verdict and not state.needs_review:
                found["open"].append(payment_id)
            if not state.status.is_verdict and state.needs_review:
                reviews.append(payment_id)
            if state.in_flight is not None:
                found["in_flight"].append(payment_id)
            charges = sum(1 for e in events if isinstance(e, RequestSent) and e.operation == "charge")
            if charges > FAST.max_charge_attempts:
                found["too_many_charges"].append(payment_id)
        report = await store.verify()
        assert report.ok, report.problems
        assert len(reviews) <= len(ids) // 20, f"too many payments left to a human: {reviews}"
    finally:
        await store.close()
    return {kind: items for kind, items in found.items() if items}


@pytest.mark.slow
async def test_killed_20_times_at_random_moments_and_resumed_ends_reconciled(world: World, tmp_path: Path) -> None:
    db = str(tmp_path / "crash.db")
    ids = await seed(world, db, 200)
    rng = random.Random(20261122)
    kills = 0
    for attempt in range(40):
        process = await world.worker(db, f"doomed-{attempt}")
        await asyncio.sleep(rng.uniform(0.05, 0.3))
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):  # it may finish between the check and the signal
                process.send_signal(signal.SIGKILL)
        if await process.wait() == -signal.SIGKILL:
            kills += 1
        if kills == 20:
            break
    assert kills == 20, f"only {kills} kills landed while work remained"
    await world.until_idle(db, "survivor")
    assert await reconcile(world, db, ids) == {}
    assert await orphans(db, ids) > 0, "no kill landed between a request and its answer: the test proved nothing"


async def orphans(db: str, ids: list[str]) -> int:
    """Requests whose answer was never recorded (the process died in between): the next event is another request."""
    store = await SqliteStore.open(db)
    try:
        count = 0
        for payment_id in ids:
            events = await store.read(payment_id)
            count += sum(
                1 for a, b in itertools.pairwise(events) if isinstance(a, RequestSent) and isinstance(b, RequestSent)
            )
        return count
    finally:
        await store.close()


@pytest.mark.slow
async def test_four_workers_on_one_sqlite_file_never_charge_twice(world: World, tmp_path: Path) -> None:
    db = str(tmp_path / "shared.db")
    ids = await seed(world, db, 80)
    await world.until_idle(db, "worker", workers=4)
    assert await reconcile(world, db, ids) == {}
    assert sum(world.sandbox.requests.values()) > 80


@pytest.mark.slow
async def test_four_workers_on_postgresql_share_due_work_by_leasing(world: World, pg_dsn: str) -> None:
    ids = await seed(world, pg_dsn, 80)
    await world.until_idle(pg_dsn, "leaser", workers=4)
    assert await reconcile(world, pg_dsn, ids) == {}
    assert sum(world.sandbox.requests.values()) > 80


@pytest.mark.slow
async def test_graceful_shutdown_records_every_request_in_flight(world: World, tmp_path: Path) -> None:
    db = str(tmp_path / "shutdown.db")
    ids = await seed(world, db, 60)
    process = await world.worker(db, "stopping")
    await asyncio.sleep(0.4)
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 30) == 0
    stopped = await reconcile(world, db, ids)
    assert "in_flight" not in stopped  # every request sent has its answer recorded
    assert "open" in stopped  # it did stop early
    await world.until_idle(db, "resumed")
    assert await reconcile(world, db, ids) == {}
