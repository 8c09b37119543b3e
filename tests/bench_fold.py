"""Fold benchmarks for ``make bench``: each figure next to a baseline measured in the same run.

    .venv/bin/python -m tests.bench_fold [events]

- fold of decoded events next to a ``transitions`` Machine driven through the same events (one model reset per
  payment, one trigger per event, the trigger named by the event's tag: the machine only tracks the status, the
  fold keeps every fact ``next_step`` reads);
- cost per event at 10, 1,000 and 10,000 events per payment, each next to the cost at 10: a long history is a
  charge whose outcome is unknown, requeried (pending) for the first half, then confirmed and settled, then late
  answers for the rest, every other one contradicting the verdict (the case that used to grow a tuple).

Rounds alternate between payfold and its baseline so both see the same machine load; figures are medians.
Asserts nothing about time.
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings
from collections.abc import Callable

from hypothesis.errors import NonInteractiveExampleWarning
from transitions import Machine

from payfold import (
    ChargeDeclined,
    Event,
    OutcomeUnknown,
    PaymentSettled,
    RequeryConfirmed,
    RequeryPending,
    RequestSent,
    WebhookReceived,
    fold,
    tag_of,
)
from payfold._machine import DECLARATION, STATES
from payfold.testing import created, histories, seconds, wire
from tests.benchrow import Row, cost_row, rate_row

FOLD_TARGET = 25.0
FLAT_TARGET = 0.8


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


def long_history(size: int) -> list[Event]:
    """A legal history of exactly ``size`` (>= 10) events: pending requeries, a verdict, then late answers."""
    if size < 10:
        raise ValueError("a long history has at least 10 events")
    events: list[Event] = [
        created(),
        RequestSent(at=seconds(1), operation="charge"),
        OutcomeUnknown(at=seconds(2), wire=wire("charge", seconds(2), status=None, error="timeout"), cause="timeout"),
    ]
    pairs = (size - 6) // 4 or 1  # request and answer: half the rest, at least one
    for i in range(pairs):
        at = seconds(60 * (i + 1))
        events += [RequestSent(at=at, operation="requery"), RequeryPending(at=at, wire=wire("requery", at))]
    at = seconds(60 * (pairs + 1))
    events += [
        RequestSent(at=at, operation="requery"),
        RequeryConfirmed(
            at=at, wire=wire("requery", at), provider_ref="r-1", reference="order-1", amount=450_000, currency="XTS"
        ),
        PaymentSettled(at=at),
    ]
    for i in range(size - len(events)):
        late = at + (i + 1) * (seconds(1) - seconds(0))
        if i % 2:
            events.append(WebhookReceived(at=late, wire=wire("webhook", late), signature_valid=True))
        else:
            events.append(ChargeDeclined(at=late, wire=wire("charge", late), code="05"))
    assert len(events) == size
    return events


def medians(rounds: int, *works: Callable[[], object]) -> list[float]:
    """The median time of each of ``works`` over ``rounds`` rounds, run side by side in every round."""
    times: list[list[float]] = [[] for _ in works]
    for _ in range(rounds):
        for spent, work in zip(times, works, strict=True):
            start = time.perf_counter()
            work()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


class _Model:
    state: str


def fold_vs_transitions(total: int = 100_000, rounds: int = 5) -> Row:
    """Events per second: ``payfold.fold`` against a ``transitions`` Machine through the same events."""
    batches = collect(total)
    events = sum(len(b) for b in batches)
    model = _Model()
    machine = Machine(
        model=model,
        states=list(STATES),
        transitions=[dict(t) for t in DECLARATION],
        initial="created",
        auto_transitions=False,
    )

    def drive_transitions() -> None:
        for history in batches:
            machine.set_state("created", model)
            for event in history[1:]:
                model.trigger(tag_of(event))  # type: ignore[attr-defined]

    def drive_fold() -> None:
        for history in batches:
            fold(history)

    fold_s, machine_s = medians(rounds, drive_fold, drive_transitions)
    return rate_row(
        f"fold of decoded events ({events:,} in {len(batches):,} payments) vs a transitions Machine",
        events / fold_s,
        events / machine_s,
        "events/s",
        FOLD_TARGET,
        "one dict lookup and one small function per event; the frozen Payment is built once per fold",
    )


def cost_per_event(sizes: tuple[int, ...] = (10, 1_000, 10_000), events: int = 100_000, rounds: int = 5) -> list[Row]:
    """µs per event folded at each size, each row next to the cost at the first (smallest) size."""
    workloads = [[long_history(size)] * max(1, events // size) for size in sizes]

    def folding(payments: list[list[Event]]) -> Callable[[], object]:
        return lambda: [fold(history) for history in payments]

    spent = medians(rounds, *(folding(payments) for payments in workloads))
    per_event = [s / (len(w) * size) * 1e6 for s, w, size in zip(spent, workloads, sizes, strict=True)]
    base = per_event[0]
    return [
        cost_row(
            f"fold cost per event at {size:,} events per payment vs at {sizes[0]:,}",
            cost,
            base,
            "µs/event",
            FLAT_TARGET,
            "no field grows with the history: late contradictions are counted, the first few kept",
        )
        for size, cost in zip(sizes[1:], per_event[1:], strict=True)
    ]


def rows(total: int = 100_000) -> list[Row]:
    """The fold rows of ``make bench``."""
    return [fold_vs_transitions(total), *cost_per_event()]


def show(found: list[Row]) -> None:
    """Print ``found`` as a small table."""
    for row in found:
        mark = "met" if row.met else "MISSED"
        print(f"{row.row}\n    payfold {row.payfold:>14,.3f}  baseline {row.baseline:>14,.3f} {row.unit}", end="")
        print(f"  ratio {row.ratio:6.2f}x  target {row.target:g}x  {mark}")


if __name__ == "__main__":
    show(rows(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
