"""The stored format: msgspec JSON, one reused encoder and decoder, a schema version and upcasters.

``encode`` gives canonical bytes (fields in declaration order, no whitespace): the store derives an event's id
from them (SHA-256), so appending the same bytes twice is absorbed. Each stored event travels with the
``SCHEMA_VERSION`` it was written under; ``decode`` runs the upcasters from that version to the current one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Final

import msgspec

from ._cards import READING_RECORDED
from ._errors import UnreadableEvent
from ._events import Event

SCHEMA_VERSION: Final = 2
"""The version of the stored format this payfold writes. Bump it only together with an upcaster.

1: every field encoded. 2: fields equal to their defaults are left out, so a field added later with a default
leaves earlier events' bytes and ids unchanged. A version-1 object reads unchanged under version 2.
"""

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


def _defaults_left_out(obj: dict[str, Any]) -> dict[str, Any]:
    """1 -> 2: version 2 only stops writing defaults; a version-1 object already reads as version 2."""
    return obj


UPCASTERS: Final[dict[int, Upcaster]] = {1: _defaults_left_out}
"""``UPCASTERS[v]`` turns an event stored under version ``v`` (a JSON object) into version ``v + 1``."""

_READ_AS_IS: Final = frozenset({1})
"""Older versions whose upcasters are all the identity: ``decode`` reads them directly (no detour)."""

_encoder: Final = msgspec.json.Encoder()
_decoder: Final[msgspec.json.Decoder[Event]] = msgspec.json.Decoder(Event)
_raw_decoder: Final = msgspec.json.Decoder(dict[str, Any])


def encode(event: Event) -> bytes:
    """The canonical stored bytes of ``event``."""
    return _encoder.encode(event)


def event_id(data: bytes) -> str:
    """The id of an event's canonical bytes: hex SHA-256."""
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, schema_version: int = SCHEMA_VERSION) -> Event:
    """The event stored as ``data`` under ``schema_version``; ``UnreadableEvent`` says what is wrong and where.

    Stored facts are read as they are: checks that guard what the app may write (card data in
    ``PaymentCreated.details``) do not run here.
    """
    reading = READING_RECORDED.set(True)
    try:
        return _decode(data, schema_version)
    finally:
        READING_RECORDED.reset(reading)


def _decode(data: bytes, schema_version: int) -> Event:
    if schema_version == SCHEMA_VERSION or schema_version in _READ_AS_IS:
        try:
            event: Event = _decoder.decode(data)
        except msgspec.DecodeError as exc:
            raise UnreadableEvent(str(exc), schema_version=schema_version) from None
        return event
    if schema_version > SCHEMA_VERSION or schema_version < 1:
        raise UnreadableEvent(
            f"this payfold reads schema versions 1 to {SCHEMA_VERSION}", schema_version=schema_version
        )
    try:
        obj = _raw_decoder.decode(data)
        for version in range(schema_version, SCHEMA_VERSION):
            upcast = UPCASTERS.get(version)
            if upcast is None:
                raise UnreadableEvent(f"no upcaster from version {version}", schema_version=schema_version)
            obj = upcast(obj)
        return _decoder.decode(_encoder.encode(obj))
    except msgspec.DecodeError as exc:
        raise UnreadableEvent(str(exc), schema_version=schema_version) from None
