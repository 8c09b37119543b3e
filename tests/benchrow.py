"""One row of ``make bench``: a payfold figure next to a baseline measured in the same run, as a ratio.

Every benchmark module exposes ``rows() -> list[Row]`` (it may take keyword arguments with defaults for the
sizes); ``python -m tests.bench_all`` runs them all and prints one table. The ratio is always "higher is better":
for a rate it is payfold / baseline, for a time or a cost it is baseline / payfold. ``target`` is the smallest
ratio the issue asks for, so ``met`` is ``ratio >= target``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """``row`` names the work; ``payfold`` and ``baseline`` are medians in ``unit``; ``note`` says what bounds it."""

    row: str
    payfold: float
    baseline: float
    unit: str
    ratio: float
    target: float
    note: str = ""

    @property
    def met(self) -> bool:
        return self.ratio >= self.target


def rate_row(row: str, payfold: float, baseline: float, unit: str, target: float, note: str = "") -> Row:
    """A row for rates (events/s, payments/s): ratio = payfold / baseline."""
    return Row(row, payfold, baseline, unit, payfold / baseline if baseline else 0.0, target, note)


def cost_row(row: str, payfold: float, baseline: float, unit: str, target: float, note: str = "") -> Row:
    """A row for times or costs (µs, CPU seconds, MB): ratio = baseline / payfold."""
    return Row(row, payfold, baseline, unit, baseline / payfold if payfold else 0.0, target, note)
