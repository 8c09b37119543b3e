"""The per-stream hash chain every store keeps, and the walk that checks it. Pure: no I/O.

Each stored event's hash is SHA-256 over the previous event's hash (32 zero bytes for version 1), then the
stream, version, tag, schema version and canonical bytes, each framed with its length so no two different
tuples hash the same input. Editing, deleting, reordering or inserting a row breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Final

from payfold import UnreadableEvent, event_id, tag_of
from payfold._store import Problem, ProblemKind, Record, VerifyReport

GENESIS: Final = "0" * 64
"""The ``previous hash`` of a stream's first event (hex)."""


def link(previous: str, stream: str, version: int, tag: str, schema_version: int, data: bytes) -> str:
    """The hex hash of an event at ``version`` of ``stream`` whose predecessor's hash is ``previous``."""
    name, kind = stream.encode(), tag.encode()
    framed = (
        bytes.fromhex(previous),
        len(name).to_bytes(8, "big"),
        name,
        version.to_bytes(8, "big"),
        len(kind).to_bytes(8, "big"),
        kind,
        schema_version.to_bytes(8, "big"),
        len(data).to_bytes(8, "big"),
        data,
    )
    return hashlib.sha256(b"".join(framed)).hexdigest()  # one buffer, one C call: append hashes every event


def _check(record: Record, version: int, previous: str, last_position: int) -> tuple[ProblemKind, str] | None:
    if record.version != version:
        return "gap", f"expected version {version}, found {record.version}"
    if record.position <= last_position:
        return "order", f"position {record.position} is not after the previous event's {last_position}"
    if event_id(record.data) != record.id:
        return "id", "the stored id is not the SHA-256 of the stored bytes"
    expected = link(previous, record.stream, record.version, record.tag, record.schema_version, record.data)
    if expected != record.hash:
        return "hash", "the hash does not chain to the previous event"
    try:
        tag = tag_of(record.event())
    except UnreadableEvent as exc:
        return "unreadable", str(exc)
    if tag != record.tag:
        return "tag", f"the tag column says {record.tag!r}, the stored bytes say {tag!r}"
    return None


class Checker:
    """Walks records ordered by (stream, version), keeping the first broken link of each stream."""

    def __init__(self) -> None:
        self.streams = 0
        self.events = 0
        self.problems: list[Problem] = []
        self._stream: str | None = None
        self._broken = False
        self._version, self._previous, self._position = 0, GENESIS, 0

    def feed(self, record: Record) -> None:
        """Check the next record."""
        self.events += 1
        if record.stream != self._stream:
            self.streams += 1
            self._stream, self._broken = record.stream, False
            self._version, self._previous, self._position = 0, GENESIS, 0
        if self._broken:
            return
        self._version += 1
        found = _check(record, self._version, self._previous, self._position)
        if found is not None:
            self._broken = True
            kind, detail = found
            self.problems.append(
                Problem(
                    stream=record.stream, version=record.version, position=record.position, kind=kind, detail=detail
                )
            )
        self._previous, self._position = record.hash, record.position

    def report(self) -> VerifyReport:
        """What the walk found so far."""
        return VerifyReport(streams=self.streams, events=self.events, problems=tuple(self.problems))


def check(records: Iterable[Record]) -> VerifyReport:
    """Walk ``records`` (ordered by stream, version) and report."""
    checker = Checker()
    for record in records:
        checker.feed(record)
    return checker.report()
