"""The event store port: the ``EventStore`` protocol, the values it speaks in, and its errors. No I/O here.

A store keeps each payment's events as a *stream*: versions 1, 2, 3, ... (the version is the number of events
up to and including that one; an empty stream has version 0). Every stored event also has a global *position*
(commit order across all streams), its tag, the schema version it was written under, its id (SHA-256 of its
canonical bytes) and a hash chaining it to the previous event of its stream.

Store errors, below ``PayfoldError``:

    StoreError
    ├── StoreFormatError (ValueError)   not a payfold store, a newer payfold's format, or an unexpected schema
    └── StoreCorrupt                    the storage itself is damaged (a truncated or overwritten file)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Literal, Protocol, TypeAlias, runtime_checkable

import msgspec

from ._codec import decode
from ._errors import PayfoldError
from ._events import Event


class StoreError(PayfoldError):
    """A store cannot be used as it is (``where`` names the file or database)."""

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(f"{where}: {detail}")
        self.where = where
        self.detail = detail


class StoreFormatError(StoreError, ValueError):
    """Not a payfold store, a store written by a newer payfold, or tables that are not payfold's."""


class StoreCorrupt(StoreError):
    """The storage is damaged: the database engine cannot read it."""


class AppendResult(msgspec.Struct, frozen=True, kw_only=True):
    """What one stream's append did.

    ``version`` is the stream version right after the caller's events (pass it as the next ``expected_version``);
    ``appended`` events were stored, ``duplicates`` were already stored (same id) and absorbed.
    """

    stream: str
    version: int
    appended: int
    duplicates: int


class StreamAppend(msgspec.Struct, frozen=True, kw_only=True):
    """One stream's part of ``append_many``; ``due`` is the stream's next due time (None: nothing due)."""

    stream: str
    events: Sequence[Event]
    expected_version: int
    due: datetime | None = None


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """One stored event with its storage facts; ``data`` is the canonical bytes, ``hash`` the chain link."""

    position: int
    stream: str
    version: int
    tag: str
    schema_version: int
    id: str
    hash: str
    data: bytes

    def event(self) -> Event:
        """The event, decoded (and upcast) from ``data``."""
        return decode(self.data, self.schema_version)


class Due(msgspec.Struct, frozen=True, kw_only=True):
    """A stream whose next step is due at ``at``."""

    stream: str
    at: datetime


ProblemKind: TypeAlias = Literal["gap", "order", "id", "hash", "tag", "unreadable"]


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """The first broken link of one stream: at ``version`` (``position``), ``kind`` says what broke."""

    stream: str
    version: int
    position: int
    kind: ProblemKind
    detail: str


class VerifyReport(msgspec.Struct, frozen=True, kw_only=True):
    """The result of walking the whole log: how much was checked and the first problem of each broken stream."""

    streams: int
    events: int
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no stream has a broken link."""
        return not self.problems


@runtime_checkable
class EventStore(Protocol):
    """An append-only log of payment streams. Every implementation passes ``payfold.testing.EventStoreContract``.

    ``append`` is one transaction: it raises ``ConcurrencyConflict`` when the stream is not at
    ``expected_version``, except for a retry whose events are all already stored right after
    ``expected_version`` (absorbed). Events already in the stream (same id) are absorbed, not stored twice.
    ``due`` replaces the stream's entry in the due projection in the same transaction.
    """

    async def append(
        self, stream: str, events: Sequence[Event], expected_version: int, *, due: datetime | None = None
    ) -> AppendResult:
        """Append ``events`` to ``stream`` if it is at ``expected_version``; set its next due time."""
        ...

    async def append_many(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        """Append to many streams in one transaction (all or nothing), one result per item in order."""
        ...

    async def read(self, stream: str) -> list[Event]:
        """The events of ``stream`` in version order (empty for an unknown stream)."""
        ...

    async def read_records(self, stream: str, after_version: int = 0) -> list[Record]:
        """The stored records of ``stream`` after ``after_version``, in version order."""
        ...

    async def version(self, stream: str) -> int:
        """The number of events in ``stream``."""
        ...

    async def find(self, provider: str, reference: str) -> str | None:
        """The stream whose ``created`` event names ``provider`` and the merchant ``reference`` (an index, kept in
        the creating append's transaction); None when there is none, the first such stream when several name
        them. How a webhook finds its payment. A read-only store of an older format may scan (docs/storage.md)."""
        ...

    def read_all(self, after_position: int = 0, *, batch: int = 500) -> AsyncIterator[Record]:
        """Every record after ``after_position`` in commit order, fetched ``batch`` at a time."""
        ...

    async def due(self, now: datetime, limit: int = 100) -> list[Due]:
        """Streams whose next step is due at or before ``now``, earliest first."""
        ...

    async def verify(self) -> VerifyReport:
        """Walk the whole log and report the first broken link of every stream."""
        ...

    async def close(self) -> None:
        """Release the store's connections."""
        ...
