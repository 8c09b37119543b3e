"""``payfold explain LOG PAYMENT``: a payment's timeline, each event with the status after it, the step then due
(absolute time), the rule that chose it and the events it relied on."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from payfold import Conclude, Done, FailedManually, Moment, Poll, ProviderAnswer, SettledManually, Step, tag_of
from payfold import timeline as timeline_of


def add_parser(commands: Any) -> None:
    """Register ``payfold explain`` on the CLI's subcommands."""
    explain = commands.add_parser("explain", help="a payment's timeline: each step and the rule behind it")
    explain.add_argument("db", help="a SQLite file or a postgresql:// DSN")
    explain.add_argument("payment", help="the payment id")
    explain.add_argument("--at", metavar="TIME", type=moment, help="stop at this moment (ISO 8601)")
    explain.add_argument("--json", action="store_true", help="one JSON object instead of text")
    explain.set_defaults(run=lambda args: asyncio.run(_explain(args)))


def moment(text: str) -> datetime:
    """An ISO 8601 time; one without an offset is read as UTC."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time (e.g. 2026-12-02T10:00:00Z)") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


async def _explain(args: argparse.Namespace) -> int:
    from payfold.adapters.cli import policy_for, read_payment

    events = await read_payment(args.db, args.payment)
    policy = policy_for(events)
    moments = timeline_of(events, policy, until=args.at)
    if args.json:
        print(json.dumps({"payment": args.payment, "provider": getattr(events[0], "provider", "?"),
                          "timeline": [moment_json(m) for m in moments]}))  # fmt: skip
        return 0
    for line in lines(args.payment, events, moments):
        print(line)
    return 0


def lines(payment: str, events: Sequence[Any], moments: Sequence[Moment]) -> Iterator[str]:
    """The timeline as text: two lines per event (what happened; what was then due and why)."""
    first = events[0]
    yield (
        f"{payment} ({first.provider}) {first.amount} {first.currency} reference {first.reference}"
        if hasattr(first, "reference") else payment
    )  # fmt: skip
    for m in moments:
        yield f"  v{m.version:<3} {m.event.at.isoformat()}  {describe(m.event):<44} -> {m.status.value}"
        relied = ", ".join(f"v{v}" for v in m.relied_on) or "-"
        yield f"        next: {step_text(m.step)}  [{m.rule.id}] {m.rule.statement} (relies on {relied})"
    if moments and len(moments) < len(events):
        yield f"  ... {len(events) - len(moments)} later events not shown (--at)"


def describe(event: Any) -> str:
    """An event's tag with what matters most about it (who decided, what the provider answered)."""
    tag = tag_of(event)
    if isinstance(event, SettledManually | FailedManually):
        return f"{tag} by {event.operator}: {event.note}"
    if isinstance(event, ProviderAnswer):
        wire = event.wire
        status = "no answer" if wire.status is None else f"HTTP {wire.status}"
        return f"{tag} ({wire.operation}, {status})"
    for name in ("operation", "reason", "cause"):
        value = getattr(event, name, None)
        if value:
            return f"{tag} ({value})"
    return tag


def step_text(step: Step) -> str:
    """A step with its absolute due time."""
    if isinstance(step, Done):
        return "nothing until something new arrives"
    if isinstance(step, Conclude):
        return f"record {tag_of(step.event)} at {step.due.isoformat()}"
    kind = {"SendCharge": "send the charge", "Requery": "requery", "Poll": "poll the ping URL"}[type(step).__name__]
    if isinstance(step, Poll):
        kind = "poll the ping URL"
    return f"{kind} at {step.due.isoformat()}"


def moment_json(m: Moment) -> dict[str, Any]:
    """One moment as JSON."""
    step: dict[str, Any] = {"kind": type(m.step).__name__}
    if not isinstance(m.step, Done):
        step["due"] = m.step.due.isoformat()
    if isinstance(m.step, Conclude):
        step["event"] = tag_of(m.step.event)
    event: dict[str, Any] = {"tag": tag_of(m.event), "at": m.event.at.isoformat()}
    if isinstance(m.event, SettledManually | FailedManually):
        event.update(operator=m.event.operator, note=m.event.note)
    return {
        "version": m.version, "event": event, "status": m.status.value, "step": step,
        "rule": {"id": m.rule.id, "statement": m.rule.statement, "source": m.rule.source},
        "relied_on": list(m.relied_on),
    }  # fmt: skip
