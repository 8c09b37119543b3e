"""Deterministic jitter: extra time that is a pure function of (payment, operation, count)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

_MICRO = timedelta(microseconds=1)


def jitter_fraction(payment_id: str, operation: str, count: int) -> float:
    """A number in [0, 1) drawn from a hash: the same inputs always give the same number."""
    digest = hashlib.blake2b(f"{payment_id}\0{operation}\0{count}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def jittered(delay: timedelta, fraction: float, payment_id: str, operation: str, count: int) -> timedelta:
    """``delay`` plus up to ``fraction`` of it; never less than ``delay``, reproduced exactly on replay."""
    if fraction <= 0.0 or delay <= timedelta(0):
        return delay
    extra = int(delay / _MICRO * fraction * jitter_fraction(payment_id, operation, count))
    return delay + timedelta(microseconds=extra)
