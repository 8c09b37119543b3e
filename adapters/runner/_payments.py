"""The runner's view of the log: read and fold a payment, append with its due time, record a fact at the head.

Reads are incremental: the fold of what was read or written last is kept in a ``StateCache`` and only the events
after its version are read and folded on top (see ``_cache``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from payfold import (
    AppendResult,
    ConcurrencyConflict,
    Done,
    Due,
    Event,
    IllegalTransition,
    Payment,
    Policy,
    UnreadableEvent,
    evolve,
    fold,
    next_step,
    tag_of,
)
from payfold._store import EventStore, StreamAppend
from payfold.adapters.runner._cache import StateCache
from payfold.adapters.runner._committer import GroupCommitter
from payfold.adapters.runner._streams import CONFLICT_RETRIES, StreamBroken, check_versions, too_many_conflicts

log = logging.getLogger("payfold.runner")

_FAR_FUTURE: Final = datetime(9999, 1, 1, tzinfo=UTC)


class PaymentLog:
    """Payments in ``store``: every append carries the due time ``next_step`` gives the state after it (the
    store's due projection is written in the same transaction), through ``committer`` when one is given. Folded
    states are kept in ``cache``: a load reads only the events after the cached version."""

    def __init__(
        self,
        store: EventStore,
        committer: GroupCommitter | None,
        policy_of: Callable[[Payment], Policy],
        on_conflict: Callable[[ConcurrencyConflict, str], None],
        cache: StateCache | None = None,
    ) -> None:
        self.store = store
        self._committer = committer
        self._policy_of = policy_of
        self._on_conflict = on_conflict
        self.cache = StateCache() if cache is None else cache

    async def record_fact(self, stream: str, event: Event, state: Payment) -> Payment:
        """Append a fact (an answer, a webhook) at the head of ``stream``, ``state`` being what was read last;
        return the state right after it.

        A conflict only means someone else wrote meanwhile: re-read (only their events) and append the fact after
        theirs. A fact is never dropped; only a stream that keeps refusing it raises ``StreamBroken``.
        """
        last: ConcurrencyConflict | None = None
        try:
            for _ in range(CONFLICT_RETRIES):
                after = evolve(state, event)
                try:
                    await self.append(stream, [event], state.version, after)
                    return after
                except ConcurrencyConflict as conflict:
                    self._on_conflict(conflict, "appending the answer again at the new head")
                    last = conflict
                state = await self.load(stream)
            raise too_many_conflicts(stream, last)
        except StreamBroken:
            log.error(
                "%s: a %s at %s could not be recorded and is lost",
                stream,
                tag_of(event),
                event.at.isoformat(),
                extra={"payment_id": stream, "outcome": tag_of(event)},
            )
            raise

    async def load(self, stream: str) -> Payment:
        """The state at the head of ``stream``: the cached fold plus the events stored after its version
        (``StreamBroken`` when the versions have a gap or the events do not fold)."""
        cached = self.cache.get(stream)
        after = 0 if cached is None else cached.version
        records = await self.store.read_records(stream, after)
        if not records:
            if cached is None:
                raise KeyError(f"no payment {stream!r} in the store")
            return cached
        check_versions(stream, records, after=after)
        try:
            state = fold((record.event() for record in records), cached)
        except (IllegalTransition, UnreadableEvent) as exc:
            self.cache.drop(stream)
            raise StreamBroken(stream, f"its events do not fold ({exc}); check it with `payfold audit`") from exc
        self.cache.put(stream, state)
        return state

    async def append(self, stream: str, events: list[Event], expected_version: int, after: Payment) -> AppendResult:
        """Append ``events`` (``after`` is the state they lead to); the cache keeps ``after`` only when the store
        stored every one of them right after ``expected_version``."""
        step = next_step(after, self._policy_of(after))
        due = None if isinstance(step, Done) else step.due
        item = StreamAppend(stream=stream, events=events, expected_version=expected_version, due=due)
        if self._committer is not None:
            result = await self._committer.append(item)
        else:
            result = await self.store.append(stream, events, expected_version, due=due)
        if result.appended == len(events) and result.version == after.version == expected_version + len(events):
            self.cache.put(stream, after)
        else:
            self.cache.drop(stream)  # absorbed duplicates: what is stored is not necessarily what was folded
        return result

    async def due(self, now: datetime, limit: int, excluded: set[str], worker: str, lease_for: timedelta) -> list[Due]:
        """Up to ``limit`` due streams, none of ``excluded`` (skipped, or already being advanced here: leasing
        one of those would hold its next step away from every worker until the lease ran out)."""
        lease = getattr(self.store, "lease_due", None)
        if lease is not None:
            found: list[Due] = await lease(now, worker, limit, lease_for, exclude=sorted(excluded))
        else:
            found = await self.store.due(now, limit + len(excluded))
        return [due for due in found if due.stream not in excluded][:limit]

    async def upcoming(self, skipped: set[str]) -> Due | None:
        """The next due entry of a stream not skipped, however far ahead (None: nothing left to do)."""
        found = await self.store.due(_FAR_FUTURE, len(skipped) + 1)
        return next((due for due in found if due.stream not in skipped), None)
