"""``simulate``: run seeds of the deterministic simulation and add up what the independent checks found.

Each seed gets a fresh ``SimLoop`` (virtual time from 0), a fresh store (a SQLite file in a temporary directory, or
a schema of its own in the PostgreSQL database ``store`` names), and a ``World``. After the world stops, the
checks of ``_simulate_checks`` read the log, the sandbox's ledger and exchange log, and the network's deliveries.
A failing seed keeps its log (its path is in ``SeedResult.kept``) and can be replayed alone with ``command``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from payfold import Event, Policy
from payfold._store import EventStore, Record
from payfold.adapters.simulate._checks import (
    SeedResult,
    check_answers,
    check_money,
    check_rules,
    check_timeliness,
    digest,
)
from payfold.adapters.simulate._loop import SimLoop
from payfold.adapters.simulate._plan import EPOCH, Settings
from payfold.adapters.simulate._store import Gate, Killed, Node
from payfold.adapters.simulate._world import World

__all__ = ["SeedResult", "Settings", "SimulationReport", "failure_lines", "render", "run_seed", "simulate"]


@dataclass
class SimulationReport:
    """The sum over seeds. ``to_json()`` is what ``payfold simulate --json`` prints."""

    store: str
    settings: Settings
    results: list[SeedResult] = field(default_factory=list)
    wall_seconds: float = 0.0

    def add(self, result: SeedResult) -> None:
        self.results.append(result)

    @property
    def failed(self) -> list[SeedResult]:
        return [r for r in self.results if r.failed]

    def total(self, name: str) -> int:
        return sum(int(getattr(r, name)) for r in self.results)

    def counter(self, name: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for result in self.results:
            found.update(getattr(result, name))
        return found

    def to_json(self) -> dict[str, Any]:
        violations = self.counter("resend_violations")
        return {
            "seeds": len(self.results),
            "payments": self.total("payments"),
            "workers": self.settings.workers,
            "store": "sqlite" if self.store == "sqlite" else "postgresql",
            "kill_rate": self.settings.kill_rate,
            "double_charges": self.total("double_charges"),
            "lost_answers": self.total("lost_answers"),
            "answers_cut_by_kill": self.total("answers_cut_by_kill"),
            "resend_violations": sum(violations.values()),
            "resend_violations_by_invariant": dict(sorted(violations.items())),
            "ledger_mismatches": self.total("ledger_mismatches"),
            "worker_errors": self.total("worker_errors"),
            "failed_seeds": [r.seed for r in self.failed],
            "kills": self.total("kills"),
            "restarts": self.total("restarts"),
            "exchanges": self.total("exchanges"),
            "answers_delivered": self.total("deliveries"),
            "timeout_overruns": self.total("timeout_overruns"),
            "events": self.total("events"),
            "webhooks": dict(sorted(self.counter("webhooks").items())),
            "faults": dict(sorted(self.counter("faults").items())),
            "verdicts": dict(sorted(self.counter("statuses").items())),
            "under_review": self.total("under_review"),
            "under_review_charged": self.total("reviews_charged"),
            "busy_waits": self.total("busy_waits"),
            "late_steps": self.total("late_steps"),
            "latest_step_seconds": round(max((r.latest_step for r in self.results), default=0.0)),
            "unfinished": self.total("unfinished"),
            "virtual_days": round(sum(r.virtual_seconds for r in self.results) / 86400, 1),
            "wall_seconds": round(self.wall_seconds, 1),
        }


def simulate(
    seeds: Iterable[int] = range(100),
    *,
    payments: int = 3,
    workers: int = 4,
    store: str = "sqlite",
    kill_rate: float = 0.5,
    policies: Mapping[str, Policy] | None = None,
    keep: str | None = None,
    progress: Callable[[SeedResult], None] | None = None,
) -> SimulationReport:
    """Run the simulation once per seed. ``store``: ``"sqlite"`` or a PostgreSQL DSN (each seed gets its own
    schema there; a passing seed's is dropped). ``policies``: by provider name, instead of the simulation's
    (``policy_for``). ``keep``: where to keep a failing seed's SQLite log (default: a temporary directory; the
    path is in ``SeedResult.kept``). ``progress`` is called after each seed."""
    if payments < 1 or workers < 1 or not 0.0 <= kill_rate <= 1.0:
        raise ValueError("simulate needs payments >= 1, workers >= 1 and a kill rate within 0..1")
    settings = Settings(payments=payments, workers=workers, kill_rate=kill_rate, policies=dict(policies or {}))
    report = SimulationReport(store=store, settings=settings)
    started = time.perf_counter()
    for seed in seeds:
        result = run_seed(seed, settings, store=store, keep=keep)
        report.add(result)
        if progress is not None:
            progress(result)
    report.wall_seconds = time.perf_counter() - started
    return report


def command(report: SimulationReport, seed: int) -> str:
    """The command that replays ``seed`` alone, exactly (a library call when the run used policies of its own)."""
    s = report.settings
    if s.policies:
        return f"run_seed({seed}, Settings(...the same settings and policies...), store={report.store!r})"
    line = f"payfold simulate --seed {seed} --payments {s.payments} --workers {s.workers} --kill-rate {s.kill_rate:g}"
    return line if report.store == "sqlite" else f"{line} --store '{report.store}'"


def failure_lines(report: SimulationReport, result: SeedResult) -> list[str]:
    """What a failing seed prints: itself, the command that replays it, its stories, where its log is."""
    lines = [f"seed {result.seed} FAILED; replay it with: {command(report, result.seed)}"]
    lines += [f"  {story}" for story in result.stories]
    lines += [f"  note: {note}" for note in result.notes]
    if result.kept:
        lines.append(f"  its log: {result.kept} (payfold audit / show work on it)")
    return lines


def render(report: SimulationReport, *, show_notes: bool = False) -> list[str]:
    """The closing table (and every failing seed's story)."""
    figures, s = report.to_json(), report.settings
    lines = [
        f"payfold simulate: {_plural(figures['seeds'], 'seed')} x {_plural(s.payments, 'payment')}, "
        f"{_plural(s.workers, 'worker')}, "
        f"{figures['store']}, kill rate {s.kill_rate:g}",
        "  checked against the sandbox's ledger and exchange log and the reference model of the rules",
    ]
    rows = [
        ("double charges", figures["double_charges"], ""),
        ("lost answers", figures["lost_answers"], f"answers cut by a kill: {figures['answers_cut_by_kill']}"),
        ("rule violations (oracle)", figures["resend_violations"], _counts(figures["resend_violations_by_invariant"])),
        ("ledger mismatches", figures["ledger_mismatches"], ""),
        ("worker errors", figures["worker_errors"], ""),
        ("kills / restarts", f"{figures['kills']} / {figures['restarts']}", ""),
        ("exchanges", figures["exchanges"], f"delivered {figures['answers_delivered']}, "
         f"past the client timeout {figures['timeout_overruns']}"),
        ("webhooks", sum(figures["webhooks"].values()), _counts(figures["webhooks"])),
        ("faults injected", sum(figures["faults"].values()), _counts(figures["faults"])),
        ("verdicts", sum(figures["verdicts"].values()), _counts(figures["verdicts"])),
        ("under review / unfinished", f"{figures['under_review']} / {figures['unfinished']}",
         f"under review though charged: {figures['under_review_charged']}"),
        ("busy waits (runner)", figures["busy_waits"], "polling for due work that is leased"),
        ("late steps (runner)", figures["late_steps"], f"taken > 60 s after due; the worst "
         f"{figures['latest_step_seconds']} s late"),
        ("events", figures["events"], f"virtual time {figures['virtual_days']} days"),
    ]  # fmt: skip
    lines += [f"    {name:<28} {value!s:>8}  {extra}".rstrip() for name, value, extra in rows]
    lines.append(f"  wall time: {figures['wall_seconds']} s")
    failed = report.failed
    lines.append(f"  failed seeds: {', '.join(str(r.seed) for r in failed) or 'none'}")
    for result in failed:
        lines += failure_lines(report, result)
    if show_notes and not failed:
        lines += [f"  note: {note}" for result in report.results for note in result.notes]
    return lines


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def run_seed(seed: int, settings: Settings, *, store: str = "sqlite", keep: str | None = None) -> SeedResult:
    """One seed, in a fresh ``SimLoop`` (its result is a function of the seed and the settings). A seed that
    cannot run to its end (a deadlock, a bug in the simulation) is a failed seed that says why."""
    started = time.perf_counter()
    try:
        with asyncio.Runner(loop_factory=SimLoop) as runner:
            return runner.run(_seed(seed, settings, store, keep))
    except Exception as error:
        result = SeedResult(seed=seed, payments=settings.payments, worker_errors=1)
        result.stories.append(f"the seed did not run to its end: {type(error).__name__}: {error}")
        result.wall_seconds = time.perf_counter() - started
        return result


async def _seed(seed: int, settings: Settings, where: str, keep: str | None) -> SeedResult:
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    assert isinstance(loop, SimLoop)
    loop.set_exception_handler(_quiet_kills)
    result = SeedResult(seed=seed, payments=settings.payments)
    async with _store(seed, where, loop, result, keep) as store:
        world = World(seed, settings, store, loop)
        await world.run()
        records = await _records(store, world.gate)
        histories: dict[str, list[Event]] = {}
        for record in records:
            histories.setdefault(record.stream, []).append(record.event())
        killed = {node.name for node in world.nodes if node.dead}
        policies = {name: provider.effective_policy for name, provider in world.providers.items()}
        check_money(result, histories, world.sandbox.ledger)
        check_answers(result, histories, world.network.deliveries, world.sandbox.exchanges, killed)
        check_rules(result, histories, policies)
        check_timeliness(result, histories, policies)
        tally = world.tally
        result.worker_errors = len(tally.worker_errors)
        result.stories.extend(f"worker error: {error}" for error in tally.worker_errors)
        result.notes.extend(f"stream given up by the runner: {s}: {why}" for s, why in sorted(tally.broken.items()))
        result.notes.extend(f"busy wait: {episode}" for episode in world.gate.busy_waits)
        result.busy_waits = len(world.gate.busy_waits)
        result.kills, result.restarts = len(tally.kills), tally.restarts
        result.webhooks, result.faults = tally.webhooks, Counter(world.sandbox.injected)
        result.events, result.digest = len(records), digest(records)
        result.virtual_seconds = ((tally.finished_at or EPOCH) - EPOCH).total_seconds()
        result.notes.extend(f"kill: {kill}" for kill in tally.kills)
    result.wall_seconds = time.perf_counter() - started
    return result


def _scratch() -> str | None:
    """Where a seed's SQLite file lives while it runs: a RAM disk when there is one (what the simulation tests is
    ordering, not durability: a killed worker is a task, not a process), else the temporary directory."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def _quiet_kills(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """A killed worker's tasks end with ``Killed`` nobody retrieves: that is the kill, not an error."""
    if isinstance(context.get("exception"), Killed):
        return
    loop.default_exception_handler(context)


async def _records(store: EventStore, gate: Gate) -> list[Record]:
    async def everything() -> list[Record]:
        return [record async for record in store.read_all()]

    return await gate.run(Node("checks"), "read_all", everything)


@asynccontextmanager
async def _store(seed: int, where: str, loop: SimLoop, result: SeedResult, keep: str | None) -> AsyncIterator[Any]:
    """A fresh store for one seed: a SQLite file, or a PostgreSQL schema of its own; kept when the seed failed."""
    if where == "sqlite":
        from payfold.adapters.stores.sqlite import SqliteStore

        directory = Path(tempfile.mkdtemp(prefix=f"payfold-sim-{seed}-", dir=_scratch()))
        with loop.real():
            store = await SqliteStore.open(directory / "log.db")
        try:
            yield store
        finally:
            with loop.real():
                await store.close()
            if result.failed:
                kept = Path(keep or tempfile.gettempdir()) / directory.name
                shutil.move(directory, kept)
                result.kept = str(kept / "log.db")
            else:
                shutil.rmtree(directory, ignore_errors=True)
        return
    from payfold.adapters.simulate._pg import schema_store

    async with schema_store(where, f"payfold_sim_{seed}", loop, result) as pg:
        yield pg
