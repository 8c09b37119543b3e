"""Verdict notifications: at least once, resumable from a checkpoint, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from payfold import (
    Event,
    FailedManually,
    OutcomeUnknown,
    PaymentCreated,
    PaymentFailed,
    RequestSent,
    ReviewRequired,
)
from payfold.adapters.notify import Notice, subscribe, verdicts
from payfold.adapters.stores.postgres import PostgresStore
from payfold.adapters.stores.sqlite import SqliteStore
from payfold.testing import wire

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def _open_payment(payment: str) -> list[Event]:
    return [
        PaymentCreated(at=T0, payment_id=payment, provider="tranzzo", amount=100, currency="UAH",
                       reference=f"order-{payment}"),
        RequestSent(at=T0 + timedelta(seconds=1), operation="charge", attempt=1),
        OutcomeUnknown(at=T0 + timedelta(seconds=2), wire=wire("charge", T0 + timedelta(seconds=2), status=502),
                       cause="nginx"),
    ]  # fmt: skip


async def _conclude(store: Any, payment: str, manual: bool = False) -> None:
    at = T0 + timedelta(seconds=5)
    if manual:
        events: list[Event] = [
            ReviewRequired(at=at, reason="deadline", detail="x"),
            FailedManually(at=at, operator="ana", note="no debit"),
        ]
    else:
        events = [PaymentFailed(at=at, reason="declined")]
    await store.append(payment, events, 3)


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    if request.param == "sqlite":
        opened: Any = await SqliteStore.open(tmp_path / "log.db")
    else:
        opened = await PostgresStore.open(request.getfixturevalue("pg_dsn"))
    try:
        yield opened
    finally:
        await opened.close()


async def _take(subscription: Any, count: int) -> list[Notice]:
    taken: list[Notice] = []
    async with asyncio.timeout(20):
        async for notice in subscription:
            taken.append(notice)
            if len(taken) == count:
                break
    return taken


async def test_each_verdict_is_seen_once_across_a_restart_with_a_stored_checkpoint(store: Any) -> None:
    for n in range(4):
        await store.append(f"pay-{n}", _open_payment(f"pay-{n}"), 0)
    await _conclude(store, "pay-0")
    await _conclude(store, "pay-1", manual=True)
    handled: list[str] = []
    checkpoint = 0

    first = await _take(verdicts(store, after=checkpoint, poll=0.05), 2)
    for notice in first:
        handled.append(notice.payment_id)
        checkpoint = notice.position  # stored after handling: the outbox's transaction
    assert [(n.payment_id, n.outcome) for n in first] == [("pay-0", "failed"), ("pay-1", "failed")]

    # The app restarts; meanwhile two more verdicts are recorded, one while the new subscription waits.
    await _conclude(store, "pay-2")
    resumed = verdicts(store, after=checkpoint, poll=0.05)
    later = asyncio.ensure_future(_take(resumed, 2))
    await asyncio.sleep(0.2)
    await _conclude(store, "pay-3", manual=True)
    second = await later
    handled += [notice.payment_id for notice in second]
    assert handled == ["pay-0", "pay-1", "pay-2", "pay-3"], "a verdict was lost or repeated across the restart"


async def test_a_crash_before_the_checkpoint_redelivers_the_verdict(store: Any) -> None:
    await store.append("pay-a", _open_payment("pay-a"), 0)
    await _conclude(store, "pay-a")
    [seen] = await _take(verdicts(store, poll=0.05), 1)
    # The handler crashed before storing seen.position: the checkpoint is still 0, so it comes again.
    [again] = await _take(verdicts(store, after=0, poll=0.05), 1)
    assert (again.payment_id, again.position) == (seen.payment_id, seen.position)


async def test_subscribe_sees_every_event_in_order_and_close_ends_it(store: Any) -> None:
    await store.append("pay-x", _open_payment("pay-x"), 0)
    subscription = subscribe(store, poll=0.05)
    notices = await _take(subscription, 3)
    assert [n.tag for n in notices] == ["created", "request_sent", "outcome_unknown"]
    assert [n.version for n in notices] == [1, 2, 3]
    positions = [n.position for n in notices]
    assert positions == sorted(positions)
    subscription.close()
    async with asyncio.timeout(5):
        assert [n async for n in subscription] == []


def test_poll_must_be_positive() -> None:
    with pytest.raises(ValueError, match="poll must be a positive"):
        subscribe(object(), poll=0)  # type: ignore[arg-type]
