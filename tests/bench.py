"""Fold rate next to a ``transitions`` Machine driven through the same events, measured in one run.

    .venv/bin/python -m tests.bench [events]

Histories come from ``payfold.testing.histories()``: 600 distinct ones, cycled up to the event count.
Prints rates and the ratio; asserts nothing about time.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from collections.abc import Callable

from hypothesis.errors import NonInteractiveExampleWarning
from transitions import Machine

from payfold import Event, decode, encode, fold, tag_of
from payfold._machine import DECLARATION, STATES
from payfold.testing import histories


def collect(total: int, distinct: int = 600) -> list[list[Event]]:
    """``distinct`` generated histories, cycled until they hold ``total`` events (generation is the slow part)."""
    warnings.filterwarnings("ignore", category=NonInteractiveExampleWarning)
    strategy = histories(max_steps=60)
    pool = [h for h in (strategy.example() for _ in range(distinct)) if len(h) > 1]
    found: list[list[Event]] = []
    count = 0
    while count < total:
        history = pool[len(found) % len(pool)]
        found.append(history)
        count += len(history)
    return found


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class Model:
    state: str


def main() -> None:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    batches = collect(total)
    events = sum(len(b) for b in batches)
    tags = [[tag_of(e) for e in b[1:]] for b in batches]

    model = Model()
    machine = Machine(
        model=model,
        states=list(STATES),
        transitions=[dict(t) for t in DECLARATION],
        initial="created",
        auto_transitions=False,
    )

    def drive_transitions() -> None:
        for history in tags:
            machine.set_state("created", model)
            for tag in history:
                model.trigger(tag)  # type: ignore[attr-defined]

    def drive_fold() -> None:
        for history in batches:
            fold(history)

    stored = [[encode(e) for e in b] for b in batches]

    def replay() -> None:
        for history in stored:
            fold(decode(data) for data in history)

    fold_s = best_of(5, drive_fold)
    transitions_s = best_of(3, drive_transitions)
    replay_s = best_of(3, replay)
    print(f"events folded:                {events:,} in {len(batches):,} payments")
    print(f"payfold.fold:                 {events / fold_s:>12,.0f} events/s")
    print(f"transitions Machine trigger:  {events / transitions_s:>12,.0f} events/s")
    print(f"decode + fold (replay):       {events / replay_s:>12,.0f} events/s")
    print(f"ratio fold / transitions:     {transitions_s / fold_s:>12.1f}x")


if __name__ == "__main__":
    main()
