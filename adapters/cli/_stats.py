"""``payfold stats LOG``: how the providers answered (error rates, latency percentiles, outcomes per provider and
operation, optionally since a moment) and how many payments are open, overdue or under review; as a table,
``--json``, or Prometheus' text format (``--prometheus``) for a monitoring stack to scrape or a textfile collector
to pick up."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from payfold import PaymentCreated, ProviderAnswer
from payfold._events import PROVIDER_ANSWER_TAGS
from payfold._store import EventStore
from payfold.adapters.cli._report import OperationStats, render_stats

_STATUS_OF = {"settled": "settled", "settled_manually": "settled", "failed": "failed", "failed_manually": "failed"}
"""Verdict tags (``payfold.tag_of``) and the state each leaves a payment in."""
OVERDUE_AFTER = timedelta(minutes=1)
"""A payment whose next step has been due this long is overdue (no runner has taken it)."""


def add_parser(commands: Any) -> None:
    """Register ``payfold stats``."""
    stats = commands.add_parser("stats", help="provider error rates and latencies; open, overdue, review counts")
    stats.add_argument("db", help="a SQLite file or a postgresql:// DSN")
    stats.add_argument(
        "--since", type=since, metavar="WHEN", help="only answers received since WHEN: ISO 8601, or back from now: 24h"
    )
    output = stats.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="one JSON object instead of text")
    output.add_argument("--prometheus", action="store_true", help="Prometheus text exposition format")
    stats.set_defaults(run=lambda args: asyncio.run(_stats(args)))


def since(text: str) -> datetime:
    """``--since``: an ISO 8601 time, or a span back from now such as ``90s``, ``15m``, ``24h``, ``7d``."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:]
    if unit in units and number.replace(".", "", 1).isdigit():
        return datetime.now(UTC) - timedelta(seconds=float(number) * units[unit])
    from payfold.adapters.cli._explain import moment

    try:
        return moment(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither an ISO 8601 time nor a span like 15m or 24h") from None


@dataclass
class LogStats:
    """What one pass over the log counted."""

    operations: dict[tuple[str, str], OperationStats] = field(default_factory=dict)
    payments: Counter[str] = field(default_factory=Counter)
    """Payments by state: open, under_review, settled, failed (and overdue, a subset of open)."""
    since: datetime | None = None


async def log_stats(store: EventStore, *, since: datetime | None, now: datetime, pace: Any = None) -> LogStats:
    """One pass over ``store``: answers per (provider, operation) received since ``since``, payments by state."""
    operations: dict[tuple[str, str], OperationStats] = defaultdict(OperationStats)
    provider_of: dict[str, str] = {}
    names: dict[str, str] = {}
    state: dict[str, str] = {}
    async for record in store.read_all(batch=2000):
        if pace is not None:
            pace.tick()
        tag = record.tag
        if record.version == 1 and tag == "created":
            created = record.event()
            name = created.provider if isinstance(created, PaymentCreated) else "?"
            provider_of[record.stream] = names.setdefault(name, name)
            state[record.stream] = "open"
        elif tag in _STATUS_OF:
            state[record.stream] = _STATUS_OF[tag]
        elif tag == "review_required" and state.get(record.stream) == "open":
            state[record.stream] = "under_review"
        if tag in PROVIDER_ANSWER_TAGS:
            answer = record.event()
            assert isinstance(answer, ProviderAnswer)
            if since is None or answer.at >= since:
                operations[(provider_of.get(record.stream, "?"), answer.wire.operation)].add(answer)
    payments = Counter(state.values())
    overdue = await store.due(now - OVERDUE_AFTER, limit=1 << 30)
    payments["overdue"] = sum(1 for due in overdue if state.get(due.stream) in ("open", "under_review"))
    for key in ("open", "under_review", "overdue", "settled", "failed"):
        payments.setdefault(key, 0)
    return LogStats(operations=dict(operations), payments=payments, since=since)


async def _stats(args: argparse.Namespace) -> int:
    from payfold.adapters.cli import _open, _progress

    pace = _progress("stats")
    store = await _open(args.db)
    try:
        result = await log_stats(store, since=args.since, now=datetime.now(UTC), pace=pace)
    finally:
        await store.close()
        pace.finish()
    if args.json:
        print(json.dumps(as_json(result)))
    elif args.prometheus:
        sys.stdout.write(prometheus(result))
    else:
        window = "" if result.since is None else f" since {result.since.isoformat()}"
        print(f"answers{window}:")
        for line in render_stats(result.operations):
            print(line)
        counts = result.payments
        print("payments: " + ", ".join(f"{name.replace('_', ' ')} {counts[name]}" for name in
                                       ("open", "overdue", "under_review", "settled", "failed")))  # fmt: skip
        print(pace.summary())
    return 0


def as_json(result: LogStats) -> dict[str, Any]:
    """The figures as one JSON object."""
    return {
        "since": None if result.since is None else result.since.isoformat(),
        "payments": dict(result.payments),
        "operations": [
            {"provider": provider, "operation": operation, "answers": entry.answers, "errors": entry.errors,
             "error_rate": entry.errors / entry.answers if entry.answers else 0.0,
             "latency_seconds": {"p50": entry.percentile(50), "p90": entry.percentile(90),
                                 "p99": entry.percentile(99)},
             "outcomes": dict(entry.outcomes)}
            for (provider, operation), entry in sorted(result.operations.items())
        ],
    }  # fmt: skip


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Mapping[str, str]) -> str:
    return "{" + ",".join(f'{name}="{_label(value)}"' for name, value in pairs.items()) + "}"


def prometheus(result: LogStats) -> str:
    """The figures in Prometheus' text exposition format (version 0.0.4)."""
    return "".join(line + "\n" for line in _prometheus_lines(result))


def _prometheus_lines(result: LogStats) -> Iterator[str]:
    yield "# HELP payfold_payments Payments in the log by state (overdue: open with a step due over a minute ago)."
    yield "# TYPE payfold_payments gauge"
    for name, count in sorted(result.payments.items()):
        yield f"payfold_payments{_labels({'state': name})} {count}"
    yield "# HELP payfold_answers_total Provider answers recorded, by provider, operation and outcome."
    yield "# TYPE payfold_answers_total counter"
    for (provider, operation), entry in sorted(result.operations.items()):
        for outcome, count in sorted(entry.outcomes.items()):
            labels = {"provider": provider, "operation": operation, "outcome": outcome}
            yield f"payfold_answers_total{_labels(labels)} {count}"
    yield "# HELP payfold_answer_errors_total Answers that were errors (5xx, transport, ambiguous, throttled)."
    yield "# TYPE payfold_answer_errors_total counter"
    for (provider, operation), entry in sorted(result.operations.items()):
        yield f"payfold_answer_errors_total{_labels({'provider': provider, 'operation': operation})} {entry.errors}"
    yield "# HELP payfold_answer_latency_seconds Time from send to answer."
    yield "# TYPE payfold_answer_latency_seconds summary"
    for (provider, operation), entry in sorted(result.operations.items()):
        base = {"provider": provider, "operation": operation}
        for quantile in (0.5, 0.9, 0.99):
            labels = {**base, "quantile": str(quantile)}
            yield f"payfold_answer_latency_seconds{_labels(labels)} {entry.percentile(quantile * 100):.6f}"
        yield f"payfold_answer_latency_seconds_sum{_labels(base)} {sum(entry.latencies):.6f}"
        yield f"payfold_answer_latency_seconds_count{_labels(base)} {entry.answers}"
