"""Memory rows of ``make bench``: ``payfold audit`` and ``payfold stats`` on a generated log, next to the floor.

    .venv/bin/python -m tests.cli.bench_reports [events]

The baseline is a bare interpreter counting the same log's rows with sqlite3, measured in the same run. The
issue's bound is 300 MB resident at 1,000,000 events, so the target ratio is (the floor's RSS) / 300 MB: met
when the command stays under 300 MB. Peak RSS comes from the kernel (``wait4``), one fresh process per command.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from tests.benchrow import Row, cost_row
from tests.cli._logs import build
from tests.cli._rss import payfold, plain_count

BOUND_MB = 300.0
EVENTS = 200_000


def rows(events: int = EVENTS) -> list[Row]:
    """Peak RSS of ``audit`` and ``stats`` on a log of ``events`` events, against a plain sqlite3 row count."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "log.db"
        written = asyncio.run(build(db, events))
        floor = plain_count(db)
        found = []
        for command in ("audit", "stats"):
            run = payfold(command, db)
            assert run.status == 0, run.out
            note = (
                f"{written:,} events, {run.events_per_second:,.0f} events/s; target = floor / {BOUND_MB:.0f} MB; "
                "bounded by one count per stream and the batch of records, not the log"
            )
            found.append(
                cost_row(
                    f"{command} peak RSS, {written:,}-event log vs sqlite3 count",
                    run.rss_mb,
                    floor.rss_mb,
                    "MB",
                    floor.rss_mb / BOUND_MB,
                    note,
                )
            )
    return found


if __name__ == "__main__":
    for row in rows(int(sys.argv[1]) if len(sys.argv) > 1 else EVENTS):
        print(
            f"{row.row}: {row.payfold:.0f} MB vs {row.baseline:.0f} MB, ratio {row.ratio:.3f} (target {row.target:.3f})"
        )
        print(f"  {row.note}")
