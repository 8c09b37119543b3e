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
    "due",  # an open payment has no due row (it would stall silently), or a due row for a finished one
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

    @property
    def ok(self) -> bool:
        return not self.findings
