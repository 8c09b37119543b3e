"""What one runner did, counted as it goes (``Runner.stats``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class RunnerStats:
    """What one runner did: requests by operation, transport errors, lost races, commits, answers an adapter
    could not translate, and the streams it skipped as broken (stream -> why)."""

    requests: Counter[str] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    concluded: int = 0
    adapter_errors: int = 0
    broken: dict[str, str] = field(default_factory=dict)
