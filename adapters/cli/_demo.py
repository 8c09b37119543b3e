"""``payfold demo``: the sandbox on loopback, the runner, a SQLite log, many payments under injected faults.

At the end, a table: payments by status, faults injected, requests made, reconciliation against the sandbox's
ledger (settled but not charged, charged but failed, charged twice: each must be 0), the hash chain, wall time.

The sandbox keeps its orders and its ledger in a journal beside the log (``<db>.sandbox.jsonl``), so a second run
into the same ``--db`` reconciles the payments of the first against what the sandbox really charged then.
"""

from __future__ import annotations

import asyncio
import random
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from payfold import PaymentCreated, Status, fold
from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.cli._report import streams
from payfold.adapters.cli._sandboxed import credentials_for
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.runner.clock import VirtualClock
from payfold.adapters.sandbox import FaultPlan, RaveKeys, Sandbox, TranzzoKeys
from payfold.adapters.stores.sqlite import SqliteStore

TRANZZO = TranzzoKeys(pos_id="pos-demo", api_key="demo-key", api_secret="demo-secret", endpoints_key="demo-ep")
RAVE = RaveKeys(public_key="FLWPUBK-demo", secret_key="FLWSECK-demo")
WEBHOOK_HASH = "demo-verif-hash"
HORIZON = timedelta(days=4)
"""Virtual time the demo runs at most: a day past the policies' 3-day deadline. Every payment concludes long
before, unless its charges stayed ambiguous: then the deadline raised a review, and requeries go on forever on
the slowest cadence, which the demo does not wait for."""


@dataclass
class DemoReport:
    """What the demo measured."""

    payments: int
    statuses: Counter[str]
    faults: Counter[str]
    requests: Counter[str]
    settled_not_charged: list[str] = field(default_factory=list)
    charged_but_failed: list[str] = field(default_factory=list)
    charged_twice: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    under_review: list[str] = field(default_factory=list)
    chain_ok: bool = False
    chain_events: int = 0
    webhooks: int = 0
    wall_seconds: float = 0.0
    db: str = ""
    journal: str = ""
    """The sandbox's journal (its orders and ledger), beside ``db``."""

    @property
    def mismatches(self) -> int:
        return len(self.settled_not_charged) + len(self.charged_but_failed) + len(self.charged_twice)


def payment_stream(n: int) -> str:
    return f"pay-{n:06d}"


def reference(n: int) -> str:
    return f"order-{n:06d}"


async def run_demo(
    *,
    payments: int = 1000,
    db: str | None = None,
    seed: int = 7,
    fault_rate: float = 0.35,
    speed: float = 100.0,
    concurrency: int = 64,
    out: TextIO = sys.stdout,
    progress: bool = True,
) -> DemoReport:
    """Drive ``payments`` payments through the sandbox into a SQLite file and reconcile them."""
    import uvicorn

    started = time.perf_counter()
    path = db or str(Path(tempfile.mkdtemp(prefix="payfold-demo-")) / "payfold.db")
    journal = journal_path(path)
    clock = VirtualClock(datetime.now(UTC).replace(microsecond=0), speed=speed)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    sandbox = Sandbox(
        seed=seed,
        faults=FaultPlan(rate=fault_rate, hang_seconds=2.0),
        clock=clock.now,
        tranzzo=TRANZZO,
        rave=RAVE,
        base_url=base_url,
        rave_webhook_hash=WEBHOOK_HASH,
        journal=journal,
    )
    server = uvicorn.Server(uvicorn.Config(sandbox.app, log_level="error", lifespan="off", access_log=False))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    tz, rave = credentials_for(sandbox)
    store = await SqliteStore.open(path)
    providers = {
        "tranzzo": Provider(tranzzo, tz, webhook_secret=TRANZZO.api_secret),
        "flutterwave": Provider(flutterwave, rave, webhook_secret=WEBHOOK_HASH),
    }
    runner = Runner(store, providers, clock=clock, concurrency=concurrency)
    report = DemoReport(
        payments=payments, statuses=Counter(), faults=Counter(), requests=Counter(), db=path, journal=journal
    )
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        existing = {key async for key in _known(store)}
        rng = random.Random(seed)
        for n in range(payments):
            created = _created(n, rng, clock.now())
            if created.payment_id not in existing:
                await runner.create(created)
        horizon = clock.now() + HORIZON
        watcher = asyncio.create_task(_watch(runner, sandbox, payments, out, progress, report, horizon))
        await runner.run()
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
        if clock.now() <= horizon:
            await _deliver(runner, sandbox, report)  # webhooks that arrived at the very end
            await runner.run()
        if progress:
            out.write("\n")
        await _reconcile(store, sandbox, report)
    finally:
        await runner.close()
        await store.close()
        server.should_exit = True
        await serving
    report.faults = Counter(sandbox.injected)
    report.requests = Counter(runner.stats.requests)
    report.wall_seconds = time.perf_counter() - started
    return report


