"""Example counts: the full numbers in CI (CI=true), a tenth of them on a developer's machine."""

from __future__ import annotations

import os

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def examples(in_ci: int) -> int:
    """``in_ci`` examples in CI, a tenth (at least 50) elsewhere; PAYFOLD_FULL=1 forces the CI count."""
    if IN_CI or os.environ.get("PAYFOLD_FULL") == "1":
        return in_ci
    return max(50, in_ci // 10)
