"""``payfold audit LOG``: the command's options, its run, its output and its exit codes (the checks live in
``payfold.adapters.audit``)."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from payfold.adapters.audit import AuditReport
from payfold.adapters.cli import _progress, policy_of

OK: Final = 0
FINDINGS: Final = 1

_EPILOG: Final = """\
checks: every hash chain (with the chain key from PAYFOLD_CHAIN_KEY when the log is keyed), every payment
replayed, the independent invariants, the conduct of every request (was it the step the policy allowed at
that moment?), and the due rows of open payments. --checkpoint FILE compares the log with the heads kept in
FILE, then (re)writes FILE when no integrity finding came up. What each mode proves: docs/audit.md.

exit status:
  0  nothing wrong
  1  findings (each names the payment, the row and the rule)
  2  the log cannot be audited: no such file, not a payfold log, damaged, a keyed log without its key,
     an unreadable checkpoint, a usage error
  3  the database cannot be reached (docs/cli.md)
"""


def add_parser(commands: Any) -> None:
    """Register ``payfold audit`` on the CLI's subcommands."""
    audit = commands.add_parser(
        "audit",
        help="check a log: hash chains, replay, invariants, conduct, due rows; optionally against a checkpoint",
        description="Audit a payfold log without changing it, in one pass and bounded memory.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    audit.add_argument("db", metavar="LOG", help="a SQLite file or a postgresql:// DSN")
    audit.add_argument("--json", action="store_true", help="print one JSON object: the report and its findings")
    audit.add_argument(
        "--checkpoint", metavar="FILE", help="compare with the heads in FILE (if it exists), then rewrite FILE"
    )
    audit.add_argument("--html", metavar="FILE", help="also write a self-contained HTML report to FILE")
    audit.set_defaults(run=lambda args: asyncio.run(_audit(args)))


async def _audit(args: argparse.Namespace) -> int:
    """Failures (not a log, no key, an unreadable checkpoint, an unreachable database) propagate to the CLI's
    ``guarded``, which prints one line and picks the exit code (docs/cli.md)."""
    from payfold.adapters.audit import audit, open_log
    from payfold.adapters.audit._source import is_dsn, shown
    from payfold.adapters.cli._logfile import check_log

    if not is_dsn(args.db):
        check_log(args.db)  # the command's one wording for a path that is no log
    pace = _progress("audit")
    store = await open_log(args.db)
    try:
        checkpoint = Path(args.checkpoint) if args.checkpoint else None
        report = await audit(store, policy_of, pace, log=shown(args.db), checkpoint=checkpoint)
        if args.html:
            from payfold.adapters.audit._html import write_report

            await write_report(Path(args.html), store, report, policy_of)
    finally:
        await store.close()
        pace.finish()
    if args.json:
        shape = report.to_json() | {"seconds": round(pace.seconds, 3), "events_per_second": round(pace.rate)}
        print(json.dumps(shape))
    else:
        for line in lines(report):
            print(line)
        print(pace.summary())
    return OK if report.ok else FINDINGS


def lines(report: AuditReport) -> Iterator[str]:
    """The report for people: a summary, then every finding, one line each."""
    chain_kinds = Counter(f.kind for f in report.findings if f.kind in ("chain", "key", "unreadable"))
    broken = sum(chain_kinds.values())
    keyed = "keyed (HMAC)" if report.keyed else "unkeyed (SHA-256)"
    verdict = "verified" if not broken else f"{broken} broken rows"
    yield f"hash chain: {verdict}, {keyed} ({report.streams} streams, {report.events} events)"
    if report.checkpoint_file is not None:
        compared = f"compared with {report.checkpoint}" if report.checkpoint else "no earlier checkpoint"
        written = "written" if report.checkpoint_written else "NOT written (integrity findings)"
        yield f"checkpoint: {compared}; {report.checkpoint_file} {written}"
    yield "payments: " + (", ".join(f"{status} {n}" for status, n in sorted(report.statuses.items())) or "none")
    if report.reviews:
        yield f"under review: {len(report.reviews)}"
        for review in report.reviews:
            answer = f", last answer {review.last_answer}" if review.last_answer else ""
            yield f"  {review.stream}: {review.reason} since {review.since.isoformat()}{answer}"
    for decision in report.decisions:
        note = f": {decision.note}" if decision.note else ""
        yield f"decided by hand: {decision.stream} v{decision.version} {decision.outcome} by {decision.operator}{note}"
    if report.ok:
        yield "findings: none"
        return
    kinds = Counter(f.kind for f in report.findings)
    yield f"findings: {len(report.findings)} (" + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")"
    for finding in report.findings:
        yield f"  {finding.line()}"
