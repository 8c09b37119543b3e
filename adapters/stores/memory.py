"""MemoryStore: the reference event store, kept in process memory. Same contract as the durable stores."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from payfold import Event
from payfold._store import AppendResult, Due, Record, StreamAppend, VerifyReport
from payfold.adapters.stores import _chain, _plan


class MemoryStore:
    """An event store in a dict; nothing survives the process. Useful in tests and as the reference."""

    def __init__(self, *, chain_key: bytes | None = None) -> None:
        self.chain_key = _chain.chain_key(chain_key)
        """The key this store links with (default: ``PAYFOLD_CHAIN_KEY``); None: plain SHA-256 links."""
        self.fingerprint = None if self.chain_key is None else _chain.fingerprint(self.chain_key)
        self._log: list[Record] = []
        self._streams: dict[str, list[Record]] = {}
        self._ids: dict[tuple[str, str], int] = {}
        self._due: dict[str, datetime] = {}
        self._references: dict[tuple[str, str], str] = {}
        self._lock = asyncio.Lock()

    async def append(
        self, stream: str, events: Sequence[Event], expected_version: int, *, due: datetime | None = None
    ) -> AppendResult:
        """Append ``events`` to ``stream`` if it is at ``expected_version``; set its next due time."""
        results = await self.append_many(
            [StreamAppend(stream=stream, events=events, expected_version=expected_version, due=due)]
        )
        return results[0]

    async def append_many(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        """Append to many streams at once (all or nothing)."""
        items = _plan.prepare(appends)
        async with self._lock:
            streams, _ = _plan.wanted(items)
            heads = {s: (len(self._streams[s]), self._streams[s][-1].hash) for s in streams if self._streams.get(s)}
            planned = _plan.plan(items, heads, self._ids)
            rows = planned.rows if self.chain_key is None else _chain.rekey(planned.rows, heads, self.chain_key)
            for row in rows:
                record = Record(
                    position=len(self._log) + 1,
                    stream=row.stream,
                    version=row.version,
                    tag=row.tag,
                    schema_version=row.schema_version,
                    id=row.id,
                    hash=row.hash,
                    data=row.data,
                )
                self._log.append(record)
                self._streams.setdefault(row.stream, []).append(record)
                self._ids[(row.stream, row.id)] = row.version
            for entry in planned.references:
                self._references.setdefault((entry.provider, entry.reference), entry.stream)
            for stream, at in planned.due.items():
                if at is None:
                    self._due.pop(stream, None)
                else:
                    self._due[stream] = at
            return planned.results

    async def read(self, stream: str) -> list[Event]:
        """The events of ``stream`` in version order."""
        return [record.event() for record in self._streams.get(stream, [])]

    async def read_many(self, streams: Sequence[str]) -> dict[str, list[Event]]:
        """The events of each of ``streams`` (unknown ones map to ``[]``), as ``SqliteStore.read_many``."""
        return {stream: await self.read(stream) for stream in streams}

    async def read_records(self, stream: str, after_version: int = 0) -> list[Record]:
        """The records of ``stream`` after ``after_version``."""
        return self._streams.get(stream, [])[after_version:]

    async def version(self, stream: str) -> int:
        """The number of events in ``stream``."""
        return len(self._streams.get(stream, []))

    async def find(self, provider: str, reference: str) -> str | None:
        """The stream whose ``created`` event names ``provider`` and ``reference`` (the first one, if several do)."""
        return self._references.get((provider, reference))

    async def read_all(self, after_position: int = 0, *, batch: int = 500) -> AsyncIterator[Record]:
        """Every record after ``after_position`` in commit order."""
        position = max(after_position, 0)
        while position < len(self._log):
            chunk = self._log[position : position + batch]
            for record in chunk:
                yield record
            position += len(chunk)
            await asyncio.sleep(0)

    async def read_by_stream(self, *, batch: int = 1000) -> AsyncIterator[Record]:
        """Every record ordered by (stream, version)."""
        for stream in sorted(self._streams):
            for record in list(self._streams[stream]):
                yield record
            await asyncio.sleep(0)

    async def due(self, now: datetime, limit: int = 100) -> list[Due]:
        """Streams due at or before ``now``, earliest first."""
        ready = sorted((at, stream) for stream, at in self._due.items() if at <= now)
        return [Due(stream=stream, at=at) for at, stream in ready[:limit]]

    async def due_of(self, streams: Sequence[str]) -> dict[str, datetime]:
        """The due time of each of ``streams`` that has one (the others are left out)."""
        return {stream: self._due[stream] for stream in streams if stream in self._due}

    @property
    def keyed(self) -> bool:
        """The log is keyed (its links are HMACs under the store's key)."""
        return self.fingerprint is not None

    async def verify(self) -> VerifyReport:
        """Walk every stream's chain (with the store's key, when it has one)."""
        return _chain.check((r for stream in sorted(self._streams) for r in self._streams[stream]), self.chain_key)

    async def close(self) -> None:
        """Nothing to release."""
