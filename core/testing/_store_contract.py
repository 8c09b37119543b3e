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
from collections.abc import AsyncIterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfold import ConcurrencyConflict, Event, RequestSent
from payfold._store import EventStore, StreamAppend

from ._store_streams import StreamContract, _at, created, fresh, sent, unknown


class EventStoreContract(StreamContract):
    """The behaviour every ``EventStore`` promises. No ``Test`` prefix: pytest collects only the subclasses."""

    @pytest.fixture
    async def store(self) -> AsyncIterator[EventStore]:
        """Override: yield a fresh, empty store and close it afterwards."""
        raise NotImplementedError
        yield

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

    # --- the reference index ----------------------------------------------------------------------------

    async def test_find_names_the_stream_a_created_event_was_stored_in(self, store: EventStore) -> None:
        await store.append("pay-1", [created("p1", reference="order-1"), sent(1)], expected_version=0)
        await store.append_many(
            [
                StreamAppend(stream="pay-2", events=[created("p2", reference="order-2")], expected_version=0),
                StreamAppend(stream="pay-1", events=[unknown(2)], expected_version=2),
                StreamAppend(stream="pay-3", events=[created("p3", provider="flutterwave")], expected_version=0),
            ]
        )
        assert await store.find("tranzzo", "order-1") == "pay-1"
        assert await store.find("tranzzo", "order-2") == "pay-2"
        assert await store.find("flutterwave", "ref-p3") == "pay-3"

    async def test_find_answers_none_for_a_reference_nobody_created(self, store: EventStore) -> None:
        await store.append("pay-1", [created("p1", reference="order-1")], expected_version=0)
        assert await store.find("tranzzo", "order-2") is None
        assert await store.find("flutterwave", "order-1") is None  # another provider's reference
        assert await store.find("tranzzo", "") is None

    async def test_the_first_stream_keeps_a_shared_reference(self, store: EventStore) -> None:
        """A provider refuses a second order with a reference it has seen: the index names the first payment."""
        await store.append("first", [created("first", reference="order-1")], expected_version=0)
        result = await store.append("second", [created("second", reference="order-1")], expected_version=0)
        assert result.appended == 1  # the second payment is stored all the same
        await store.append_many(
            [
                StreamAppend(stream="third", events=[created("third", reference="order-2")], expected_version=0),
                StreamAppend(stream="fourth", events=[created("fourth", reference="order-2")], expected_version=0),
            ]
        )
        assert await store.find("tranzzo", "order-1") == "first"
        assert await store.find("tranzzo", "order-2") == "third"

    async def test_a_failed_append_adds_no_reference(self, store: EventStore) -> None:
        await store.append("a", [created("a")], expected_version=0)
        with pytest.raises(ConcurrencyConflict):
            await store.append_many(
                [
                    StreamAppend(stream="b", events=[created("b", reference="order-b")], expected_version=0),
                    StreamAppend(stream="a", events=[sent(1)], expected_version=0),
                ]
            )
        with pytest.raises(ConcurrencyConflict):
            await store.append("c", [created("c", reference="order-c")], expected_version=1)
        assert await store.find("tranzzo", "order-b") is None
        assert await store.find("tranzzo", "order-c") is None
        await store.append("late", [created("late", reference="order-b")], expected_version=0)
        assert await store.find("tranzzo", "order-b") == "late"

    async def test_a_retried_creation_keeps_its_reference(self, store: EventStore) -> None:
        await store.append("a", [created("a", reference="order-1")], expected_version=0)
        await store.append("a", [sent(1)], expected_version=1)
        retry = await store.append("a", [created("a", reference="order-1")], expected_version=0)
        assert (retry.appended, retry.duplicates) == (0, 1)
        assert await store.find("tranzzo", "order-1") == "a"

    @settings(
        max_examples=30,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
        deadline=None,
    )
    @given(
        ops=st.lists(
            st.tuples(st.integers(0, 3), st.sampled_from(["tranzzo", "flutterwave"]), st.integers(0, 2), st.booleans()),
            min_size=1,
            max_size=10,
        )
    )
    async def test_find_matches_a_model_of_first_creations(
        self, store: EventStore, ops: list[tuple[int, str, int, bool]]
    ) -> None:
        """Payments created, retried and refused in any order: ``find`` names, for every key, the first stream
        whose creation was stored, and nothing for a key only refused appends named."""
        prefix = fresh("index")  # the store lives across examples: every example uses its own names
        lengths = [0, 0, 0, 0]
        index: dict[tuple[str, str], str] = {}
        for stream_n, provider, reference_n, stale in ops:
            stream, reference = f"{prefix}-{stream_n}", f"{prefix}-order-{reference_n}"
            event = created(stream, provider=provider, reference=reference)
            expected = lengths[stream_n] + 1 if stale else 0
            try:
                result = await store.append(stream, [event], expected)
            except ConcurrencyConflict:
                continue
            assert not stale
            if result.appended:
                assert lengths[stream_n] == 0
                lengths[stream_n] = 1
                index.setdefault((provider, reference), stream)
        for provider in ("tranzzo", "flutterwave"):
            for reference_n in range(3):
                key = (provider, f"{prefix}-order-{reference_n}")
                assert await store.find(*key) == index.get(key), key

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
