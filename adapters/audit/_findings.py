"""What an audit found, as data: one ``Finding`` per problem, and the report the CLI, ``--json`` and the HTML
page are written from."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeAlias

import msgspec

FindingKind: TypeAlias = Literal[
    "chain",  # a broken link of the hash chain (edit, delete, reorder, insert): verify's Problem
    "key",  # the chain key does not match (re-hashed without the key, or the wrong key given)
    "checkpoint",  # the history no longer extends the checkpointed head (tail deleted, stream deleted, rewritten)
    "unreadable",  # a row that cannot be decoded
    "replay",  # the history cannot be folded (an illegal transition)
    "invariant",  # an independent invariant of payfold.testing does not hold
    "conduct",  # a request the policy did not allow at that moment (too early, or of a kind not allowed)
    "due",  # an open payment has no due row, or one later than its next step (it would stall silently)
]


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One problem: where (``stream``, ``version`` when a row is named) and what (``kind``, ``rule``, ``detail``)."""

    kind: FindingKind
    stream: str
    version: int | None = None
    rule: str | None = None
    """The rule id (``payfold.RULES``) or invariant name the finding is judged by, when there is one."""
    detail: str = ""

    def line(self) -> str:
        """One line for the terminal: ``stream vN: kind [rule]: detail``."""
        where = self.stream if self.version is None else f"{self.stream} v{self.version}"
        rule = f" [{self.rule}]" if self.rule else ""
        return f"{where}: {self.kind}{rule}: {self.detail}"


class Review(msgspec.Struct, frozen=True, kw_only=True):
    """A payment under review: since when, why, and what the provider last said."""

    stream: str
    reason: str
    since: datetime
    last_answer: str = ""


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    """An operator's decision recorded in the log (``settled_manually`` / ``failed_manually``)."""

    stream: str
    version: int
    outcome: Literal["settled", "failed"]
    operator: str
    note: str
    at: datetime


@dataclass
class AuditReport:
    """Everything one audit found. ``ok`` only when nothing is wrong."""

    streams: int = 0
    events: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    keyed: bool = False
    """The chain was checked with a key (HMAC): re-hashing without the key is detected."""
    checkpoint: str | None = None
    """The checkpoint file compared against, when one was given."""
    log: str = ""
    """The log audited (a file path, or a DSN without its password)."""
    decisions: list[Decision] = field(default_factory=list)
    """Every operator decision in the log, in stream order."""
    checkpoint_file: str | None = None
    """The checkpoint file given (``--checkpoint``), compared against or not (it may not have existed yet)."""
    checkpoint_written: bool = False
    """The checkpoint file was (re)written with this audit's heads."""

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, object]:
        """The report as one JSON-ready object (``payfold audit --json``; docs/audit.md shows its shape)."""
        return {
            "ok": self.ok,
            "log": self.log,
            "streams": self.streams,
            "events": self.events,
            "statuses": dict(sorted(self.statuses.items())),
            "keyed": self.keyed,
            "checkpoint": self.checkpoint,
            "checkpoint_file": self.checkpoint_file,
            "checkpoint_written": self.checkpoint_written,
            "findings": msgspec.to_builtins(self.findings),
            "reviews": msgspec.to_builtins(self.reviews),
            "decisions": msgspec.to_builtins(self.decisions),
        }
