"""Planning an append: which events extend which stream at which versions, with which hashes. Pure: no I/O.

Every store runs the same plan inside its transaction, fed with what it read there: each stream's head
(version and hash) and, for the ids being appended, the versions where they are already stored. The plan also
says which reference index entries the transaction adds (``_index``): one per ``created`` event newly stored at
version 1, none for an event absorbed as a duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from payfold import SCHEMA_VERSION, ConcurrencyConflict, encode, event_id, tag_of
from payfold._store import AppendResult, Record, StreamAppend
from payfold._time import check_utc
from payfold.adapters.stores._chain import GENESIS, link
from payfold.adapters.stores._index import Reference, key_of


class Prepared(msgspec.Struct, frozen=True):
    """An event ready to store: its tag, canonical bytes and id; for a ``created`` event, the ``(provider,
    reference)`` it names (its key in the reference index)."""

    tag: str
    data: bytes
    id: str
    key: tuple[str, str] | None = None


class Row(msgspec.Struct, frozen=True):
    """One row to insert; the store assigns its global position."""

    stream: str
    version: int
    tag: str
    schema_version: int
    id: str
    hash: str
    data: bytes


class Item(msgspec.Struct, frozen=True):
    """One stream's append, its events prepared."""

    stream: str
    events: tuple[Prepared, ...]
    expected_version: int
    due: datetime | None


class Plan(msgspec.Struct, frozen=True):
    """What a transaction must write: rows in order, due entries to set (None: clear), reference index entries to
    add (where the index has none for that key yet: the first stream keeps a key), and the results."""

    rows: list[Row]
    due: dict[str, datetime | None]
    results: list[AppendResult]
    references: list[Reference]


Head = tuple[int, str]
"""A stream's (version, hash); (0, GENESIS) when empty."""


def prepare(appends: Iterable[StreamAppend]) -> list[Item]:
    """Encode and hash every event (outside any transaction)."""
    items = []
    for append in appends:
        if append.expected_version < 0:
            raise ValueError(f"expected_version must be >= 0, got {append.expected_version}")
        if append.due is not None:
            check_utc(append.due, "due")
        events = []
        for event in append.events:
            data = encode(event)
            events.append(Prepared(tag_of(event), data, event_id(data), key_of(event)))
        items.append(Item(append.stream, tuple(events), append.expected_version, append.due))
    return items


def wanted(items: Sequence[Item]) -> tuple[list[str], list[tuple[str, str]]]:
    """The streams whose heads the plan needs, and the (stream, id) pairs whose stored versions it needs."""
    streams = sorted({item.stream for item in items})
    ids = sorted({(item.stream, event.id) for item in items for event in item.events})
    return streams, ids


def plan(items: Sequence[Item], heads: Mapping[str, Head], stored: Mapping[tuple[str, str], int]) -> Plan:
    """The rows to write for ``items``; raises ``ConcurrencyConflict`` (then nothing may be written)."""
    heads = dict(heads)
    stored = dict(stored)
    rows: list[Row] = []
    due: dict[str, datetime | None] = {}
    references: dict[tuple[str, str], Reference] = {}
    results = []
    for item in items:
        head, head_hash = heads.get(item.stream, (0, GENESIS))
        version, duplicates, new = _extend(item, head, head_hash, stored, references)
        rows.extend(new)
        if new:
            heads[item.stream] = (new[-1].version, new[-1].hash)
            stored.update({(row.stream, row.id): row.version for row in new})
        if version == heads.get(item.stream, (0, GENESIS))[0]:
            due[item.stream] = item.due
        results.append(AppendResult(stream=item.stream, version=version, appended=len(new), duplicates=duplicates))
    return Plan(rows, due, results, list(references.values()))


def _extend(
    item: Item,
    head: int,
    head_hash: str,
    stored: Mapping[tuple[str, str], int],
    references: dict[tuple[str, str], Reference],
) -> tuple[int, int, list[Row]]:
    stream, version = item.stream, item.expected_version
    if version > head or (not item.events and version != head):
        raise ConcurrencyConflict(stream, item.expected_version, head)
    rows: list[Row] = []
    seen: set[str] = set()
    duplicates = 0
    previous = head_hash
    for event in item.events:
        if version < head:
            if stored.get((stream, event.id)) != version + 1:
                raise ConcurrencyConflict(stream, item.expected_version, head)
            version += 1
            duplicates += 1
        elif (stream, event.id) in stored or event.id in seen:
            duplicates += 1
        else:
            version += 1
            previous = link(previous, stream, version, event.tag, SCHEMA_VERSION, event.data)
            rows.append(Row(stream, version, event.tag, SCHEMA_VERSION, event.id, previous, event.data))
            seen.add(event.id)
            if event.key is not None and version == 1:
                references.setdefault(event.key, Reference(*event.key, stream))
    return version, duplicates, rows


def record(row: Sequence[Any]) -> Record:
    """A stored row, in the column order every store selects: position, stream, version, tag, schema version,
    id, hash, data."""
    return Record(
        position=row[0],
        stream=row[1],
        version=row[2],
        tag=row[3],
        schema_version=row[4],
        id=row[5],
        hash=row[6],
        data=bytes(row[7]),
    )
