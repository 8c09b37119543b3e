"""Where the demo's CPU goes: payfold (fold, next step, translate, codec, store, runner) versus HTTP and the sandbox.

    .venv/bin/pip install py-spy
    .venv/bin/py-spy record --format raw -o /tmp/demo.prof --rate 200 -- \
        .venv/bin/python -m payfold.adapters.cli demo --no-stories
    .venv/bin/python -m tests.profile_demo /tmp/demo.prof

Each sample is charged to the innermost frame that belongs to a known part (so msgspec called from the codec counts
as codec, and sqlite3 called from the store counts as store, fsync included). py-spy samples threads it sees as
busy; aiosqlite's worker waiting on its queue still shows up, so that leaf is counted apart as idle and left out
of the shares.
"""

from __future__ import annotations

import sys
from collections import Counter

PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("sandbox (the emulated provider)", ("adapters/sandbox/",)),
    ("fold", ("payfold/_fold.py", "payfold/_apply.py", "payfold/_payment.py")),
    ("next_step", ("payfold/_decide.py", "payfold/_jitter.py")),
    (
        "translate (adapters, redaction)",
        ("adapters/tranzzo/", "adapters/flutterwave/", "adapters/generic/", "adapters/wire/"),
    ),
    ("codec", ("payfold/_codec.py", "payfold/_events.py", "payfold/_wire.py", "payfold/_time.py")),
    (
        "store",
        ("adapters/stores/", "adapters/runner/_committer.py", "aiosqlite/"),
    ),
    (
        "runner and demo bookkeeping",
        ("adapters/runner/", "adapters/cli/"),
    ),
    (
        "HTTP (httpx, uvicorn, h11)",
        (
            "httpx/",
            "httpcore/",
            "h11/",
            "uvicorn/",
            "anyio/",
            "asyncio/streams.py",
            "asyncio/selector_events.py",
            "socket.py",
            "ssl.py",
            "selectors.py",
        ),
    ),
    ("asyncio event loop", ("asyncio/",)),
]
PAYFOLD = {"fold", "next_step", "translate (adapters, redaction)", "codec", "store", "runner and demo bookkeeping"}


IDLE = "idle (aiosqlite's worker waiting for work)"


def part_of(stack: str) -> str:
    if stack.rsplit(";", 1)[-1].startswith("_connection_worker_thread"):
        return IDLE
    for frame in reversed(stack.split(";")):
        for name, markers in PARTS:
            if any(marker in frame for marker in markers):
                return name
    return "other"


def main(path: str) -> None:
    totals: Counter[str] = Counter()
    with open(path) as file:
        for line in file:
            stack, _, samples_text = line.rstrip().rpartition(" ")
            if stack:
                totals[part_of(stack)] += int(samples_text)
    idle = totals.pop(IDLE, 0)
    samples = sum(totals.values())
    print(f"{IDLE}: {idle} samples, left out")
    for name, count in totals.most_common():
        print(f"{name:<36} {count:>7} samples  {count / samples:6.1%}")
    mine = sum(count for name, count in totals.items() if name in PAYFOLD)
    http = totals["HTTP (httpx, uvicorn, h11)"] + totals["sandbox (the emulated provider)"]
    print(f"{'payfold in all':<36} {mine:>7} samples  {mine / samples:6.1%}")
    print(f"{'HTTP and the sandbox':<36} {http:>7} samples  {http / samples:6.1%}")


if __name__ == "__main__":
    main(sys.argv[1])
