"""``payfold demo``: the sandbox on loopback, the runner, a SQLite log, many payments under injected faults.

At the end, a table: payments by status, faults injected, requests made, reconciliation against the sandbox's
ledger (settled but not charged, charged but failed, charged twice: each must be 0), the hash chain, wall time.

**The same seed gives the same run.** Every fault is the sandbox's seeded draw for (reference, operation,
attempt); amounts and latencies come from the seed too. What would otherwise depend on the machine is taken out
of its hands: the clock (``StepClock``) stands still while requests are in flight and moves, in whole seconds,
only when the runner has nothing to do, so how fast the machine answers never changes a recorded time; a hang
ends at once with the timeout it stands for (``SandboxLink``) instead of racing a real timer; webhooks are handed
over only while time stands still between two steps. Two runs with one seed print the same counts.

Each run numbers its payments (``pay-r<run>-<n>``, reference ``order-r<run>-<n>``): a second run into the same
``--db`` adds its own payments and reconciles only those. Without ``--db`` the log lives in a temporary folder
that is removed at the end, however the run ends.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final, TextIO

import httpx

from payfold import (
    Payment,
    Status,
    fold,
)
from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.cli._demo_log import Unannounced, check_demo_args, journal_path, next_run
from payfold.adapters.cli._demo_log import created as new_payment
from payfold.adapters.cli._demo_report import DemoReport
from payfold.adapters.cli._pace import Progress
from payfold.adapters.cli._sandboxed import SandboxLink, StepClock, credentials_for
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.sandbox import FaultPlan, RaveKeys, Sandbox, TranzzoKeys, served
from payfold.adapters.sandbox._faults import rng
from payfold.adapters.stores.sqlite import SqliteStore

TRANZZO = TranzzoKeys(pos_id="pos-demo", api_key="demo-key", api_secret="demo-secret", endpoints_key="demo-ep")
RAVE = RaveKeys(public_key="FLWPUBK-demo", secret_key="FLWSECK-demo")
WEBHOOK_HASH = "demo-verif-hash"
HORIZON = timedelta(days=4)
"""Virtual time the demo runs at most: a day past the policies' 3-day deadline. Every payment concludes long
before, unless its charges stayed ambiguous: then the deadline raised a review, and requeries go on forever on
the slowest cadence, which the demo does not wait for."""
_RUN_ID: Final = re.compile(r"^pay-r(\d+)-")
_FAR_FUTURE: Final = datetime(9999, 1, 1, tzinfo=UTC)


async def run_demo(
    *,
    payments: int = 1000,
    db: str | None = None,
    seed: int = 7,
    fault_rate: float = 0.35,
    concurrency: int = 64,
    out: TextIO | None = None,
    progress: bool = True,
) -> DemoReport:
    """Drive ``payments`` payments through the sandbox into a SQLite file and reconcile them.

    ``db`` None: a temporary file, removed at the end (also on an error or Ctrl-C). ``out`` (default stderr) gets
    the progress display when ``progress``.
    """
    check_demo_args(payments, fault_rate, db)
    started = time.perf_counter()
    temporary = None if db is not None else Path(tempfile.mkdtemp(prefix="payfold-demo-"))
    path = db if db is not None else str(Path(temporary or ".") / "payfold.db")
    try:
        shown = (out if out is not None else sys.stderr) if progress else None
        demo = _Demo(payments=payments, path=path, seed=seed, fault_rate=fault_rate, concurrency=concurrency)
        report = await demo.run(Progress(payments, shown))
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    report.kept = temporary is None
    report.wall_seconds = time.perf_counter() - started
    return report


class _Demo:
    """One run: the sandbox served on loopback, the runner on a ``StepClock``, the log, and what was seen."""

    def __init__(self, *, payments: int, path: str, seed: int, fault_rate: float, concurrency: int) -> None:
        self.payments, self.path, self.seed, self.concurrency = payments, path, seed, concurrency
        self.fault_rate = fault_rate
        self.clock = StepClock(datetime.now(UTC).replace(microsecond=0))
        self.horizon = self.clock.start + HORIZON
        self.link = SandboxLink(self._answered)
        self.report = DemoReport(
            payments=payments, statuses=Counter(), faults=Counter(), requests=Counter(), db=path,
            journal=journal_path(path),
        )  # fmt: skip
        self.states: dict[str, Payment] = {}
        self.payment_of: dict[tuple[str, str], str] = {}
        self.stopped = False
        self._charging = True
        self._sent: Counter[tuple[str, str, bytes]] = Counter()
        self._position = 0

    async def run(self, progress: Progress) -> DemoReport:
        """Serve the sandbox, create the payments, drive them to the end, reconcile; close everything."""
        self.sandbox = Sandbox(
            seed=self.seed,
            faults=FaultPlan(rate=self.fault_rate, hang_seconds=0.5),
            clock=self.clock.now,
            tranzzo=TRANZZO,
            rave=RAVE,
            rave_webhook_hash=WEBHOOK_HASH,
            journal=self.report.journal,
            on_hang=self.link.hung,
        )
        async with served(self.sandbox, log_level="error") as url:
            client = httpx.AsyncClient(transport=self.link)
            self.store = store = await SqliteStore.open(self.path)
            tz, rave = credentials_for(self.sandbox, url)
            providers = {
                "tranzzo": Provider(tranzzo, tz, webhook_secret=TRANZZO.api_secret),
                "flutterwave": Provider(flutterwave, rave, webhook_secret=WEBHOOK_HASH),
            }
            clock, concurrency = self.clock, self.concurrency
            self.runner = Runner(store, providers, clock=clock, client=client, concurrency=concurrency)
            self.endpoint = Runner(Unannounced(store), providers, clock=clock, client=client, worker="webhooks")
            clock.idle = self._idle
            try:
                await self._run(progress)
            except BaseException:
                progress.stop()
                raise
            finally:
                await self.runner.close()
                await client.aclose()
                await store.close()
        self.report.faults = Counter(self.sandbox.injected)
        self.report.requests = Counter(self.runner.stats.requests)
        return self.report

    async def _run(self, progress: Progress) -> None:
        self.report.run = await next_run(self.store)
        await self._create(progress)
        watcher = asyncio.create_task(self._watch(progress))
        try:
            await self._drive()
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        await self._tail()
        self._show(progress)
        progress.update("reconciling", self.payments)
        await self._reconcile(self.store)
        progress.finish(self._summary())

    async def _create(self, progress: Progress) -> None:
        """Record every payment at the start time, a batch at a time (a batch shares one commit)."""
        run, batch = self.report.run, 100
        for first in range(0, self.payments, batch):
            created = [new_payment(n, run, self.seed, self.clock.now()) for n in range(first, first + batch)]
            created = created[: self.payments - first]
            for payment in created:
                self.payment_of[(payment.provider, payment.reference)] = payment.payment_id
            await asyncio.gather(*(self.runner.create(payment) for payment in created))
            progress.update("creating", first + len(created))

    async def _drive(self) -> None:
        """Run until nothing is left to do (webhooks included) or the clock would pass the horizon."""
        while not self.stopped:
            await self.runner.run()
            if not self.stopped:  # idle: only webhooks may be left, due later
                await self._idle(_FAR_FUTURE)

    async def _idle(self, when: datetime) -> None:
        """The runner has nothing to do before ``when``: move the clock to ``when`` or, when one falls due
        earlier, to the next webhook (at least one tick on, so a webhook is recorded after what made it), and
        hand over the webhooks due then; past the horizon, stop instead."""
        due = self.sandbox.next_webhook_at()
        target = max(when if due is None else min(when, due), self.clock.now() + self.clock.tick)
        if target > self.horizon:
            self.stopped = True
            self.runner.stop()
            return
        self.clock.move_to(target)
        await self._deliver()

    async def _deliver(self) -> int:
        """Hand the webhooks due by now (duplicates included) to the webhook endpoint, routed by the reference
        inside. The endpoint is a runner of its own on the same log (as an app's web handler would be), whose
        writes do not wake the main runner: that one waits in ``_idle`` and looks at the log again, every webhook
        recorded, when it returns."""
        delivered = 0
        for provider, headers, body in self.sandbox.webhooks():
            binding = self.endpoint.providers[provider]
            hint = binding.adapter.webhook(headers, body, binding.secret_for_webhooks(), at=self.clock.now())
            payment_id = self.payment_of.get((provider, hint.reference))
            if payment_id is not None:
                await self.endpoint.deliver_webhook(payment_id, headers, body)
                delivered += 1
        self.report.webhooks += delivered
        return delivered

    def _answered(self, request: httpx.Request, hung: bool) -> None:
        """The modelled time an exchange took, spent on the clock of the task that made it: a hang lasts the
        client's whole timeout; any other answer a latency drawn from the seed and the request (mostly 20-300
        ms, one in ten up to 0.9 s: always under a tick, so the answer lands before time next moves)."""
        if hung:
            timeout = request.extensions.get("timeout", {}).get("read") or 0.0
            self.clock.spend(timedelta(seconds=timeout))
            return
        key = (request.method, request.url.raw_path.decode("latin-1"), request.content)
        self._sent[key] += 1
        draw = rng(self.seed, "latency", *key[:2], key[2].decode("latin-1"), self._sent[key])
        seconds = draw.uniform(0.3, 0.9) if draw.random() < 0.1 else draw.uniform(0.02, 0.3)
        self.clock.spend(timedelta(microseconds=round(seconds * 1_000_000)))

    async def _watch(self, progress: Progress) -> None:
        """Follow the log and show where the payments stand, four times a second."""
        while True:
            await self._tail()
            self._show(progress)
            await asyncio.sleep(0.25)

    def _show(self, progress: Progress) -> None:
        """Charging until every payment has had an answer to its charge, then settling until each has a verdict
        or awaits an operator (both count as finished: nothing more happens to them by itself)."""
        if self._charging:
            charged = sum(1 for state in self.states.values() if state.charge_answer is not None)
            progress.update("charging", charged, f"{self.report.events:,} events")
            self._charging = charged < self.payments
        if not self._charging:
            progress.update("settling", self._finished(), self._breakdown())

    async def _tail(self) -> None:
        """Fold the events written since the last look onto this run's payments."""
        async for record in self.store.read_all(self._position):
            self._position = record.position
            if record.stream in self.states or self._mine(record.stream):
                self.states[record.stream] = fold([record.event()], self.states.get(record.stream))
                self.report.events += 1

    def _mine(self, stream: str) -> bool:
        match = _RUN_ID.match(stream)
        return match is not None and int(match.group(1)) == self.report.run

    def _finished(self) -> int:
        """Payments with a verdict or waiting for an operator: nothing more will happen to them by itself."""
        return sum(1 for state in self.states.values() if state.status.is_verdict or state.needs_review)

    def _breakdown(self) -> str:
        counts = Counter(
            "under review" if state.needs_review and not state.status.is_verdict else state.status.value
            for state in self.states.values()
        )
        parts = [f"{counts[name]:,} {name}" for name in ("settled", "failed", "under review") if counts[name]]
        return ", ".join(parts) or "none yet"

    def _summary(self) -> str:
        return (
            f"{self._finished():,}/{self.payments:,} payments finished ({self._breakdown()}), "
            f"{self.report.events:,} events"
        )

    async def _reconcile(self, store: SqliteStore) -> None:
        """This run's payments against the sandbox's ledger; the hash chain of the whole log."""
        report = self.report
        for stream, state in sorted(self.states.items()):
            report.statuses[state.status.value] += 1
            charged = self.sandbox.ledger.charged(state.provider, state.reference)
            if state.status is Status.SETTLED and charged == 0:
                report.settled_not_charged.append(stream)
            if state.status is Status.FAILED and charged > 0:
                report.charged_but_failed.append(stream)
            if charged > 1:
                report.charged_twice.append(stream)
            if not state.status.is_verdict:
                if state.needs_review:
                    verdict = "charged" if charged else "not charged"
                    report.under_review.append(f"{stream}: review ({state.review_reason}); the ledger says {verdict}")
                else:
                    report.unfinished.append(stream)
        chain = await store.verify()
        report.chain_ok, report.chain_events = chain.ok, chain.events
