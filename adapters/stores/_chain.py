"""The per-stream hash chain every store keeps, its optional key, and the walk that checks it. Pure but for the
environment variable a key may come from.

Each stored event's hash is SHA-256 over the previous event's hash (32 zero bytes for version 1), then the
stream, version, tag, schema version and canonical bytes, each framed with its length so no two different
tuples hash the same input. Editing, deleting, reordering or inserting a row breaks the chain at that row.

A *keyed* log links with HMAC-SHA256 under a secret chain key over the same framed input. Someone who can write
the database but does not hold the key can no longer re-hash an edited history: the links they can compute are
plain SHA-256 ones, and the check names them (``unkeyed``). The key is never stored; the log records only that
it is keyed and the key's fingerprint (an HMAC of a fixed text), so the wrong key, or a key given to an unkeyed
log, is refused on open instead of mixing two kinds of link in one log.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal, Protocol, TypeAlias, TypeVar, cast

import msgspec

from payfold import Event, event_id, tag_of
from payfold._store import Problem, ProblemKind, Record, StoreError, VerifyReport

GENESIS: Final = "0" * 64
"""The ``previous hash`` of a stream's first event (hex)."""

KEY_ENV: Final = "PAYFOLD_CHAIN_KEY"
"""The environment variable a store reads its chain key from when none is passed: the key's bytes in hex."""
MIN_KEY_BYTES: Final = 16
"""The shortest key accepted (128 bits); ``secrets.token_hex(32)`` makes a good one."""
FINGERPRINT_KEY: Final = "chain_key_fingerprint"
"""The ``payfold_meta`` key under which a keyed log records its key's fingerprint."""
_FINGERPRINT_TEXT: Final = b"payfold chain key fingerprint"


class ChainKeyError(StoreError):
    """The chain key does not fit the log: a keyed log written without its key, the wrong key, a key given to a
    log created without one, or a key that cannot be read."""


