"""What the audit needs from a store, and opening a log for it without changing anything.

Beyond the ``EventStore`` port the audit reads the log ordered by (stream, version), so each payment's whole
history arrives in one piece and only one history is held at a time; it asks for the due times of the open
payments it found; and it needs the chain key the store links with. The three stores payfold ships have all of
it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from payfold._store import EventStore, Record


@runtime_checkable
class AuditSource(EventStore, Protocol):
    """An event store the audit can read."""

    chain_key: bytes | None
    """The key the store links with (None: plain SHA-256)."""
    fingerprint: str | None
    """The chain key fingerprint the log records (None: an unkeyed log)."""

    @property
    def keyed(self) -> bool:
        """The log records a chain key fingerprint (its links are HMACs)."""
        ...

    def read_by_stream(self, *, batch: int = 1000) -> AsyncIterator[Record]:
        """Every record ordered by (stream, version)."""
        ...

    async def due_of(self, streams: Sequence[str]) -> dict[str, datetime]:
        """The due time of each of ``streams`` that has one."""
        ...


def is_dsn(log: str) -> bool:
    """``log`` names a PostgreSQL database rather than a SQLite file."""
    return log.startswith(("postgres://", "postgresql://"))


def shown(log: str) -> str:
    """``log`` as reports may print it: a DSN's password is replaced by ``***``."""
    if not is_dsn(log):
        return log
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(log)
    if parts.password is None:
        return log
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


async def open_log(log: str, *, chain_key: bytes | None = None) -> AuditSource:
    """Open ``log`` (a SQLite file or a ``postgresql://`` DSN) read-only: nothing is created, migrated or written.

    Raises ``FileNotFoundError`` for a missing file and ``StoreError`` (``StoreFormatError``, ``StoreCorrupt``,
    ``ChainKeyError``) for a file or database that is not a payfold log, is damaged, or does not fit the key.
    """
    if is_dsn(log):
        from payfold.adapters.stores.postgres import PostgresStore

        return await PostgresStore.open(log, min_size=1, max_size=2, chain_key=chain_key, read_only=True)
    from payfold.adapters.stores.sqlite import SqliteStore

    return await SqliteStore.open(log, chain_key=chain_key, read_only=True)
