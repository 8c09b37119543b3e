"""The sandbox's ground truth: what it really charged, per (provider, reference).

The emulated providers refuse a second charge with a reference they know (Tranzzo ``P-409``, Rave's duplicate
replay), so ``times_applied`` stays at most 1. The ledger still counts honestly: ``apply`` adds one every time it
is called, and ``attempts`` counts every charge request that reached the origin, so a reconciliation can see a
double charge if the dedup were ever bypassed. ``repeats`` counts the charge requests that reached the origin for a
reference whose money had already moved: the dedup refused each of them, but a provider without one would have
charged again, so each is a double charge the client asked for.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import msgspec


class ChargeRecord(msgspec.Struct, frozen=True, kw_only=True):
    """Money the sandbox moved for one reference. ``charged_at``: when it landed (late landings land later)."""

    reference: str
    provider: str
    amount: int
    """Minor units."""
    currency: str
    charged_at: datetime
    times_applied: int = 1
    attempts: int = 1
    """Charge requests for this reference that reached the origin (refused duplicates included)."""


class Ledger:
    """Charges keyed by ``(provider, reference)``; declined and refused charges move no money and have no record."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], ChargeRecord] = {}
        self._attempts: Counter[tuple[str, str]] = Counter()
        self.repeats: Counter[tuple[str, str]] = Counter()
        """Charge requests that reached the origin after the reference's money had moved, by (provider, reference)."""

    def attempt(self, provider: str, reference: str) -> int:
        """Count one charge request that reached the origin; the count so far."""
        key = (provider, reference)
        self._attempts[key] += 1
        record = self.records.get(key)
        if record is not None:
            self.repeats[key] += 1
            self.records[key] = msgspec.structs.replace(record, attempts=self._attempts[key])
        return self._attempts[key]

    def apply(self, provider: str, reference: str, *, amount: int, currency: str, at: datetime) -> ChargeRecord:
        """Move the money (once more, if a record exists: that is a double charge, and it shows)."""
        key = (provider, reference)
        record = self.records.get(key)
        if record is None:
            record = ChargeRecord(
                reference=reference,
                provider=provider,
                amount=amount,
                currency=currency,
                charged_at=at,
                attempts=max(self._attempts[key], 1),
            )
        else:
            record = msgspec.structs.replace(record, times_applied=record.times_applied + 1)
        self.records[key] = record
        return record

    def attempts(self, provider: str, reference: str) -> int:
        """Charge requests for ``reference`` that reached the origin (0 when none did)."""
        return self._attempts[(provider, reference)]

    def charged(self, provider: str, reference: str) -> int:
        """How many times money moved for ``reference``: 0, or 1 (more would be a double charge)."""
        record = self.records.get((provider, reference))
        return 0 if record is None else record.times_applied

    def total(self, currency: str | None = None) -> int:
        """Minor units charged in all (in ``currency`` only, when given), double charges counted twice."""
        return sum(
            r.amount * r.times_applied for r in self.records.values() if currency is None or r.currency == currency
        )

    def snapshot(self) -> dict[tuple[str, str], ChargeRecord]:
        """A copy of the records (the records themselves are frozen)."""
        return dict(self.records)
