"""``payfold replay LOG --policy FILE``: re-derive every payment's steps under another policy and print where
the decisions would differ, so a team can change a cadence knowing its effect on real history."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from payfold import Conclude, Divergence, Done, Step, diverge, tag_of
from payfold._store import EventStore

SHOWN = 20
"""Payments listed one by one (the rest are only counted)."""


def add_parser(commands: Any) -> None:
    """Register ``payfold replay`` on the CLI's subcommands."""
    replay = commands.add_parser("replay", help="what-if: where another policy would decide differently")
    replay.add_argument("db", help="a SQLite file or a postgresql:// DSN")
    replay.add_argument("--policy", required=True, metavar="FILE", help="a TOML file of Policy fields (docs/audit.md)")
    replay.add_argument("--json", action="store_true", help="one JSON object instead of text")
    replay.set_defaults(run=lambda args: asyncio.run(_replay(args)))


async def _replay(args: argparse.Namespace) -> int:
    from payfold.adapters.cli import _open, _progress, policy_for
    from payfold.adapters.cli._policy_file import load

    proposed = load(args.policy)  # before opening the log: a bad file is reported first
    pace = _progress("replay")
    store = await _open(args.db)
    found: list[tuple[str, Divergence]] = []
    payments = 0
    try:
        async for stream, events in _streams(store):
            pace.tick(len(events))
            payments += 1
            current = policy_for(events)
            divergence = diverge(events, current, proposed.apply(current, getattr(events[0], "provider", "")))
            if divergence is not None:
                found.append((stream, divergence))
    finally:
        await store.close()
        pace.finish()
    if args.json:
        print(json.dumps(_json(payments, found)))
    else:
        for line in render(payments, found):
            print(line)
    if sys.stderr.isatty():
        print(pace.summary(), file=sys.stderr)
    return 0


async def _streams(store: EventStore) -> Any:
    """Each stream's whole history, one at a time (a first pass keeps only the stream names)."""
    names: dict[str, None] = {}
    async for record in store.read_all(batch=2000):
        names.setdefault(record.stream, None)
    for stream in names:
        yield stream, await store.read(stream)


def describe(step: Step) -> str:
    """A step in a few words, with its due time."""
    if isinstance(step, Done):
        return f"nothing [{step.rule}]"
    what = f"record {tag_of(step.event)}" if isinstance(step, Conclude) else type(step).__name__.lower()
    return f"{what} at {step.due.isoformat()} [{step.rule}]"


def _shift(divergence: Divergence) -> float | None:
    """Seconds the proposed step comes later (negative: earlier), when both are the same kind of step."""
    now, then = divergence.current, divergence.proposed
    if type(now) is not type(then) or isinstance(now, Done) or isinstance(then, Done):
        return None
    return (then.due - now.due).total_seconds()


def render(payments: int, found: Sequence[tuple[str, Divergence]]) -> Iterator[str]:
    """The report as text: totals, the changes by rule, then the first payments that differ."""
    yield f"{payments} payments replayed; {len(found)} would have been decided differently (shift: + is later)"
    changes = Counter((d.current.rule, d.proposed.rule, type(d.current) is type(d.proposed)) for _, d in found)
    for (before, after, same_kind), count in changes.most_common():
        shifts = [s for _, d in found if (d.current.rule, d.proposed.rule) == (before, after)
                  if (s := _shift(d)) is not None]  # fmt: skip
        median = f", median shift {statistics.median(shifts):+.0f} s" if shifts and same_kind else ""
        yield f"  {count:>6}  {before} -> {after}{median}"
    for stream, d in found[:SHOWN]:
        yield f"  {stream} after v{d.version}: {describe(d.current)}  =>  {describe(d.proposed)}"
        if d.differing > 1:
            yield f"      (and {d.differing - 1} later moments, on a history the new policy would have changed)"
    if len(found) > SHOWN:
        yield f"  ... {len(found) - SHOWN} more (--json lists them all)"


def _json(payments: int, found: Sequence[tuple[str, Divergence]]) -> dict[str, Any]:
    return {
        "payments": payments,
        "differing": len(found),
        "divergences": [
            {"payment": stream, "version": d.version, "at": d.at.isoformat(), "current": describe(d.current),
             "proposed": describe(d.proposed), "current_rule": d.current.rule, "proposed_rule": d.proposed.rule,
             "shift_seconds": _shift(d), "later_moments": d.differing - 1}
            for stream, d in found
        ],
    }  # fmt: skip
