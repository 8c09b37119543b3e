"""``payfold audit`` and ``payfold stats`` on a 1,000,000-event SQLite log: peak RSS and events/s. Not a test.

    .venv/bin/python -m tests.cli.big_log [events] [--keep PATH]

Builds the log with ``tests.cli._logs`` (valid interleaved histories, group commits of 2,000 streams), then runs
each command in a child process and reads its peak RSS from the kernel (``wait4``): ``audit``, ``stats``, and
``audit --checkpoint`` twice (the first writes the checkpoint, the second holds its heads while comparing). The
issue's bound is 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from tests.cli._logs import build
from tests.cli._rss import PAYFOLD, Measured, measure, plain_count

BOUND_MB = 300


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.cli.big_log")
    parser.add_argument("events", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--keep", type=Path, help="build the log here (or reuse it) instead of a temporary file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep or Path(tmp) / "big.db"
        if not db.exists():
            start = time.perf_counter()
            written = asyncio.run(build(db, args.events))
            print(f"built {db}: {written:,} events in {time.perf_counter() - start:.1f} s")
        floor = plain_count(db)
        print(f"plain sqlite3 count: {floor.out.strip()} rows, peak RSS {floor.rss_mb:.0f} MB")
        worst = 0.0
        checkpoint = Path(tmp) / "heads.json"
        runs = (
            ["audit"],
            ["stats"],
            ["audit", "--checkpoint", str(checkpoint)],
            ["audit", "--checkpoint", str(checkpoint)],
        )
        for command in runs:
            run: Measured = measure([str(PAYFOLD), command[0], str(db), *command[1:]])
            worst = max(worst, run.rss_mb)
            print(
                f"payfold {' '.join(command)}: exit {run.status}, peak RSS {run.rss_mb:.0f} MB, {run.seconds:.1f} s, "
                f"{run.events_per_second:,.0f} events/s"
            )
            print("  | " + "\n  | ".join(run.out.strip().splitlines()[-4:]))
    print(f"largest peak RSS {worst:.0f} MB (bound {BOUND_MB} MB): {'met' if worst <= BOUND_MB else 'MISSED'}")
    return 0 if worst <= BOUND_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
