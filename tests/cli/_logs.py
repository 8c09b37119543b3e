"""Synthetic SQLite logs for the report tests and ``tests/cli/big_log.py``: valid histories, written fast.

Three kinds of payment, cycled: settled after a requery confirmed the charge, failed after a requery declined
it, and one still waiting (a timed-out charge, requeries pending, each sent when its provider's policy allowed
it). Payments are written in rounds of ``group`` streams per ``append_many`` (one transaction each), and each
payment's history is split across two rounds, so a reader of ``read_all`` sees streams interleaved as a running
system writes them. Each append sets the due time ``next_step`` gives, as the runner does: ``payfold audit``
finds nothing wrong in these logs.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from payfold import (
    ChargeAccepted,
    Done,
    Event,
    OutcomeUnknown,
    PaymentCreated,
    PaymentFailed,
    PaymentSettled,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryPending,
    RequestSent,
    Wire,
    fold,
    next_step,
)
from payfold._store import EventStore, StreamAppend
from payfold.adapters.cli import policy_of
from payfold.adapters.stores.sqlite import SqliteStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)
KINDS = ("settled", "failed", "waiting")
PROVIDERS = ("tranzzo", "flutterwave")


def _wire(operation: str, sent: datetime, received: datetime, **fields: object) -> Wire:
    """A wire answered ``received``; its latency varies with the send time (20 ms to 1 s) so percentiles differ."""
    latency = timedelta(milliseconds=20 + sent.second * 16 + sent.microsecond // 1000 % 7)
    return Wire(operation=operation, sent_at=received - latency, received_at=received, **fields)  # type: ignore[arg-type]


def history(index: int) -> list[Event]:
    """Payment ``index``'s valid history (its kind and provider cycle with the index)."""
    pid, kind, provider = f"pay-{index:07d}", KINDS[index % 3], PROVIDERS[index % 2]
    at = [T0 + timedelta(seconds=index + 90 * n) for n in range(12)]  # requeries wait out the ambiguity
    reference, ref = f"order-{index}", f"tx-{index}"
    events: list[Event] = [
        PaymentCreated(at=at[0], payment_id=pid, provider=provider, amount=1000 + index % 97, currency="XTS",
                       reference=reference),
        RequestSent(at=at[1], operation="charge"),
    ]  # fmt: skip
    amount = 1000 + index % 97
    if kind == "waiting":
        events.append(OutcomeUnknown(at=at[2], wire=_wire("charge", at[1], at[2], error="timeout"), cause="timeout"))
        for attempt in (1, 2, 3):
            step = next_step(fold(events), policy_of(provider))  # a requery, sent a second after it is due
            assert not isinstance(step, Done)
            sent = step.due + timedelta(seconds=1)
            body = b'{"status":"pending"}'
            answered = sent + timedelta(seconds=1)
            events.append(RequestSent(at=sent, operation="requery", attempt=attempt))
            events.append(RequeryPending(at=answered, wire=_wire("requery", sent, answered, status=200, body=body)))
        return events
    events.append(ChargeAccepted(at=at[2], wire=_wire("charge", at[1], at[2], status=200), provider_ref=ref))
    events.append(RequestSent(at=at[3], operation="requery"))
    answer = _wire("requery", at[3], at[4], status=200, body=b'{"status":"' + kind.encode() + b'"}')
    if kind == "settled":
        events.append(RequeryConfirmed(at=at[4], wire=answer, provider_ref=ref, reference=reference, amount=amount,
                                       currency="XTS"))  # fmt: skip
        events.append(PaymentSettled(at=at[5], provider_ref=ref))
    else:
        events.append(RequeryDeclined(at=at[4], wire=answer, code="05", reason="declined"))
        events.append(PaymentFailed(at=at[5], reason="declined"))
    return events


def due_after(events: Sequence[Event]) -> datetime | None:
    """The due time the runner would store after ``events`` (None: nothing to do)."""
    state = fold(events)
    step = next_step(state, policy_of(state.provider))
    return None if isinstance(step, Done) else step.due


def rounds(payments: int, group: int) -> Iterator[list[StreamAppend]]:
    """Round r holds the first half of payments [r*group, (r+1)*group) and the second half of the round before."""
    for start in range(0, payments + group, group):
        items: list[StreamAppend] = []
        for index in range(max(0, start - group), min(start, payments)):  # the previous round's payments, finished
            events = history(index)
            half = len(events) // 2
            items.append(
                StreamAppend(
                    stream=f"pay-{index:07d}", events=events[half:], expected_version=half, due=due_after(events)
                )
            )
        for index in range(start, min(start + group, payments)):  # this round's payments, started
            whole = history(index)
            events = whole[: len(whole) // 2]
            items.append(
                StreamAppend(stream=f"pay-{index:07d}", events=events, expected_version=0, due=due_after(events))
            )
        if items:
            yield items


async def write(store: EventStore, payments: int, *, group: int = 2000) -> int:
    """Write ``payments`` payments to ``store``; return how many events were written."""
    written = 0
    for items in rounds(payments, group):
        results = await store.append_many(items)
        written += sum(result.appended for result in results)
    return written


async def build(path: str | os.PathLike[str], events: int, *, group: int = 2000) -> int:
    """Write a log of about ``events`` events to ``path`` (a new file); return how many were written."""
    per_payment = sum(len(history(i)) for i in range(6)) / 6
    payments = max(1, round(events / per_payment))
    store = await SqliteStore.open(path)
    try:
        return await write(store, payments, group=group)
    finally:
        await store.close()


def build_sync(path: Path, events: int) -> int:
    """``build`` from synchronous code."""
    return asyncio.run(build(path, events))


def kinds_of(payments: int) -> Sequence[int]:
    """How many payments of each kind in ``KINDS`` a log of ``payments`` payments holds."""
    return [len(range(k, payments, 3)) for k in range(3)]
