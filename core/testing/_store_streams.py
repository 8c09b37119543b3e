"""The per-stream half of ``EventStoreContract``: reading, appending, optimistic concurrency, idempotency.

Also the event builders both halves use. See ``payfold.testing.EventStoreContract``.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Final

import pytest

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
from payfold._store import EventStore

T0: Final = datetime(2026, 1, 1, tzinfo=UTC)
_streams = itertools.count()


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def created(
    payment_id: str, at: datetime = T0, *, provider: str = "tranzzo", reference: str | None = None
) -> PaymentCreated:
    """A valid first event for stream ``payment_id``; its merchant reference defaults to ``ref-<payment_id>``."""
    return PaymentCreated(
        at=at,
        payment_id=payment_id,
        provider=provider,
        amount=1000,
        currency="XTS",
        reference=f"ref-{payment_id}" if reference is None else reference,
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


class StreamContract:
    """What one stream promises: appends in order, conflicts on a stale version, the same event stored once."""

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

    async def test_read_after_a_version_returns_only_the_later_events(self, store: EventStore) -> None:
        """What a runner holding a folded state reads: only what came after it (DESIGN §7, issue 10)."""
        events: list[Event] = [created("p1"), *(sent(n) for n in range(1, 6))]
        await store.append("p1", events, expected_version=0)
        everything = await store.read_records("p1")
        for held in range(len(events) + 2):
            later = await store.read_records("p1", after_version=held)
            assert later == everything[held:], held
            assert [record.version for record in later] == list(range(held + 1, len(events) + 1))
        assert await store.read_records("nobody", after_version=3) == []

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
