"""Issue 8, the runner's part: no answer is ever dropped, two workers never both send one request, the policy's
timeout covers a whole exchange, conflict retries are bounded with an error naming the stream, an adapter that
raises neither stops the runner nor loses the answer, and the test worker's watcher works."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
import msgspec
import pytest

from payfold import (
    ChargeAccepted,
    Event,
    EventStore,
    Operation,
    OutcomeUnknown,
    Payment,
    PaymentCreated,
    RequeryFailed,
    RequestSent,
    ReviewRequired,
    Status,
    StreamAppend,
    WebhookReceived,
    Wire,
    fold,
)
from payfold._store import AppendResult
from payfold.adapters import tranzzo
from payfold.adapters.runner import CONFLICT_RETRIES, StreamBroken
from payfold.adapters.runner.clock import VirtualClock
from payfold.adapters.stores.memory import MemoryStore
from payfold.adapters.stores.sqlite import SqliteStore
from payfold.adapters.wire.request import HttpRequest
from payfold.testing import T0
from tests.runner._fakes import (
    FrozenClock,
    ScriptedTranzzo,
    accepted,
    created,
    ends_within,
    rendezvous,
    runner_for,
)
from tests.runner._worker import stop_when_only_reviews_remain


def hint(at: datetime) -> WebhookReceived:
    """An unsigned callback: what another writer might append to a stream at any moment."""
    return WebhookReceived(at=at, wire=Wire(operation="webhook", sent_at=at, received_at=at), signature_valid=False)


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[EventStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    sqlite = await SqliteStore.open(tmp_path / "runner.db")
    try:
        yield sqlite
    finally:
        await sqlite.close()


# --- 3. no answer is ever dropped ----------------------------------------------------------------------------


@pytest.mark.parametrize("group_commit", [True, False])
async def test_late_answer_meeting_a_version_conflict_is_appended_not_dropped(group_commit: bool) -> None:
    store = MemoryStore()

    async def answer_after_someone_else_wrote(request: httpx.Request) -> httpx.Response:
        version = await store.version("pay-1")
        await store.append("pay-1", [hint(T0 + timedelta(seconds=1))], version)  # a webhook lands meanwhile
        return accepted(request)

    script = ScriptedTranzzo(answer_after_someone_else_wrote)
    runner = runner_for(script, store, group_commit=group_commit)
    await runner.create(created())
    await runner.advance("pay-1")
    events = await store.read("pay-1")
    assert [type(e) for e in events] == [PaymentCreated, RequestSent, WebhookReceived, ChargeAccepted]
    assert fold(events).in_flight is None
    assert runner.stats.conflicts == 1 and script.charges == {"order-1": 1}
    await runner.run()  # and the payment goes on from the answer: verified, settled, one charge
    assert fold(await store.read("pay-1")).status is Status.SETTLED
    assert script.charges == {"order-1": 1}


# --- 3. two workers never both send one request --------------------------------------------------------------


async def test_two_workers_at_the_same_instant_never_both_send_one_request(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = ScriptedTranzzo(accepted)
    clock = FrozenClock(T0)
    first = runner_for(script, store, clock=clock, worker="worker")
    second = runner_for(script, store, clock=clock, worker="worker")  # the same name: only the nonce tells apart
    await first.create(created())
    rendezvous(store, monkeypatch)  # both read version 1 before either appends
    await asyncio.gather(first.advance("pay-1"), second.advance("pay-1"))
    assert script.charges == {"order-1": 1}
    sent = [e for e in await store.read("pay-1") if isinstance(e, RequestSent)]
    assert len(sent) == 1 and sent[0].sender in (first.sender, second.sender)
    assert first.sender.startswith("worker:") and first.sender != second.sender
    assert first.stats.requests["charge"] + second.stats.requests["charge"] == 1


async def test_a_request_sent_absorbed_as_a_duplicate_is_never_sent(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = ScriptedTranzzo(accepted)
    clock = FrozenClock(T0)
    first = runner_for(script, store, clock=clock, worker="w", nonce="same")
    second = runner_for(script, store, clock=clock, worker="w", nonce="same")  # byte-identical request_sent
    assert first.sender == second.sender == "w:same"
    await first.create(created())
    rendezvous(store, monkeypatch)
    await asyncio.gather(first.advance("pay-1"), second.advance("pay-1"))
    assert script.charges == {"order-1": 1}
    assert sum(isinstance(e, RequestSent) for e in await store.read("pay-1")) == 1


# --- 3. the policy's total timeout covers a whole exchange ---------------------------------------------------


async def test_policy_timeout_covers_a_whole_exchange_even_when_the_body_drips() -> None:
    async def drip() -> AsyncIterator[bytes]:
        for _ in range(60):  # 3 s in all, a byte every 0.05 s: no single read ever waits long
            await asyncio.sleep(0.05)
            yield b" "

    script = ScriptedTranzzo(lambda request: httpx.Response(200, content=drip()))
    policy = msgspec.structs.replace(tranzzo.POLICY, timeout=timedelta(seconds=300))
    runner = runner_for(script, policy=policy, clock=VirtualClock(T0, speed=1000.0))  # 300 s: 0.3 s of wall time
    await runner.create(created())
    started = time.monotonic()
    await runner.advance("pay-1")
    assert time.monotonic() - started < 1.5
    answer = (await runner.store.read("pay-1"))[-1]
    assert isinstance(answer, OutcomeUnknown)
    assert answer.cause == "timeout" and answer.wire.error == "timeout" and answer.wire.status is None
    assert runner.stats.transport_errors == {"timeout": 1}


# --- 4. conflict retries are bounded, with a clear error naming the stream -----------------------------------


async def test_a_stream_named_apart_from_its_payment_id_is_advanced_in_its_own_stream() -> None:
    store = MemoryStore()
    await store.append("x", [created(payment_id="y")], 0, due=T0)
    script = ScriptedTranzzo(accepted)
    runner = runner_for(script, store)
    await ends_within(5, runner.run())
    assert fold(await store.read("x")).status is Status.SETTLED
    assert await store.read("y") == []
    assert script.charges == {"order-1": 1} and runner.stats.conflicts == 0


async def broken_by_a_missing_middle_row(path: Path, stream: str) -> SqliteStore:
    """A SQLite store whose ``stream`` holds versions 1 and 3: version 2 was deleted behind the store's back."""
    store = await SqliteStore.open(path)
    await store.append(stream, [created(payment_id=stream)], 0, due=T0)
    await store.append(stream, [hint(T0 + timedelta(seconds=1))], 1, due=T0)
    await store.append(stream, [hint(T0 + timedelta(seconds=2))], 2, due=T0)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM payfold_events WHERE stream = ? AND version = 2", (stream,))
    db.close()
    return store


