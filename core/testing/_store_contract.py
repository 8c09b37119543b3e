"""EventStoreContract: the one test class every store's tests subclass (work in progress)."""

from __future__ import annotations


class EventStoreContract:
    """Subclass and provide a ``store`` fixture."""
