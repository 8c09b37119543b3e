"""The reference index: which stream a provider's merchant reference belongs to. Pure: no I/O.

A provider's callback names the merchant reference (Tranzzo ``order_id``, Rave ``txRef``), not payfold's stream.
Every store keeps ``(provider, reference) -> stream`` for each stream whose version 1 is a ``created`` event,
written in the transaction that stores that event, so ``EventStore.find`` is one key lookup. When two payments
are created with the same provider and reference, the first one stored keeps the entry (a provider refuses a
second order with a reference it has seen, so the second payment is the app's mistake, and its own events say so).

Stores written before the index existed rebuild it from their version-1 ``created`` rows when they are migrated
(``entries``); a read-only store of such a format, which may not write, scans those rows instead (``scan``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final, NamedTuple

from payfold import Event, PaymentCreated, UnreadableEvent, decode

CREATED: Final = "created"
"""The tag of the event that names a payment's provider and reference (always version 1 of its stream)."""


class Reference(NamedTuple):
    """One entry of the index: ``provider`` and merchant ``reference`` name ``stream``."""

    provider: str
    reference: str
    stream: str


def key_of(event: Event) -> tuple[str, str] | None:
    """The ``(provider, reference)`` key ``event`` adds to the index when it is stored at version 1; None for
    every event but ``created``."""
    if isinstance(event, PaymentCreated):
        return event.provider, event.reference
    return None


def entries(rows: Iterable[tuple[str, bytes, int]]) -> Iterator[Reference]:
    """The index entries of stored version-1 ``created`` rows, given as ``(stream, data, schema_version)`` in
    position order. A row that does not decode to a ``created`` event (an edited log) adds nothing: the index
    answers for the events a replay would read, and ``verify`` names the broken row."""
    for stream, data, schema_version in rows:
        try:
            event = decode(bytes(data), schema_version)
        except UnreadableEvent:
            continue
        key = key_of(event)
        if key is not None:
            yield Reference(key[0], key[1], stream)


def scan(rows: Iterable[tuple[str, bytes, int]], provider: str, reference: str) -> str | None:
    """``find`` without the index: the first stream among ``rows`` (as for ``entries``) whose ``created`` event
    names ``provider`` and ``reference``. Decodes every row until it finds one: a pass over the whole log."""
    for entry in entries(rows):
        if entry.provider == provider and entry.reference == reference:
            return entry.stream
    return None
