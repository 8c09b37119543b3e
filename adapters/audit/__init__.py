"""Audits of a stored log: chain (optionally keyed), checkpoints, replay, invariants, conduct, due rows, HTML
report. ``docs/audit.md`` says what each mode proves."""

from payfold.adapters.audit._audit import audit
from payfold.adapters.audit._checkpoint import CheckpointError
from payfold.adapters.audit._findings import AuditReport, Decision, Finding, FindingKind, Review
from payfold.adapters.audit._html import write_report
from payfold.adapters.audit._source import AuditSource, open_log

__all__ = [
    "AuditReport",
    "AuditSource",
    "CheckpointError",
    "Decision",
    "Finding",
    "FindingKind",
    "Review",
    "audit",
    "open_log",
    "write_report",
]
