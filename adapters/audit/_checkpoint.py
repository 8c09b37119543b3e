"""Checkpoints: every stream's head (version and hash) and the log's totals, in a JSON file kept away from the
log, so a later audit can tell whether each history still extends what was seen.

A stream whose history no longer reaches its checkpointed version (a deleted tail), that is gone (a deleted
stream), or whose event at that version hashes differently (a rewritten history, re-hashed or not) is a
``checkpoint`` finding. Growth since the checkpoint is fine: the chain ties the later events to the head.

The file::

    {"payfold_checkpoint": 1, "log": "events.db", "keyed": false,
     "heads": {"pay-1": [6, "9f2c..."], "pay-2": [9, "03ab..."]},
     "streams": 2, "events": 15, "written_at": "2026-12-02T10:00:00Z"}

It is written as the audit walks (one head at a time, to a temporary file beside it) and moved into place in
one rename when the audit's integrity checks pass; a failed or interrupted audit leaves the old file as it was.
Comparing holds the checkpoint's heads in memory (about 300 bytes per stream), dropping each as its stream is
read.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Final

import msgspec

from payfold import PayfoldError
from payfold.adapters.audit._findings import Finding
from payfold.adapters.audit._walk import History

FORMAT: Final = 1


class CheckpointError(PayfoldError, ValueError):
    """A checkpoint file that cannot be read (``path`` names it)."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path


class Checkpoint(msgspec.Struct, kw_only=True):
    """A checkpoint file, read."""

    payfold_checkpoint: int
    log: str
    keyed: bool
    heads: dict[str, tuple[int, str]]
    streams: int
    events: int
    written_at: datetime


def load(path: Path) -> Checkpoint:
    """Read the checkpoint at ``path`` (``CheckpointError`` when it is not one this payfold reads)."""
    try:
        found = msgspec.json.decode(path.read_bytes(), type=Checkpoint)
    except msgspec.DecodeError as exc:
        raise CheckpointError(path, f"not a payfold checkpoint ({exc})") from None
    if found.payfold_checkpoint != FORMAT:
        raise CheckpointError(path, f"checkpoint format {found.payfold_checkpoint}; this payfold reads {FORMAT}")
    return found


class Comparison:
    """Compares each history the audit walks with the checkpoint's head of that stream."""

    def __init__(self, checkpoint: Checkpoint) -> None:
        self._heads = checkpoint.heads

    def history(self, history: History) -> Finding | None:
        """What ``history`` says against its checkpointed head (None: it extends it, or was not checkpointed)."""
        kept = self._heads.pop(history.stream, None)
        if kept is None:
            return None
        version, hashed = kept
        found = history.hashes.get(version)
        if found is None:
            last = history.head[0]
            return Finding(
                kind="checkpoint",
                stream=history.stream,
                version=version,
                rule="tail",
                detail=f"the checkpoint has v{version} (hash {hashed[:12]}); the log's history ends at v{last}: "
                "events were deleted",
            )
        if found != hashed:
            return Finding(
                kind="checkpoint",
                stream=history.stream,
                version=version,
                rule="rewritten",
                detail=f"v{version} hashes {found[:12]}, the checkpoint says {hashed[:12]}: the history up to it "
                "was rewritten",
            )
        return None

    def missing(self) -> list[Finding]:
        """The checkpointed streams the walk never met: deleted."""
        return [
            Finding(
                kind="checkpoint",
                stream=stream,
                version=version,
                rule="stream",
                detail=f"the checkpoint has this stream at v{version} (hash {hashed[:12]}); the log has no such stream",
            )
            for stream, (version, hashed) in sorted(self._heads.items())
        ]


class Writer:
    """Writes a new checkpoint as the audit walks: heads streamed to a temporary file, moved into place by
    ``commit``, removed by ``discard``."""

    def __init__(self, path: Path, *, log: str, keyed: bool) -> None:
        self.path = path
        self._temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self._file: IO[bytes] = open(self._temporary, "wb")  # noqa: SIM115  # closed by commit / discard
        self._first = True
        head = f'{{"payfold_checkpoint":{FORMAT},"log":'.encode() + msgspec.json.encode(log)
        self._file.write(head + b',"keyed":' + (b"true" if keyed else b"false") + b',"heads":{')

    def add(self, history: History) -> None:
        """Record ``history``'s head."""
        entry = msgspec.json.encode(history.stream) + b":" + msgspec.json.encode(list(history.head))
        self._file.write(entry if self._first else b",\n" + entry)
        self._first = False

    def commit(self, streams: int, events: int, written_at: datetime | None = None) -> None:
        """Finish the file and move it into place atomically (durable before the rename, and the rename too)."""
        at = msgspec.json.encode(written_at or datetime.now(UTC))
        self._file.write(f'}},"streams":{streams},"events":{events},"written_at":'.encode() + at + b"}\n")
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def discard(self) -> None:
        """Leave the old checkpoint (if any) as it was."""
        if not self._file.closed:
            self._file.close()
        self._temporary.unlink(missing_ok=True)
