"""Peak resident memory of a child process, read from the kernel's accounting (``wait4``), not sampled."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PAYFOLD = Path(sys.executable).with_name("payfold")
_WRAP = (
    "import os, subprocess, sys; child = subprocess.Popen(sys.argv[1:], stderr=subprocess.DEVNULL); "
    "_, status, usage = os.wait4(child.pid, 0); sys.stderr.write(str(usage.ru_maxrss)); "
    "sys.exit(os.waitstatus_to_exitcode(status))"
)
"""A fresh small interpreter between us and the command: Linux carries the parent's peak RSS into a forked
child's ``ru_maxrss`` across ``exec``, so measuring straight from a process that built a log would report that
process's peak."""
PLAIN_COUNT = (
    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
    "print(c.execute('SELECT count(*) FROM payfold_events').fetchone()[0])"
)


@dataclass(frozen=True)
class Measured:
    """One child's exit status, output, peak RSS in MB and wall time in seconds."""

    status: int
    out: str
    rss_mb: float
    seconds: float

    @property
    def events_per_second(self) -> float:
        """The rate the command printed on its summary line (``read N events in S s (R events/s)``)."""
        found = re.search(r"\(([\d,]+) events/s\)", self.out)
        return float(found.group(1).replace(",", "")) if found else 0.0


def measure(argv: list[str]) -> Measured:
    """Run ``argv`` to its end; its ``ru_maxrss`` (Linux reports KiB), taken by a fresh wrapper process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _WRAP, *argv], capture_output=True, text=True, check=False)
    return Measured(done.returncode, done.stdout, int(done.stderr or 0) / 1024, time.perf_counter() - start)


def payfold(command: str, db: Path) -> Measured:
    """``payfold COMMAND DB``, measured."""
    return measure([str(PAYFOLD), command, str(db)])


def plain_count(db: Path) -> Measured:
    """The floor: a bare interpreter counting the log's rows with sqlite3."""
    return measure([sys.executable, "-c", PLAIN_COUNT, str(db)])
