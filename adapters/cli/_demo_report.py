"""The demo's closing report: what it measured about this run's payments, and the table it prints."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class DemoReport:
    """What the demo measured (about this run's payments only)."""

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
    """Events in the whole log (earlier runs' too), all verified."""
    events: int = 0
    """Events of this run's payments."""
    webhooks: int = 0
    wall_seconds: float = 0.0
    db: str = ""
    journal: str = ""
    """The sandbox's journal (its orders and ledger), beside ``db``."""
    run: int = 1
    """This run's number in the log (``pay-r<run>-...``)."""
    kept: bool = True
    """False: the log was a temporary file, removed at the end."""

    @property
    def mismatches(self) -> int:
        return len(self.settled_not_charged) + len(self.charged_but_failed) + len(self.charged_twice)


def render(report: DemoReport) -> list[str]:
    """The closing table."""
    where = (
        f"log {report.db} (run {report.run})" if report.kept else "log: a temporary file, removed (--db FILE keeps it)"
    )
    lines = ["", f"payfold demo: {report.payments} payments, {where}"]
    if report.kept:
        lines.append(f"  the sandbox's ledger: {report.journal}")
    lines += ["", "  payments by status"]
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
    lines.append(f"  events of this run: {report.events}")
    chain = "verified" if report.chain_ok else "BROKEN"
    lines.append(f"  hash chain: {chain} ({report.chain_events} events in the log)")
    lines.append(f"  wall time: {report.wall_seconds:.1f} s")
    return lines
