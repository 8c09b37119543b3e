"""The audit of a whole log, in one pass: every chain, every payment replayed and judged, the due projection,
and the checkpoint (compared, then rewritten).

Memory: one payment's history at a time (``_walk``), the findings, reviews and decisions found, at most
``DUE_BATCH`` open payments waiting for their due rows to be looked up, and, with a checkpoint, the heads it
holds (see ``_checkpoint``).

A running system may append while the audit reads. The walk reads one snapshot, but the due rows are read
after it: an open payment that has moved on since (its stream grew) is not judged by a due row that belongs to
its newer state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Final

from payfold import Policy
from payfold.adapters.audit import _checkpoint
from payfold.adapters.audit._findings import AuditReport, Finding
from payfold.adapters.audit._judge import Due, judge
from payfold.adapters.audit._source import AuditSource
from payfold.adapters.audit._walk import BATCH, History, Ticker, histories
from payfold.adapters.stores._chain import require

DUE_BATCH: Final = 1000
"""Open payments whose due rows are looked up in one query."""
INTEGRITY: Final = frozenset({"chain", "key", "unreadable", "checkpoint"})
"""Finding kinds that say the log itself was changed or damaged: a checkpoint is not rewritten over them.
Replay, invariant, conduct and due findings are about what the system did; history cannot be changed, so
they do not hold the log's anchoring back."""


class _Quiet:
    def tick(self, events: int = 1) -> None:
        pass


async def audit(
    store: AuditSource,
    policy_of: Callable[[str], Policy],
    ticker: Ticker | None = None,
    *,
    log: str = "",
    checkpoint: Path | None = None,
    now: datetime | None = None,
    batch: int = BATCH,
) -> AuditReport:
    """Audit ``store``'s log (``log`` names it in the report and the checkpoint).

    With ``checkpoint``: an existing file is compared against, and the file is (re)written with this audit's
    heads when no integrity finding came up (``INTEGRITY``). A keyed log cannot be audited without its key
    (``ChainKeyError``): its links cannot be checked.
    """
    require(log or "the log", store.fingerprint, store.chain_key, "auditing")
    report = AuditReport(keyed=store.keyed, log=log, checkpoint_file=None if checkpoint is None else str(checkpoint))
    comparison = None
    if checkpoint is not None and checkpoint.exists():
        comparison = _checkpoint.Comparison(_checkpoint.load(checkpoint))
        report.checkpoint = str(checkpoint)
    writer = None if checkpoint is None else _checkpoint.Writer(checkpoint, log=log, keyed=store.keyed)
    dues = _DueCheck(store, report)
    try:
        async for history in histories(store, ticker or _Quiet(), batch=batch):
            _take(history, report, policy_of, comparison, dues)
            await dues.flush_if_full()
            if writer is not None:
                writer.add(history)
        await dues.flush()
        if comparison is not None:
            report.findings.extend(comparison.missing())
        report.findings.sort(key=lambda f: (f.stream, f.version or 0, f.kind))
        if writer is not None and not any(f.kind in INTEGRITY for f in report.findings):
            writer.commit(report.streams, report.events, now)
            report.checkpoint_written = True
    finally:
        if writer is not None and not report.checkpoint_written:
            writer.discard()
    return report


def _take(
    history: History,
    report: AuditReport,
    policy_of: Callable[[str], Policy],
    comparison: _checkpoint.Comparison | None,
    dues: _DueCheck,
) -> None:
    report.streams += 1
    report.events += history.records
    report.findings.extend(history.findings)
    if comparison is not None:
        found = comparison.history(history)
        if found is not None:
            report.findings.append(found)
    if not history.readable or not history.events:
        return
    judged = judge(history.stream, history.events, history.versions, policy_of)
    if judged.status is not None:
        report.statuses[judged.status] += 1
    report.findings.extend(judged.findings)
    if judged.review is not None:
        report.reviews.append(judged.review)
    report.decisions.extend(judged.decisions)
    if judged.due is not None:
        dues.expect(history.stream, judged.due)


class _DueCheck:
    """Open payments must have a due row no later than their next step, or no worker will pick them up in time
    (a deleted due row stalls a payment without a trace in the events)."""

    def __init__(self, store: AuditSource, report: AuditReport) -> None:
        self._store = store
        self._report = report
        self._waiting: dict[str, Due] = {}

    def expect(self, stream: str, due: Due) -> None:
        self._waiting[stream] = due

    async def flush_if_full(self) -> None:
        if len(self._waiting) >= DUE_BATCH:
            await self.flush()

    async def flush(self) -> None:
        waiting, self._waiting = self._waiting, {}
        if not waiting:
            return
        stored = await self._store.due_of(list(waiting))
        for stream, due in waiting.items():
            found = stored.get(stream)
            if found is not None and found <= due.at:
                continue
            if await self._store.version(stream) != due.version:
                continue  # the payment moved on while the audit read: its due row belongs to its newer state
            self._report.findings.append(_finding(stream, due, found))


def _finding(stream: str, due: Due, found: datetime | None) -> Finding:
    step = f"its next step ({due.step}) is due {due.at.isoformat()}"
    if found is None:
        detail = f"open, {step}, but it has no due row: no worker will pick it up"
    else:
        detail = f"{step}, but its due row says {found.isoformat()}: it waits past its due time"
    return Finding(kind="due", stream=stream, version=due.version, rule=due.rule, detail=detail)
