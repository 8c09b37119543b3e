"""``payfold stats`` and ``payfold audit`` over a log of any size, in bounded memory.

Both follow ``read_all`` (commit order, ``BATCH`` records per query), where a payment's events arrive in version
order but interleaved with other payments'. What each keeps:

- stats: one provider name per stream (shared strings) and, per (provider, operation), counters and 8 bytes of
  latency per answer. Only creations and provider answers are decoded; the rest is counted by its tag column.
- audit: invariants 1-7 need a payment's whole history, and ``read_all`` never says a stream has ended. So a
  first pass counts each stream's events up to the log's last position (no decoding), and a second pass holds a
  stream's decoded events only until its count is reached, then judges it and lets it go. When the streams
  still open hold more than ``hold`` events together, the oldest open streams are set aside and read back alone
  (``read_records``) after the pass: memory stays bounded however the streams interleave, and a log written
  by a running system (payments that finish) rarely needs that.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Final, TypeAlias

from payfold import Event, Policy, ProviderAnswer
from payfold._events import PROVIDER_ANSWER_TAGS
from payfold._store import EventStore, Record
from payfold.adapters.cli._pace import Pace
from payfold.adapters.cli._report import Audit, OperationStats, provider_of

BATCH: Final = 2000
"""Records per ``read_all`` query: large enough that the per-query cost (a thread hop, a round trip) fades."""
HOLD: Final = 20_000
"""Decoded events the audit may hold for streams not yet complete (about 1-2 KB each)."""


async def stats_of(store: EventStore, pace: Pace) -> dict[tuple[str, str], OperationStats]:
    """Error rates, latencies and outcomes per (provider, operation), in one pass over the log."""
    stats: dict[tuple[str, str], OperationStats] = defaultdict(OperationStats)
    providers: dict[str, str] = {}
    names: dict[str, str] = {"?": "?"}  # one string per provider, shared by its streams
    async for record in store.read_all(batch=BATCH):
        pace.tick()
        if record.version == 1:
            first = record.event() if record.tag == "created" else None
            name = provider_of(first) if first is not None else "?"
            providers[record.stream] = names.setdefault(name, name)
        if record.tag in PROVIDER_ANSWER_TAGS:
            answer = record.event()
            assert isinstance(answer, ProviderAnswer)  # the tag column agrees with the bytes (verify checks it)
            stats[(providers.get(record.stream, "?"), answer.wire.operation)].add(answer)
    return dict(stats)


async def audit_of(
    store: EventStore, policy_of: Callable[[str], Policy], pace: Pace, *, hold: int = HOLD, batch: int = BATCH
) -> Audit:
    """Verify the chain, then replay every payment and check its invariants (see ``histories`` for the memory)."""
    result = Audit(chain=await store.verify())
    async for stream, events, problem in histories(store, pace, hold=hold, batch=batch):
        if problem is not None:
            result.fail(stream, problem)
        else:
            result.judge(stream, events, policy_of)
    result.violations.sort()
    return result


History: TypeAlias = tuple[str, list[Event], ValueError | None]
"""A stream, its whole history, and what made it unreadable (then the history stops before that event)."""


async def histories(store: EventStore, pace: Pace, *, hold: int = HOLD, batch: int = BATCH) -> AsyncIterator[History]:
    """Every stream's whole history, each once, holding at most about ``hold`` decoded events at a time (plus
    one count per stream). Streams come as they complete in commit order; those set aside come last, by name."""
    counts, last = await _count(store, batch)
    held: dict[str, list[Event]] = {}
    holding = 0
    aside: set[str] = set()
    async for record in store.read_all(batch=batch):
        if record.position > last:
            break  # appended after the count: not part of this reading
        expected = counts.get(record.stream)
        if expected is None or record.stream in aside:
            continue
        pace.tick()
        events = held.setdefault(record.stream, [])
        problem = _decode_into(events, record)
        holding += problem is None
        if problem is not None or len(events) >= expected:
            del held[record.stream]
            holding -= len(events)
            counts.pop(record.stream)  # later records of a stream that broke off are skipped
            yield record.stream, events, problem
            continue
        while holding > hold and held:
            oldest = next(iter(held))  # dicts keep insertion order: the stream opened first
            holding -= len(held.pop(oldest))
            aside.add(oldest)
    aside.update(held)  # an incomplete stream (a view that changed under us): read it alone as well
    for stream in sorted(aside):
        yield await _read_alone(store, stream, counts[stream], pace)


async def _count(store: EventStore, batch: int) -> tuple[dict[str, int], int]:
    """Each stream's number of events, and the last position seen (the reading's end)."""
    counts: dict[str, int] = {}
    last = 0
    async for record in store.read_all(batch=batch):
        counts[record.stream] = counts.get(record.stream, 0) + 1
        last = record.position
    return counts, last


def _decode_into(events: list[Event], record: Record) -> ValueError | None:
    """Append ``record``'s event to ``events``, or say why it cannot be read."""
    try:
        events.append(record.event())
    except ValueError as problem:  # UnreadableEvent, msgspec's errors
        return problem
    return None


async def _read_alone(store: EventStore, stream: str, count: int, pace: Pace) -> History:
    """One stream set aside during the pass: its first ``count`` events, read by themselves."""
    events: list[Event] = []
    for record in (await store.read_records(stream))[:count]:
        pace.tick()
        problem = _decode_into(events, record)
        if problem is not None:
            return stream, events, problem
    return stream, events, None
