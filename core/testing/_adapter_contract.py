"""AdapterContract: the one test class every adapter's tests subclass (work in progress)."""

from __future__ import annotations


class AdapterContract:
    """Subclass with ``adapter`` set to a provider module (or any object with the same members)."""
