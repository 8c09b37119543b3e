"""``payfold show LOG PAYMENT`` and ``payfold review LOG``: one payment as an operator needs it, and the list of
payments waiting for an operator."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from payfold import (
    Event,
    FailedManually,
    Payment,
    PaymentCreated,
    ProviderAnswer,
    ReviewRequired,
    SettledManually,
    fold,
    tag_of,
    timeline,
    to_decimal_text,
)
from payfold.adapters.cli._explain import describe, step_text


def add_parsers(commands: Any) -> None:
    """Register ``payfold show`` and ``payfold review``."""
    show = commands.add_parser("show", help="one payment: amount, reference, review, decisions, answers, next step")
    show.add_argument("db", help="a SQLite file or a postgresql:// DSN")
    show.add_argument("payment", help="the payment id")
    show.add_argument("--raw", action="store_true", help="also print each answer's redacted headers and body")
    show.add_argument("--json", action="store_true", help="one JSON object instead of text")
    show.set_defaults(run=lambda args: asyncio.run(_show(args)))
    review = commands.add_parser("review", help="payments under review: reason, age, what the provider last said")
    review.add_argument("db", help="a SQLite file or a postgresql:// DSN")
    review.add_argument("--json", action="store_true", help="one JSON object instead of text")
    review.set_defaults(run=lambda args: asyncio.run(_review(args)))


async def _show(args: argparse.Namespace) -> int:
    from payfold.adapters.cli import policy_for, read_payment

    events = await read_payment(args.db, args.payment)
    moments = timeline(events, policy_for(events))
    state = fold(events)
    if args.json:
        print(json.dumps(show_json(state, events, moments, raw=args.raw)))
    else:
        for line in show_lines(state, events, moments, raw=args.raw, now=datetime.now(UTC)):
            print(line)
    return 0


def _money(state: Payment) -> str:
    try:
        return f"{to_decimal_text(state.amount, state.currency)} {state.currency} ({state.amount} minor units)"
    except Exception:  # an unknown currency in an old log still shows its minor units
        return f"{state.amount} minor units of {state.currency}"


def _review_of(events: Sequence[Event]) -> ReviewRequired | None:
    return next((e for e in reversed(events) if isinstance(e, ReviewRequired)), None)


def _decisions(events: Sequence[Event]) -> list[SettledManually | FailedManually]:
    return [e for e in events if isinstance(e, SettledManually | FailedManually)]


def show_lines(
    state: Payment, events: Sequence[Event], moments: Sequence[Any], *, raw: bool, now: datetime
) -> Iterator[str]:
    """The payment as text."""
    yield f"{state.payment_id} ({state.provider}) {_money(state)} reference {state.reference}"
    yield f"  status: {state.status.value}" + (
        f", provider reference {state.provider_ref}" if state.provider_ref else ""
    )
    review = _review_of(events)
    if state.needs_review and review is not None:
        yield f"  under review since {review.at.isoformat()}: {review.reason} ({review.detail})"
    for decision in _decisions(events):
        yield f"  decided {tag_of(decision)} by {decision.operator} at {decision.at.isoformat()}: {decision.note}"
    for moment in moments:
        at = moment.event.at.isoformat()
        yield f"  v{moment.version:<3} {at}  {describe(moment.event):<44} -> {moment.status.value}"
        if raw and isinstance(moment.event, ProviderAnswer):
            wire = moment.event.wire
            for name, value in wire.headers:
                yield f"        {name}: {value}"
            if wire.error is not None:
                yield f"        transport error: {wire.error}"
            yield "        " + wire.body.decode("utf-8", "replace")[:4000].replace("\n", "\n        ")
    if moments:
        last = moments[-1]
        due = getattr(last.step, "due", None)
        when = "" if due is None else f" ({_relative(due, now)})"
        yield f"  next: {step_text(last.step)}{when} [{last.rule.id}]"


def _relative(due: datetime, now: datetime) -> str:
    seconds = (due - now).total_seconds()
    return f"in {seconds:,.0f} s" if seconds >= 0 else f"overdue by {-seconds:,.0f} s"


def show_json(state: Payment, events: Sequence[Event], moments: Sequence[Any], *, raw: bool) -> dict[str, Any]:
    """The payment as JSON."""
    from payfold.adapters.cli._explain import moment_json

    review = _review_of(events) if state.needs_review else None
    entries = []
    for moment in moments:
        entry = moment_json(moment)
        if isinstance(moment.event, ProviderAnswer):
            wire = moment.event.wire
            entry["answer"] = {"operation": wire.operation, "status": wire.status, "error": wire.error}
            if raw:
                entry["answer"]["headers"] = [list(h) for h in wire.headers]
                entry["answer"]["body"] = wire.body.decode("utf-8", "replace")
        entries.append(entry)
    created = events[0]
    return {
        "payment_id": state.payment_id, "provider": state.provider, "amount": state.amount,
        "currency": state.currency, "reference": state.reference, "status": state.status.value,
        "provider_ref": state.provider_ref,
        "details": dict(created.details) if isinstance(created, PaymentCreated) else {},
        "review": None if review is None else {"reason": review.reason, "detail": review.detail,
                                               "since": review.at.isoformat()},
        "decisions": [{"outcome": tag_of(d), "operator": d.operator, "note": d.note, "at": d.at.isoformat()}
                      for d in _decisions(events)],
        "events": entries,
        "next": entries[-1]["step"] if entries else None,
    }  # fmt: skip


async def _review(args: argparse.Namespace) -> int:
    from payfold.adapters.cli import _open
    from payfold.adapters.operate import review

    store = await _open(args.db)
    try:
        entries = [entry async for entry in review(store)]
    finally:
        await store.close()
    now = datetime.now(UTC)
    if args.json:
        print(json.dumps({"under_review": [
            {"payment_id": e.payment_id, "provider": e.provider, "amount": e.amount, "currency": e.currency,
             "reference": e.reference, "reason": e.reason, "detail": e.detail, "since": e.since.isoformat(),
             "age_seconds": round((now - e.since).total_seconds(), 3), "last_answer": e.last_answer}
            for e in entries
        ]}))  # fmt: skip
        return 0
    print(f"{len(entries)} payments under review")
    for e in entries:
        age = _age(now - e.since)
        said = e.last_answer or "nothing"
        print(f"  {e.payment_id}  {e.reason:<18} {age:>8}  {e.provider} {e.amount} {e.currency} {e.reference}  "
              f"last said: {said}")  # fmt: skip
    return 0


def _age(span: Any) -> str:
    seconds = max(0, int(span.total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
