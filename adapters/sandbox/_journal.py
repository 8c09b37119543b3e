"""The sandbox's memory across restarts: an append-only JSON-lines file of what its origin did.

Each line is one fact: a charge request that reached the origin (``attempt``), or an order the origin created
(``order``: amount, outcome, landing time, ids). A sandbox opened on the same file replays it first, so its
orders (what the status APIs answer) and its ledger (what it charged) outlive the process: a second ``payfold demo
--db X`` reconciles against what the first run really charged, not against an empty ledger. Each line is
written and flushed when the fact happens (no fsync: the file survives the process, not a power loss). A torn
last line, from a crash in the middle of a write, is ignored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import msgspec

from payfold.adapters.sandbox._book import Entry

_encoder: Final = msgspec.json.Encoder()
_decoder: Final = msgspec.json.Decoder(Entry)


class Journal:
    """The file at ``path`` (created on the first write)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def entries(self) -> list[Entry]:
        """Every complete entry, in the order it was written (none when the file does not exist)."""
        if not self.path.exists():
            return []
        found: list[Entry] = []
        for line in self.path.read_bytes().splitlines():
            if not line.strip():
                continue
            try:
                found.append(_decoder.decode(line))
            except msgspec.DecodeError:
                break  # a torn last line: the process died while writing it
        return found

    def write(self, entry: Entry) -> None:
        """Append ``entry`` as one line and flush it."""
        with self.path.open("ab") as file:
            file.write(_encoder.encode(entry) + b"\n")