def journal_path(db: str) -> str:
    """Where the demo's sandbox keeps its orders and ledger for the log at ``db``: beside it."""
    return f"{db}.sandbox.jsonl"


def _created(n: int, rng: random.Random, at: datetime) -> PaymentCreated:
    if n % 2 == 0:
        amount = rng.randrange(100, 500_000) * 100
        return PaymentCreated(
            at=at,
            payment_id=payment_stream(n),
            provider="tranzzo",
            amount=amount,
            currency="UAH",
            reference=reference(n),
            details={"cc_token": f"tok-{n}", "customer_email": f"c{n}@example.com"},
        )
    amount = rng.randrange(1_000, 2_000_000) * 100
    return PaymentCreated(
        at=at,
        payment_id=payment_stream(n),
        provider="flutterwave",
        amount=amount,
        currency="NGN",
        reference=reference(n),
        details={"token": f"flw-t1nf-{n}", "email": f"c{n}@example.com"},
    )


async def _known(store: SqliteStore):  # type: ignore[no-untyped-def]
    async for record in store.read_all():
        if record.version == 1:
            yield record.stream


async def _deliver(runner: Runner, sandbox: Sandbox, report: DemoReport) -> None:
    """Hand the webhooks the sandbox sent (duplicates included) to the runner, found by the reference inside."""
    for provider, headers, body in sandbox.webhooks():
        binding = runner.providers[provider]
        hint = binding.adapter.webhook(headers, body, binding.secret_for_webhooks(), at=runner.clock.now())
        ref = _reference_in(hint.payload)
        if ref is not None:
            await runner.deliver_webhook(ref.replace("order-", "pay-"), headers, body)
            report.webhooks += 1


def _reference_in(payload: object) -> str | None:
    """The merchant reference a Tranzzo (``order_id``) or Rave (``txRef``, ``tx_ref``) callback names."""
    if not isinstance(payload, dict):
        return None
    for key in ("order_id", "txRef", "tx_ref", "txref"):
        value = payload.get(key)
        if isinstance(value, str) and value.startswith("order-"):
            return value
    return _reference_in(payload.get("data"))


async def _watch(
    runner: Runner, sandbox: Sandbox, total: int, out: TextIO, progress: bool, report: DemoReport, horizon: datetime
) -> None:
    """Deliver webhooks, draw the progress bar, and stop the runner past the horizon (a payment under review
    is requeried forever on the slowest cadence: the demo does not wait for that)."""
    width = 40
    while True:
        await _deliver(runner, sandbox, report)
        if runner.clock.now() > horizon:
            runner.stop()
        if progress:
            open_ = len(await runner.store.due(datetime(9999, 1, 1, tzinfo=UTC), total + 1))
            done = total - open_
            filled = width * done // max(total, 1)
            out.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} payments concluded")
            out.flush()
        await asyncio.sleep(0.25)


async def _reconcile(store: SqliteStore, sandbox: Sandbox, report: DemoReport) -> None:
    histories = await streams(store)
    for stream, events in sorted(histories.items()):
        state = fold(events)
        report.statuses[state.status.value] += 1
        charged = sandbox.ledger.charged(state.provider, state.reference)
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


def render(report: DemoReport) -> list[str]:
    """The closing table."""
    lines = ["", f"payfold demo: {report.payments} payments, log {report.db}"]
    lines += [f"  the sandbox's ledger: {report.journal}", ""]
    lines.append("  payments by status")
    for status in ("settled", "failed", "requeried", "pending", "polling", "created"):
        if report.statuses.get(status):
            lines.append(f"    {status:<28} {report.statuses[status]:>6}")
    lines.append("  faults injected by the sandbox")
    for kind, count in sorted(report.faults.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {kind:<28} {count:>6}")
    lines.append("  requests made")
    for operation in ("charge", "poll", "requery", "validate"):
        if report.requests.get(operation):
            lines.append(f"    {operation:<28} {report.requests[operation]:>6}")
    lines.append(f"    {'webhooks delivered':<28} {report.webhooks:>6}")
    lines.append("  reconciliation against the sandbox ledger")
    lines.append(f"    {'settled but not charged':<28} {len(report.settled_not_charged):>6}")
    lines.append(f"    {'charged but failed':<28} {len(report.charged_but_failed):>6}")
    lines.append(f"    {'charged twice':<28} {len(report.charged_twice):>6}")
    lines.append(f"    {'awaiting an operator':<28} {len(report.under_review):>6}")
    lines.append(f"    {'without a verdict or review':<28} {len(report.unfinished):>6}")
    lines.extend(f"      {line}" for line in report.under_review)
    chain = "verified" if report.chain_ok else "BROKEN"
    lines.append(f"  hash chain: {chain} ({report.chain_events} events)")
    lines.append(f"  wall time: {report.wall_seconds:.1f} s")
    return lines