def link(
    previous: str, stream: str, version: int, tag: str, schema_version: int, data: bytes, key: bytes | None = None
) -> str:
    """The hex hash of an event at ``version`` of ``stream`` whose predecessor's hash is ``previous``: SHA-256, or
    HMAC-SHA256 under ``key``."""
    name, kind = stream.encode(), tag.encode()
    framed = b"".join(
        (
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
    )  # one buffer, one C call: append hashes every event
    if key is None:
        return hashlib.sha256(framed).hexdigest()
    return hmac.digest(key, framed, "sha256").hex()


# --- the key ---------------------------------------------------------------------------------------------------


def chain_key(given: bytes | None) -> bytes | None:
    """The key a store uses: ``given``, else ``PAYFOLD_CHAIN_KEY`` (hex), else None (an unkeyed chain)."""
    where = "chain_key"
    if given is None:
        text = os.environ.get(KEY_ENV, "").strip()
        if not text:
            return None
        where = KEY_ENV
        try:
            given = bytes.fromhex(text)
        except ValueError:
            raise ChainKeyError(KEY_ENV, "the chain key must be written in hexadecimal") from None
    if len(given) < MIN_KEY_BYTES:
        raise ChainKeyError(where, f"the chain key has {len(given)} bytes; at least {MIN_KEY_BYTES} are needed")
    return given


def fingerprint(key: bytes) -> str:
    """What a keyed log records about its key: HMAC-SHA256(key, a fixed text), hex. It names the key without
    revealing it (finding the key from it is as hard as forging a link)."""
    return hmac.digest(key, _FINGERPRINT_TEXT, "sha256").hex()


def admit(where: str, recorded: str | None, key: bytes | None) -> None:
    """Refuse a key that does not fit the log's record (``recorded``: the fingerprint the log keeps, None when the
    log is unkeyed). No key is fine for reading; ``require`` refuses writing a keyed log without it."""
    if key is None:
        return
    if recorded is None:
        raise ChainKeyError(
            where,
            "a chain key was given, but this log was created without one (its links are plain SHA-256 and a key "
            "cannot be added later): open it without a key, or start a new log with the key",
        )
    mine = fingerprint(key)
    if not hmac.compare_digest(recorded, mine):
        raise ChainKeyError(
            where, f"the chain key given (fingerprint {mine[:12]}) is not this log's (fingerprint {recorded[:12]})"
        )


def require(where: str, recorded: str | None, key: bytes | None, doing: str) -> None:
    """Refuse ``doing`` (appending, verifying) on a keyed log without its key."""
    if recorded is not None and key is None:
        raise ChainKeyError(
            where,
            f"this log is keyed (chain key fingerprint {recorded[:12]}): {doing} needs its key "
            f"(set {KEY_ENV} or pass chain_key=)",
        )


class _Linked(Protocol):
    @property
    def stream(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def tag(self) -> str: ...
    @property
    def schema_version(self) -> int: ...
    @property
    def data(self) -> bytes: ...


RowT = TypeVar("RowT", bound=_Linked)


def rekey(rows: Sequence[RowT], heads: Mapping[str, tuple[int, str]], key: bytes) -> list[RowT]:
    """``rows`` (planned with plain links, each stream's in version order) linked under ``key`` from ``heads``."""
    previous: dict[str, str] = {}
    keyed: list[RowT] = []
    for row in rows:
        before = previous.get(row.stream) or heads.get(row.stream, (0, GENESIS))[1]
        hashed = link(before, row.stream, row.version, row.tag, row.schema_version, row.data, key)
        keyed.append(cast(RowT, msgspec.structs.replace(cast(Any, row), hash=hashed)))
        previous[row.stream] = hashed
    return keyed


# --- checking ---------------------------------------------------------------------------------------------------

LinkProblem: TypeAlias = Literal["gap", "order", "id", "hash", "unkeyed"]
"""What can be wrong with a record's place in its chain. ``unkeyed``: a keyed log's record carries a valid plain
SHA-256 link instead of the keyed one (re-hashed by someone without the key)."""


def check_link(
    record: Record, version: int, previous: str, last_position: int, key: bytes | None = None
) -> tuple[LinkProblem, str] | None:
    """What breaks the chain at ``record``, expected at ``version`` after a record hashed ``previous`` at
    ``last_position`` (None: nothing)."""
    if record.version != version:
        return "gap", f"expected version {version}, found {record.version}"
    if record.position <= last_position:
        return "order", f"position {record.position} is not after the previous event's {last_position}"
    if event_id(record.data) != record.id:
        return "id", "the stored id is not the SHA-256 of the stored bytes"
    args = (previous, record.stream, record.version, record.tag, record.schema_version, record.data)
    if link(*args, key) == record.hash:
        return None
    if key is not None and link(*args) == record.hash:
        return "unkeyed", "the hash is a plain SHA-256 link, not the keyed one: re-hashed without the chain key"
    keyed = " (keyed)" if key is not None else ""
    return "hash", f"the hash does not chain to the previous event{keyed}"


def check_event(record: Record) -> tuple[Event | None, tuple[ProblemKind, str] | None]:
    """The record's event, or what makes it unreadable; and whether its tag column agrees with its bytes."""
    try:
        event = record.event()
    except ValueError as exc:  # UnreadableEvent, or a value a decoded event refuses
        return None, ("unreadable", str(exc))
    tag = tag_of(event)
    if tag != record.tag:
        return event, ("tag", f"the tag column says {record.tag!r}, the stored bytes say {tag!r}")
    return event, None


class Checker:
    """Walks records ordered by (stream, version), keeping the first broken link of each stream."""

    def __init__(self, key: bytes | None = None) -> None:
        self.streams = 0
        self.events = 0
        self.problems: list[Problem] = []
        self._key = key
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
        found: tuple[ProblemKind, str] | None
        broken = check_link(record, self._version, self._previous, self._position, self._key)
        if broken is not None:
            found = ("hash" if broken[0] == "unkeyed" else broken[0], broken[1])
        else:
            found = check_event(record)[1]
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


def check(records: Iterable[Record], key: bytes | None = None) -> VerifyReport:
    """Walk ``records`` (ordered by stream, version) and report."""
    checker = Checker(key)
    for record in records:
        checker.feed(record)
    return checker.report()
