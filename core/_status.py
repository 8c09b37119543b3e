"""The statuses of a payment."""

from __future__ import annotations

import enum


class Status(enum.Enum):
    """Where a payment stands. ``SETTLED`` and ``FAILED`` are verdicts and absorbing."""

    CREATED = "created"
    PENDING = "pending"
    POLLING = "polling"
    REQUERIED = "requeried"
    SETTLED = "settled"
    FAILED = "failed"

    @property
    def is_verdict(self) -> bool:
        """True for ``SETTLED`` and ``FAILED``."""
        return self in (Status.SETTLED, Status.FAILED)
