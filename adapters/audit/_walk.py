"""One pass over the log in (stream, version) order: each payment's history, whole, with what its chain says.

``read_by_stream`` hands over one stream's records after another, so the walk holds one history at a time
(its decoded events, versions and hashes) and memory does not grow with the log. Each record's link is checked
as it passes (with the store's key when the log is keyed): the first broken link of a stream is a ``chain``
finding (``key`` when the row carries a plain SHA-256 link where a keyed one belongs), an undecodable row an
``unreadable`` one; neither stops the walk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Final, Protocol

from payfold import Event
from payfold._store import Record
from payfold.adapters.audit._findings import Finding, FindingKind
from payfold.adapters.audit._source import AuditSource
from payfold.adapters.stores._chain import GENESIS, check_event, check_link

BATCH: Final = 2000
"""Records per fetch: large enough that the per-fetch cost (a thread hop, a round trip) fades."""


class Ticker(Protocol):
    """Counts records as they are read (``payfold.adapters.cli._pace.Pace``)."""

    def tick(self, events: int = 1) -> None: ...


@dataclass
class History:
    """One stream as the log holds it. ``events`` and ``versions`` stop before the first unreadable row."""

    stream: str
    events: list[Event] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)
    """The stored version of each of ``events`` (1, 2, 3 ... unless rows were deleted or moved)."""
    hashes: dict[int, str] = field(default_factory=dict)
    """Each stored version's hash (the checkpoint compares one of them)."""
    findings: list[Finding] = field(default_factory=list)
    records: int = 0
    head: tuple[int, str] = (0, GENESIS)
    """The last record's version and hash."""
    readable: bool = True
    """Every row decoded: the history can be judged."""
    _broken: bool = False
    _previous: str = GENESIS
    _position: int = 0

    def feed(self, record: Record, key: bytes | None) -> None:
        """Take the stream's next record: check its link, decode it."""
        self.records += 1
        self.head = (record.version, record.hash)
        self.hashes[record.version] = record.hash
        if not self._broken:
            broken = check_link(record, self.records, self._previous, self._position, key)
            if broken is not None:
                self._broken = True
                kind: FindingKind = "key" if broken[0] == "unkeyed" else "chain"
                named = self.records if broken[0] == "gap" else record.version  # a gap names the first missing row
                self.findings.append(
                    Finding(kind=kind, stream=self.stream, version=named, rule=broken[0], detail=broken[1])
                )
        self._previous, self._position = record.hash, record.position
        if not self.readable:
            return
        event, problem = check_event(record)
        if event is None:
            self.readable = False
            assert problem is not None
            self.findings.append(
                Finding(kind="unreadable", stream=self.stream, version=record.version, detail=problem[1])
            )
            return
        if problem is not None and not self._broken:
            self._broken = True
            self.findings.append(
                Finding(kind="chain", stream=self.stream, version=record.version, rule=problem[0], detail=problem[1])
            )
        self.events.append(event)
        self.versions.append(record.version)


async def histories(store: AuditSource, ticker: Ticker, *, batch: int = BATCH) -> AsyncIterator[History]:
    """Every stream's history, one at a time, in stream order."""
    key = store.chain_key
    current: History | None = None
    async for record in store.read_by_stream(batch=batch):
        ticker.tick()
        if current is None or record.stream != current.stream:
            if current is not None:
                yield current
            current = History(record.stream)
        current.feed(record, key)
    if current is not None:
        yield current