async def test_a_stream_with_a_missing_middle_row_is_a_clear_error_at_once(tmp_path: Path) -> None:
    store = await broken_by_a_missing_middle_row(tmp_path / "gap.db", "pay-1")
    script = ScriptedTranzzo(accepted)
    runner = runner_for(script, store)
    try:
        with pytest.raises(StreamBroken, match=r"^stream 'pay-1': version 2 is missing \(found version 3 after"):
            await ends_within(5, runner.advance("pay-1"))
    finally:
        await store.close()
    assert runner.stats.conflicts == 0 and script.charges == {}


class AlwaysMoving(MemoryStore):
    """A store where another writer appends to ``pay-1`` just before each of the runner's appends."""

    async def append_many(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        for stream in {item.stream for item in appends if item.stream == "pay-1" and item.expected_version > 0}:
            head = await self.version(stream)
            moved = hint(T0 + timedelta(microseconds=head))  # each one new: an identical event would be absorbed
            await super().append_many([StreamAppend(stream=stream, events=[moved], expected_version=head)])
        return await super().append_many(appends)


async def test_conflict_retries_are_bounded_with_an_error_naming_the_stream() -> None:
    script = ScriptedTranzzo(accepted)
    runner = runner_for(script, AlwaysMoving())
    await runner.create(created())
    with pytest.raises(StreamBroken, match=rf"^stream 'pay-1': gave up after {CONFLICT_RETRIES} version conflicts"):
        await ends_within(5, runner.advance("pay-1"))
    assert runner.stats.conflicts == CONFLICT_RETRIES == 16
    assert script.charges == {}


async def test_run_skips_a_broken_stream_records_why_and_still_ends(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await broken_by_a_missing_middle_row(tmp_path / "gap.db", "pay-broken")
    script = ScriptedTranzzo(accepted)
    runner = runner_for(script, store)
    try:
        await runner.create(created())
        stats = await ends_within(10, runner.run(until_idle=True))
        assert fold(await store.read("pay-1")).status is Status.SETTLED
    finally:
        await store.close()
    assert list(stats.broken) == ["pay-broken"] and "version 2 is missing" in stats.broken["pay-broken"]
    assert "skipping a broken stream" in caplog.text
    assert script.charges == {"order-1": 1}


# --- 5. translate raising neither stops Runner.run nor loses the answer ---------------------------------------


class BuggyTranzzo:
    """Tranzzo's adapter, except that translating the first answer to ``failing`` raises (an adapter bug)."""

    POLICY = tranzzo.POLICY

    def __init__(self, failing: Operation) -> None:
        self.failing: Operation | None = failing

    def translate(self, wire: Wire) -> Event:
        if wire.operation == self.failing:
            self.failing = None
            int(wire.header("retry-after") or "")  # '²' passes isdigit() and fails int()
        return tranzzo.translate(wire)

    def request(self, action: Any, payment: Payment, credentials: Any) -> HttpRequest:
        return tranzzo.request(action, payment, credentials)

    def webhook(self, headers: Any, body: bytes, secret: str, *, at: datetime) -> WebhookReceived:
        return tranzzo.webhook(headers, body, secret, at=at)


SECRET_HEADERS: Final = [(b"retry-after", "²".encode()), (b"x-secret", b"s3cret")]
SECRET_BODY: Final = b'{"card": "4111111111111111"}'


async def test_translate_raising_neither_stops_run_nor_loses_the_answer(caplog: pytest.LogCaptureFixture) -> None:
    script = ScriptedTranzzo(lambda request: httpx.Response(429, headers=SECRET_HEADERS, content=SECRET_BODY))
    runner = runner_for(script, adapter=BuggyTranzzo("charge"))
    await runner.create(created())
    stats = await ends_within(5, runner.run())
    events = await runner.store.read("pay-1")
    unknown = next(e for e in events if isinstance(e, OutcomeUnknown))
    charge = next(e for e in events if isinstance(e, RequestSent) and e.operation == "charge")
    assert unknown.cause == "adapter_error" and unknown.at == unknown.wire.received_at
    assert unknown.wire.status == 429 and unknown.wire.method == "POST" and unknown.wire.error is None
    assert unknown.wire.url == charge.url and unknown.wire.sent_at == charge.at
    assert unknown.wire.headers == () and unknown.wire.body == b""  # an adapter that failed redacted nothing
    assert fold(events).status is Status.SETTLED  # an ambiguous charge: requeried, never resent
    assert script.charges == {"order-1": 1} and stats.adapter_errors == 1
    assert "could not translate a charge answer (status 429)" in caplog.text and "ValueError" in caplog.text


async def test_translate_raising_on_a_requery_answer_is_a_failed_requery() -> None:
    runner = runner_for(ScriptedTranzzo(accepted), adapter=BuggyTranzzo("requery"))
    await runner.create(created())
    await ends_within(5, runner.run())
    events = await runner.store.read("pay-1")
    failed = next(e for e in events if isinstance(e, RequeryFailed))
    assert failed.reason == "adapter_error" and failed.wire.status == 200 and failed.wire.body == b""
    assert fold(events).status is Status.SETTLED and runner.stats.adapter_errors == 1


# --- 7. the test worker's watcher -----------------------------------------------------------------------------


async def under_review(store: EventStore, stream: str) -> None:
    """A payment whose charge was ambiguous and whose deadline passed: requeried forever, a human's to decide."""
    sent = RequestSent(at=T0, operation="charge")
    wire = Wire(operation="charge", sent_at=T0, received_at=T0, error="timeout")
    events: list[Event] = [
        created(payment_id=stream),
        sent,
        OutcomeUnknown(at=T0, wire=wire, cause="timeout"),
        ReviewRequired(at=T0, reason="deadline"),
    ]
    await store.append(stream, events, 0, due=T0 + timedelta(days=1))


async def test_stop_when_only_reviews_remain_stops_the_runner() -> None:
    store = MemoryStore()
    runner = runner_for(ScriptedTranzzo(accepted), store)
    await under_review(store, "pay-1")
    await under_review(store, "pay-2")
    assert fold(await store.read("pay-1")).needs_review
    await asyncio.wait_for(stop_when_only_reviews_remain(runner), 5)
    await asyncio.wait_for(runner.run(until_idle=False), 1)  # stopped: returns at once


async def test_stop_when_only_reviews_remain_waits_while_other_work_is_due() -> None:
    store = MemoryStore()
    runner = runner_for(ScriptedTranzzo(accepted), store)
    await under_review(store, "pay-1")
    await runner.create(created(2))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(stop_when_only_reviews_remain(runner), 1.2)


# --- a payment whose request cannot be built stops only itself --------------------------------------------------


class PickyTranzzo(BuggyTranzzo):
    """Tranzzo's adapter, except that building any request for ``order-2`` raises (its details are unusable)."""

    def __init__(self) -> None:
        super().__init__("webhook")

    def request(self, action: Any, payment: Payment, credentials: Any) -> HttpRequest:
        if payment.reference == "order-2":
            raise ValueError("the payment's details hold no card token")
        return tranzzo.request(action, payment, credentials)


async def test_a_request_that_cannot_be_built_skips_its_payment_and_run_goes_on() -> None:
    script = ScriptedTranzzo(accepted)
    runner = runner_for(script, adapter=PickyTranzzo())
    await runner.create(created(1))
    await runner.create(created(2))
    stats = await ends_within(10, runner.run(until_idle=True))
    assert (await runner.payment("pay-1")).status is Status.SETTLED
    assert list(stats.broken) == ["pay-2"] and "no card token" in stats.broken["pay-2"]
    assert (await runner.payment("pay-2")).version == 1  # nothing was recorded as sent
    assert script.charges == {"order-1": 1}
