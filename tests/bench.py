"""The core benchmarks of ``make bench``: fold, scaling and replay, each next to a baseline from the same run.

    .venv/bin/python -m tests.bench [events]

``rows()`` gathers ``tests.bench_fold`` (fold vs a ``transitions`` Machine, cost per event at 10 / 1,000 /
10,000 events per payment) and ``tests.bench_eventsourcing`` (replay vs the ``eventsourcing`` library, which it
installs on demand). Prints the rows; asserts nothing about time.
"""

from __future__ import annotations

import sys

from tests import bench_eventsourcing, bench_fold
from tests.benchrow import Row


def rows(total: int = 100_000) -> list[Row]:
    """The fold and replay rows of ``make bench``."""
    return [*bench_fold.rows(total), *bench_eventsourcing.rows(max(2_000, total // 5))]


if __name__ == "__main__":
    bench_fold.show(rows(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
