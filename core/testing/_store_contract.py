"""EventStoreContract: the one test class every store's tests subclass (a user's own store too).

Subclass it and provide an async ``store`` fixture yielding a fresh, empty store::

    class TestMyStore(EventStoreContract):
        @pytest.fixture
        async def store(self) -> AsyncIterator[EventStore]:
            store = await MyStore.open(...)
            yield store
            await store.close()

Needs pytest with pytest-asyncio (``asyncio_mode = "auto"``) and hypothesis.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfold import (
    SCHEMA_VERSION,
    ConcurrencyConflict,
    Event,
    OutcomeUnknown,
    PaymentCreated,
    RequestSent,
    Status,
    Wire,
    encode,
    event_id,
    fold,
    tag_of,
)
from payfold._store import EventStore, StreamAppend

T0: Final = datetime(2026, 1, 1, tzinfo=UTC)
_streams = itertools.count()


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def created(payment_id: str, at: datetime = T0) -> PaymentCreated:
    """A valid first event for stream ``payment_id``."""
    return PaymentCreated(
        at=at, payment_id=payment_id, provider="tranzzo", amount=1000, currency="XTS", reference=f"ref-{payment_id}"
    )


def sent(n: int) -> RequestSent:
    """The ``n``-th charge request (a distinct event for each ``n``)."""
    return RequestSent(at=_at(n), operation="charge", attempt=n)


def unknown(n: int) -> OutcomeUnknown:
    """An ambiguous answer ``n`` seconds in."""
    wire = Wire(operation="charge", sent_at=_at(n), received_at=_at(n), error="timeout")
    return OutcomeUnknown(at=_at(n), wire=wire, cause="timeout")


def fresh(prefix: str = "s") -> str:
    """A stream name no other test in this process uses."""
    return f"{prefix}-{next(_streams)}"


class EventStoreContract:
    """The behaviour every ``EventStore`` promises. No ``Test`` prefix: pytest collects only the subclasses."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[EventStore]:
        """Override: yield a fresh, empty store and close it afterwards."""
        raise NotImplementedError
        yield

    # --- reading and appending ---------------------------------------------------------------------------

    async def test_is_an_event_store(self, store: EventStore) -> None:
        assert isinstance(store, EventStore)

    async def test_unknown_stream_is_empty(self, store: EventStore) -> None:
        assert await store.read("nobody") == []
        assert await store.read_records("nobody") == []
        assert await store.version("nobody") == 0

    async def test_append_then_read_round_trips(self, store: EventStore) -> None:
        events: list[Event] = [created("p1"), sent(1), unknown(2)]
        result = await store.append("p1", events, expected_version=0)
        assert (result.stream, result.version, result.appended, result.duplicates) == ("p1", 3, 3, 0)
        assert await store.read("p1") == events
        assert await store.version("p1") == 3
        assert fold(await store.read("p1")).status is Status.PENDING

    async def test_appends_accumulate(self, store: EventStore) -> None:
        await store.append("p1", [created("p1")], expected_version=0)
        result = await store.append("p1", [sent(1)], expected_version=1)
        assert result.version == 2
        assert await store.read("p1") == [created("p1"), sent(1)]

    async def test_records_carry_storage_facts(self, store: EventStore) -> None:
        events: list[Event] = [created("p1"), sent(1)]
        await store.append("p1", events, expected_version=0)
        records = await store.read_records("p1")
        assert [r.version for r in records] == [1, 2]
        assert [r.tag for r in records] == [tag_of(e) for e in events]
        assert {r.schema_version for r in records} == {SCHEMA_VERSION}
        assert [r.data for r in records] == [encode(e) for e in events]
        assert [r.id for r in records] == [event_id(encode(e)) for e in events]
        assert [r.event() for r in records] == events
        assert records[0].position < records[1].position
        assert len({r.hash for r in records}) == 2
        assert await store.read_records("p1", after_version=1) == records[1:]

    async def test_streams_are_independent(self, store: EventStore) -> None:
        await store.append("a", [created("a")], expected_version=0)
        await store.append("b", [created("b"), sent(1)], expected_version=0)
        assert await store.read("a") == [created("a")]
        assert await store.version("b") == 2

    async def test_unicode_stream_names(self, store: EventStore) -> None:
        await store.append("платіж/1 ✓", [created("p")], expected_version=0)
        assert await store.read("платіж/1 ✓") == [created("p")]

    # --- optimistic concurrency --------------------------------------------------------------------------

    async def test_stale_expected_version_is_rejected(self, store: EventStore) -> None:
        await store.append("p1", [created("p1")], expected_version=0)
        with pytest.raises(ConcurrencyConflict) as caught:
            await store.append("p1", [sent(1)], expected_version=0)
        assert (caught.value.stream, caught.value.expected, caught.value.actual) == ("p1", 0, 1)
        assert await store.read("p1") == [created("p1")]

    async def test_expected_version_ahead_is_rejected(self, store: EventStore) -> None:
        with pytest.raises(ConcurrencyConflict) as caught:
            await store.append("p1", [created("p1")], expected_version=3)
        assert caught.value.actual == 0
        assert await store.read("p1") == []

    async def test_negative_expected_version_is_a_value_error(self, store: EventStore) -> None:
        with pytest.raises(ValueError, match="expected_version"):
            await store.append("p1", [created("p1")], expected_version=-1)

    async def test_naive_due_is_a_value_error(self, store: EventStore) -> None:
        with pytest.raises(ValueError, match="due"):
            await store.append("p1", [created("p1")], expected_version=0, due=datetime(2026, 1, 1))
        assert await store.read("p1") == []

    async def test_empty_append_checks_the_version(self, store: EventStore) -> None:
        await store.append("p1", [created("p1")], expected_version=0)
        result = await store.append("p1", [], expected_version=1)
        assert (result.version, result.appended, result.duplicates) == (1, 0, 0)
        with pytest.raises(ConcurrencyConflict):
            await store.append("p1", [], expected_version=0)

    async def test_conflict_leaves_batch_unwritten(self, store: EventStore) -> None:
        await store.append("p1", [created("p1"), sent(1)], expected_version=0)
        with pytest.raises(ConcurrencyConflict):
            await store.append("p1", [sent(5), sent(6)], expected_version=1)
        assert await store.read("p1") == [created("p1"), sent(1)]

    # --- idempotency by event id -------------------------------------------------------------------------

    async def test_same_event_twice_is_stored_once(self, store: EventStore) -> None:
        await store.append("p1", [created("p1"), sent(1)], expected_version=0)
        result = await store.append("p1", [sent(1)], expected_version=2)
        assert (result.version, result.appended, result.duplicates) == (2, 0, 1)
        assert await store.read("p1") == [created("p1"), sent(1)]

    async def test_duplicates_within_one_append_are_stored_once(self, store: EventStore) -> None:
        result = await store.append("p1", [created("p1"), sent(1), sent(1)], expected_version=0)
        assert (result.version, result.appended, result.duplicates) == (2, 2, 1)
        assert await store.read("p1") == [created("p1"), sent(1)]

    async def test_retried_append_is_absorbed(self, store: EventStore) -> None:
        first = await store.append("p1", [created("p1"), sent(1)], expected_version=0)
        retry = await store.append("p1", [created("p1"), sent(1)], expected_version=0)
        assert (retry.version, retry.appended, retry.duplicates) == (first.version, 0, 2)
        assert await store.version("p1") == 2

    async def test_retry_after_later_appends_is_absorbed_at_its_place(self, store: EventStore) -> None:
        await store.append("p1", [created("p1")], expected_version=0, due=_at(10))
        await store.append("p1", [sent(1)], expected_version=1, due=_at(20))
        retry = await store.append("p1", [created("p1")], expected_version=0, due=_at(10))
        assert (retry.version, retry.appended, retry.duplicates) == (1, 0, 1)
        assert [d.at for d in await store.due(_at(100))] == [_at(20)]

    async def test_partly_stored_retry_appends_the_rest(self, store: EventStore) -> None:
        await store.append("p1", [created("p1")], expected_version=0)
        result = await store.append("p1", [created("p1"), sent(1)], expected_version=0)
        assert (result.version, result.appended, result.duplicates) == (2, 1, 1)
        assert await store.read("p1") == [created("p1"), sent(1)]

    async def test_stale_append_of_other_events_is_a_conflict(self, store: EventStore) -> None:
        await store.append("p1", [created("p1"), sent(1)], expected_version=0)
        with pytest.raises(ConcurrencyConflict):
            await store.append("p1", [created("p1"), sent(2)], expected_version=0)
        with pytest.raises(ConcurrencyConflict):
            await store.append("p1", [sent(1)], expected_version=0)

    async def test_same_event_in_two_streams_is_stored_in_both(self, store: EventStore) -> None:
        await store.append("a", [sent(1)], expected_version=0)
        result = await store.append("b", [sent(1)], expected_version=0)
        assert result.appended == 1
        assert await store.read("b") == [sent(1)]

    # --- global order ------------------------------------------------------------------------------------

    async def test_read_all_streams_in_commit_order(self, store: EventStore) -> None:
        await store.append("a", [created("a")], expected_version=0)
        await store.append("b", [created("b"), sent(1)], expected_version=0)
        await store.append("a", [sent(2)], expected_version=1)
        records = [r async for r in store.read_all(batch=2)]
        assert [(r.stream, r.version) for r in records] == [("a", 1), ("b", 1), ("b", 2), ("a", 2)]
        positions = [r.position for r in records]
        assert positions == sorted(positions) and len(set(positions)) == 4
        later = [r async for r in store.read_all(after_position=positions[1], batch=1)]
        assert later == records[2:]
        assert [r async for r in store.read_all(after_position=positions[-1])] == []

    async def test_read_all_sees_appends_made_while_iterating(self, store: EventStore) -> None:
        await store.append("a", [created("a"), sent(1)], expected_version=0)
        seen = []
        async for record in store.read_all(batch=1):
            seen.append(record.stream)
            if len(seen) == 1:
                await store.append("b", [created("b")], expected_version=0)
        assert seen == ["a", "a", "b"]

    # --- group commit ------------------------------------------------------------------------------------

    async def test_append_many_commits_every_stream(self, store: EventStore) -> None:
        await store.append("a", [created("a")], expected_version=0)
        results = await store.append_many(
            [
                StreamAppend(stream="a", events=[sent(1)], expected_version=1, due=_at(5)),
                StreamAppend(stream="b", events=[created("b")], expected_version=0),
            ]
        )
        assert [(r.stream, r.version, r.appended) for r in results] == [("a", 2, 1), ("b", 1, 1)]
        assert await store.read("a") == [created("a"), sent(1)]
        assert [d.stream for d in await store.due(_at(5))] == ["a"]

    async def test_append_many_is_all_or_nothing(self, store: EventStore) -> None:
        await store.append("a", [created("a")], expected_version=0)
        with pytest.raises(ConcurrencyConflict) as caught:
            await store.append_many(
                [
                    StreamAppend(stream="b", events=[created("b")], expected_version=0, due=_at(1)),
                    StreamAppend(stream="a", events=[sent(1)], expected_version=0),
                ]
            )
        assert caught.value.stream == "a"
        assert await store.read("b") == []
        assert await store.due(_at(100)) == []

    async def test_append_many_same_stream_twice_is_sequential(self, store: EventStore) -> None:
        results = await store.append_many(
            [
                StreamAppend(stream="a", events=[created("a")], expected_version=0),
                StreamAppend(stream="a", events=[sent(1)], expected_version=1),
            ]
        )
        assert [r.version for r in results] == [1, 2]
        assert await store.read("a") == [created("a"), sent(1)]

    # --- the due projection ------------------------------------------------------------------------------

    async def test_due_lists_streams_due_earliest_first(self, store: EventStore) -> None:
        await store.append("late", [created("late")], expected_version=0, due=_at(30))
        await store.append("early", [created("early")], expected_version=0, due=_at(10))
        await store.append("never", [created("never")], expected_version=0)
        await store.append("future", [created("future")], expected_version=0, due=_at(99))
        due = await store.due(_at(30))
        assert [(d.stream, d.at) for d in due] == [("early", _at(10)), ("late", _at(30))]
        assert [d.stream for d in await store.due(_at(30), limit=1)] == ["early"]

    async def test_each_append_replaces_the_due_time(self, store: EventStore) -> None:
        await store.append("p1", [created("p1")], expected_version=0, due=_at(10))
        await store.append("p1", [sent(1)], expected_version=1, due=_at(50))
        assert await store.due(_at(20)) == []
        await store.append("p1", [unknown(2)], expected_version=2)
        assert await store.due(_at(1000)) == []

    async def test_due_survives_a_conflict_unchanged(self, store: EventStore) -> None:
        await store.append("p1", [created("p1")], expected_version=0, due=_at(10))
        with pytest.raises(ConcurrencyConflict):
            await store.append("p1", [sent(1)], expected_version=0, due=None)
        assert [d.at for d in await store.due(_at(10))] == [_at(10)]

    # --- the hash chain ----------------------------------------------------------------------------------

    async def test_verify_passes_on_an_untouched_log(self, store: EventStore) -> None:
        await store.append("a", [created("a"), sent(1)], expected_version=0)
        await store.append("b", [created("b")], expected_version=0)
        await store.append("a", [unknown(2)], expected_version=2)
        report = await store.verify()
        assert report.ok, report.problems
        assert (report.streams, report.events) == (2, 4)

    async def test_verify_of_an_empty_store(self, store: EventStore) -> None:
        report = await store.verify()
        assert report.ok and (report.streams, report.events) == (0, 0)

    # --- races within one process ------------------------------------------------------------------------

    async def test_racing_tasks_converge_with_retries(self, store: EventStore) -> None:
        await store.append("p1", [created("p1")], expected_version=0)
        conflicts = 0

        async def worker(n: int) -> None:
            nonlocal conflicts
            while True:
                events = await store.read("p1")
                attempt = len(events)
                await asyncio.sleep(0)  # deciding takes a moment: let the others in
                try:
                    await store.append("p1", [RequestSent(at=_at(n), operation="requery", attempt=attempt)], attempt)
                    return
                except ConcurrencyConflict:
                    conflicts += 1
                    await asyncio.sleep(0)

        await asyncio.gather(*(worker(n) for n in range(12)))
        events = await store.read("p1")
        assert len(events) == 13
        assert [e.attempt for e in events[1:] if isinstance(e, RequestSent)] == list(range(1, 13))
        assert sorted(e.at for e in events[1:]) == [_at(n) for n in range(12)]
        assert conflicts > 0
        assert (await store.verify()).ok

    # --- a property: the store behaves like a list per stream --------------------------------------------

    @settings(
        max_examples=40,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
        deadline=None,
    )
    @given(ops=st.lists(st.tuples(st.integers(0, 5), st.integers(-1, 1)), min_size=1, max_size=12))
    async def test_appends_match_a_list_model(self, store: EventStore, ops: list[tuple[int, int]]) -> None:
        stream = fresh()
        model: list[Event] = []
        for n, skew in ops:
            event = sent(n)
            expected = max(len(model) + skew, 0)
            try:
                result = await store.append(stream, [event], expected)
            except ConcurrencyConflict:
                absorbed = expected < len(model) and model[expected] == event
                assert not absorbed and expected != len(model)
                continue
            if expected == len(model) and event not in model:
                model.append(event)
                assert (result.appended, result.version) == (1, len(model))
            else:
                assert result.appended == 0 and result.duplicates == 1
        assert await store.read(stream) == model
        assert (await store.verify()).ok
