"""Replay next to the ``eventsourcing`` library rebuilding an equivalent aggregate, measured in the same run.

    .venv/bin/python -m tests.bench_eventsourcing [events]

Both sides start from the same payments' events stored in memory and rebuild each payment's state:

- payfold: the stored bytes of each event (``payfold.encode``) go through ``payfold.decode`` and ``payfold.fold``;
- eventsourcing: an ``Application`` with its default in-memory (POPO) recorder holds one aggregate per payment,
  one aggregate event per payfold event carrying the same fields (``msgspec.to_builtins``), and
  ``repository.get`` rebuilds it. The aggregate's apply follows payfold's compiled machine (the status) and
  keeps the latest payload: less work per event than ``fold``, which keeps every fact ``next_step`` reads.

``eventsourcing`` is not a dependency of payfold, nor in the dev extra: when it is missing, this module installs
the pinned version into the running environment (as ``make mutate`` does with mutmut). Asserts nothing about time.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from typing import Any

import msgspec

from payfold import Event, Status, decode, encode, fold, tag_of
from payfold._machine import TABLE
from tests.bench_fold import collect, medians, show
from tests.benchrow import Row, rate_row

EVENTSOURCING = "eventsourcing==9.5.6"
REPLAY_TARGET = 20.0


def ensure_eventsourcing() -> None:
    """Install the pinned ``eventsourcing`` into this environment when it is missing."""
    if importlib.util.find_spec("eventsourcing") is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", EVENTSOURCING], check=True)


def _aggregate_class() -> Any:
    """The equivalent aggregate: created from the ``created`` event's fields, one ``Happened`` per other event."""
    from eventsourcing.domain import Aggregate, event

    class PaymentAggregate(Aggregate):
        def __init__(self, created: dict[str, Any]) -> None:
            self.created = created
            self.status = Status.CREATED
            self.last: dict[str, Any] = created

        @event("Happened")
        def happen(self, tag: str, payload: dict[str, Any]) -> None:
            self.status = TABLE[(self.status, tag)]
            self.last = payload

    return PaymentAggregate


def replay_vs_eventsourcing(total: int = 20_000, rounds: int = 5) -> Row:
    """Events per second rebuilt from storage: payfold's decode + fold against ``eventsourcing``'s repository."""
    ensure_eventsourcing()
    from eventsourcing.application import Application

    batches = collect(total)
    events = sum(len(b) for b in batches)
    stored = [[encode(e) for e in history] for history in batches]

    aggregate = _aggregate_class()
    app: Any = Application()
    ids = []
    for history in batches:
        payment = aggregate(msgspec.to_builtins(history[0]))
        for e in history[1:]:
            payment.happen(tag_of(e), msgspec.to_builtins(e))
        app.save(payment)
        ids.append(payment.id)
    _check_equivalent(app, ids, batches)

    def replay_payfold() -> None:
        for history in stored:
            fold([decode(data) for data in history])

    def replay_eventsourcing() -> None:
        for payment_id in ids:
            app.repository.get(payment_id)

    payfold_s, baseline_s = medians(rounds, replay_payfold, replay_eventsourcing)
    return rate_row(
        f"replay (decode + fold, {events:,} events in {len(batches):,} payments) vs eventsourcing "
        "rebuilding an equivalent aggregate",
        events / payfold_s,
        events / baseline_s,
        "events/s",
        REPLAY_TARGET,
        "msgspec decodes each event in C; the fold is a dict lookup and a small function per event",
    )


def _check_equivalent(app: Any, ids: list[Any], batches: list[list[Event]]) -> None:
    """Both sides rebuild the same status and version, or the comparison would be meaningless."""
    for payment_id, history in zip(ids, batches, strict=True):
        rebuilt, state = app.repository.get(payment_id), fold(history)
        if (rebuilt.status, rebuilt.version) != (state.status, state.version):
            raise AssertionError(f"aggregate {payment_id} differs from the fold: {rebuilt.status} vs {state.status}")


def rows(total: int = 20_000) -> list[Row]:
    """The replay row of ``make bench``."""
    return [replay_vs_eventsourcing(total)]


if __name__ == "__main__":
    show(rows(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000))
