"""Audits of a stored log: chain (optionally keyed), checkpoints, replay, invariants, conduct, HTML report."""

from payfold.adapters.audit._findings import AuditReport, Finding, FindingKind, Review

__all__ = ["AuditReport", "Finding", "FindingKind", "Review"]
