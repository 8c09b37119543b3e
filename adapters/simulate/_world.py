"""One seed's world: the sandbox, the network, K workers on one log that die and restart, webhooks, an app.

Everything runs in one ``SimLoop`` on one virtual clock. Each decision is drawn from a generator keyed by the
seed and what is being decided (``rng(seed, "kill", worker, generation)``, ...), never from a shared stream, so
one decision does not shift another. The app creates the payments at seeded times; ``workers`` runners serve them
from the same store; a worker incarnation may be killed at a seeded await and is restarted, under a new name, after
a seeded delay; a courier hands the sandbox's webhooks to the app early (before the charge landed), on time, and
again later. The world ends when every payment has a verdict or awaits an operator, or at the horizon.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from payfold import PayfoldError, PaymentCreated, Status
from payfold._store import EventStore
from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.cli._sandboxed import credentials_for
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.sandbox import Sandbox
from payfold.adapters.sandbox._faults import rng
from payfold.adapters.simulate._loop import SimClock, SimLoop
from payfold.adapters.simulate._net import Network
from payfold.adapters.simulate._plan import BASE_URL, EPOCH, LEASE, Settings, fault_plan, payment, policy_for
from payfold.adapters.simulate._store import Gate, Killed, Node, node_store


@dataclass
class Tally:
    """What happened in the world (beyond the log and the sandbox): for the report and the stories."""

    kills: list[str] = field(default_factory=list)
    restarts: int = 0
    webhooks: Counter[str] = field(default_factory=Counter)
    worker_errors: list[str] = field(default_factory=list)
    broken: dict[str, str] = field(default_factory=dict)
    finished_at: datetime | None = None


class World:
    """Build with ``World(seed, settings, store, loop)``; ``await world.run()``; then read it for the checks."""

    def __init__(self, seed: int, settings: Settings, store: EventStore, loop: SimLoop) -> None:
        self.seed, self.settings, self.store = seed, settings, store
        self.clock = SimClock(loop, EPOCH)
        self._webhook = asyncio.Event()
        self.sandbox = Sandbox(
            seed=seed,
            faults=fault_plan(seed),
            clock=self.clock.now,
            base_url=BASE_URL,
            exchange_log=True,
            on_webhook=self._webhook.set,
        )
        tz, rave = credentials_for(self.sandbox)
        self.providers = {
            "tranzzo": Provider(
                tranzzo, tz, policy=settings.policies.get("tranzzo", policy_for(tranzzo)), webhook_secret=tz.api_secret
            ),
            "flutterwave": Provider(
                flutterwave,
                rave,
                policy=settings.policies.get("flutterwave", policy_for(flutterwave)),
                webhook_secret=self.sandbox.rave_webhook_hash,
            ),
        }
        self.network = Network(self.sandbox.app, seed)
        self.gate = Gate(loop)
        self._clients: list[httpx.AsyncClient] = []
        self.app_node = Node("app")
        self.app = self._runner(self.app_node, "app")
        self.nodes: list[Node] = []
        self.created: dict[str, PaymentCreated] = {}
        self.tally = Tally()
        self._finished = asyncio.Event()
        self._live: dict[int, Runner] = {}
        self._planned = 0
        self._chores: set[asyncio.Task[None]] = set()
        self._deliveries: set[asyncio.Task[Any]] = set()

    def _runner(self, node: Node, nonce: str) -> Runner:
        client = self.network.client(node)
        self._clients.append(client)
        return Runner(
            node_store(self.store, node, self.gate),
            self.providers,
            clock=self.clock,
            client=client,
            worker=node.name,
            nonce=f"s{self.seed}-{nonce}",
            concurrency=8,
            lease_for=LEASE,
        )

    async def run(self) -> None:
        """Create the payments, run the workers and the courier until the end; then stop everything."""
        workers = [asyncio.create_task(self._worker(index)) for index in range(self.settings.workers)]
        courier = asyncio.create_task(self._courier())
        try:
            await self._create()
            await self._supervise()
        finally:
            self._finished.set()
            self.tally.finished_at = self.clock.now()
            for runner in self._live.values():
                runner.stop()
            await asyncio.gather(*workers, return_exceptions=True)
            courier.cancel()
            for chore in self._chores:
                chore.cancel()
            await asyncio.gather(courier, *self._chores, return_exceptions=True)
            await asyncio.gather(*self._deliveries, return_exceptions=True)  # never cancelled mid-append
            await self.network.close()
            for client in self._clients:
                await client.aclose()

    # --- the app ----------------------------------------------------------------------------------------------

    async def _create(self) -> None:
        """The app records each payment at its seeded time (a few seconds apart, some at once)."""
        offsets = sorted((rng(self.seed, "created", n).uniform(0, 20), n) for n in range(self.settings.payments))
        for offset, n in offsets:
            await self.clock.sleep_until(EPOCH + timedelta(seconds=offset))
            created = payment(self.seed, n, self.clock.now())
            self.created[created.payment_id] = created
            await self.app.create(created)

    async def _supervise(self) -> None:
        """Wait until every payment has a verdict or awaits an operator (looked at each time the log moved), or
        until the horizon."""
        horizon = EPOCH + self.settings.horizon
        while (left := (horizon - self.clock.now()).total_seconds()) > 0:
            self.gate.written.clear()
            states = [await self.app.payment(payment_id) for payment_id in self.created]
            if all(state.status in (Status.SETTLED, Status.FAILED) or state.needs_review for state in states):
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.gate.written.wait(), left)
            await asyncio.sleep(2.0)  # let a burst of appends settle before looking again

    # --- the workers ------------------------------------------------------------------------------------------

    async def _worker(self, index: int) -> None:
        """One worker slot: run an incarnation; when it is killed, start the next one after a seeded delay."""
        generation = 0
        while not self._finished.is_set():
            node = self._node(index, generation)
            runner = self._runner(node, f"w{index}.{generation}")
            task = asyncio.create_task(runner.run(until_idle=False))
            died = asyncio.Event()
            node.on_kill = died.set
            self._live[index] = runner
            death = asyncio.create_task(died.wait())
            await asyncio.wait({task, death}, return_when=asyncio.FIRST_COMPLETED)
            death.cancel()
            del self._live[index]
            await _bury(task)
            self.tally.broken.update(runner.stats.broken)
            if not task.cancelled() and not isinstance(task.exception(), Killed | type(None)):
                error = task.exception()
                self.tally.worker_errors.append(f"{node.name}: {type(error).__name__}: {error}")
            if not node.dead:
                return
            self.tally.kills.append(f"{node.name} killed at {self.clock.now().isoformat()} ({node.died_at})")
            draw = rng(self.seed, "restart", index, generation)
            delay = draw.choice((0.0, draw.uniform(0.1, 10.0), draw.uniform(10.0, 180.0)))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._finished.wait(), delay)
            generation += 1
            self.tally.restarts += not self._finished.is_set()

    def _node(self, index: int, generation: int) -> Node:
        node = Node(f"w{index}.{generation}")
        draw = rng(self.seed, "kill", index, generation)
        if self._planned < self.settings.max_kills and draw.random() < self.settings.kill_rate:
            node.kill_at, node.kill_after = draw.randint(1, self.settings.kill_window), draw.random() < 0.5
            self._planned += 1
        self.nodes.append(node)
        return node

    # --- webhooks ---------------------------------------------------------------------------------------------

    async def _courier(self) -> None:
        """Every few seconds, take the webhooks due (now and then ones due later: they arrive early) and hand
        them to the app; some are handed over again later (a provider retrying)."""
        for round_ in range(1_000_000):
            if not self.sandbox.pending_webhooks():  # nothing queued: wait until something is
                self._webhook.clear()
                await self._webhook.wait()
            draw = rng(self.seed, "courier", round_)
            await asyncio.sleep(draw.uniform(0.5, 12.0))
            early = timedelta(seconds=draw.choice((0, 0, 0, 15, 60, 240)))
            for number, (provider, headers, body) in enumerate(self.sandbox.webhooks(until=self.clock.now() + early)):
                self.tally.webhooks["early" if early else "on time"] += 1
                await self._deliver(provider, headers, body)
                again = rng(self.seed, "webhook-again", round_, number)
                if again.random() < 0.3:
                    self._chore(self._later(again.uniform(1.0, 1800.0), provider, headers, body))

    def _chore(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    async def _later(self, delay: float, provider: str, headers: tuple[tuple[str, str], ...], body: bytes) -> None:
        await asyncio.sleep(delay)
        self.tally.webhooks["again"] += 1
        await self._deliver(provider, headers, body)

    async def _deliver(self, provider: str, headers: tuple[tuple[str, str], ...], body: bytes) -> None:
        binding = self.providers[provider]
        hint = binding.adapter.webhook(headers, body, binding.secret_for_webhooks(), at=self.clock.now())
        payload = hint.payload if isinstance(hint.payload, dict) else {}
        reference = payload.get("order_id") or payload.get("txRef")
        target = next((p for p, c in self.created.items() if c.reference == reference), None)
        if target is None:
            self.tally.webhooks["unroutable"] += 1
            return
        delivery = asyncio.create_task(self.app.deliver_webhook(target, headers, body))
        self._deliveries.add(delivery)
        delivery.add_done_callback(self._deliveries.discard)
        try:
            await asyncio.shield(delivery)
        except PayfoldError as error:
            self.tally.webhooks["unrecorded"] += 1
            self.tally.worker_errors.append(f"webhook for {target} not recorded: {error}")


async def _bury(task: asyncio.Task[Any]) -> None:
    """Let a killed worker's run end: its tasks unwind at their next call (each raises ``Killed``), but a task
    waiting for something only a dead task would have done must be cancelled (its store calls still finish)."""
    await asyncio.wait({task}, timeout=1.0)
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
