"""The emulated providers' own records: one order per (provider, reference), as their status APIs report it.

``Book.submit`` is the origin's charge logic shared by both providers: a reference it knows is a duplicate (no
money moves); a new one becomes an order, charged in the ledger unless declined, and queues the webhooks the
provider would send once the charge lands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Literal, NamedTuple, TypeAlias

import msgspec

from payfold.adapters.sandbox._faults import rng
from payfold.adapters.sandbox._ledger import Ledger

Outcome = Literal["success", "failure"]


class Order(msgspec.Struct, frozen=True, kw_only=True):
    """One charge as the provider knows it. Invisible to the status API before ``visible_from``."""

    provider: str
    reference: str
    amount: int
    currency: str
    outcome: Outcome
    created_at: datetime
    visible_from: datetime
    payment_id: str
    """Tranzzo ``payment_id`` / Rave ``id`` (digits)."""
    provider_ref: str
    """Tranzzo ``transaction_id`` / Rave ``flwRef``."""
    details: dict[str, str] = {}

    def visible(self, now: datetime) -> bool:
        return now >= self.visible_from


class Attempted(msgspec.Struct, frozen=True, kw_only=True, tag="attempt"):
    """A charge request for ``reference`` reached the origin (a journal entry)."""

    provider: str
    reference: str


class Placed(msgspec.Struct, frozen=True, kw_only=True, tag="order"):
    """The origin created ``order``: charged, unless its outcome is ``failure`` (a journal entry)."""

    order: Order


Entry: TypeAlias = Attempted | Placed
"""One fact of the origin, as ``_sandbox_journal`` writes it."""


class Submitted(NamedTuple):
    """What ``Book.submit`` did: the order for the reference, and whether this call created it."""

    order: Order
    created: bool


WebhookSink = Callable[[Order], None]


class Book:
    """Orders by (provider, reference), backed by the ledger for the money."""

    def __init__(
        self, *, seed: int, ledger: Ledger, on_landed: WebhookSink, journal: Callable[[Entry], None] | None = None
    ) -> None:
        self._seed = seed
        self._ledger = ledger
        self._on_landed = on_landed
        self._journal = journal
        self.orders: dict[tuple[str, str], Order] = {}

    def restore(self, entries: Iterable[Entry]) -> None:
        """Replay journal ``entries`` (an earlier process's facts) into the orders and the ledger, queueing no
        webhooks and writing nothing."""
        for entry in entries:
            if isinstance(entry, Attempted):
                self._ledger.attempt(entry.provider, entry.reference)
                continue
            order = entry.order
            self.orders[(order.provider, order.reference)] = order
            if order.outcome == "success":
                self._ledger.apply(
                    order.provider, order.reference, amount=order.amount, currency=order.currency, at=order.visible_from
                )

    def get(self, provider: str, reference: str) -> Order | None:
        return self.orders.get((provider, reference))

    def submit(
        self,
        provider: str,
        reference: str,
        *,
        amount: int,
        currency: str,
        now: datetime,
        decline: bool = False,
        landing: timedelta = timedelta(0),
        details: dict[str, str] | None = None,
    ) -> Submitted:
        """A charge request reached the origin: refuse a known reference, else record (and charge) it."""
        self._ledger.attempt(provider, reference)
        if self._journal is not None:
            self._journal(Attempted(provider=provider, reference=reference))
        known = self.get(provider, reference)
        if known is not None:
            return Submitted(known, created=False)
        ids = rng(self._seed, provider, reference, "ids")
        order = Order(
            provider=provider,
            reference=reference,
            amount=amount,
            currency=currency,
            outcome="failure" if decline else "success",
            created_at=now,
            visible_from=now + landing,
            payment_id=str(ids.randrange(10**9, 10**10)),
            provider_ref=f"{ids.randrange(16**12):012x}",
            details=dict(details or {}),
        )
        self.orders[(provider, reference)] = order
        if self._journal is not None:
            self._journal(Placed(order=order))
        if not decline:
            self._ledger.apply(provider, reference, amount=amount, currency=currency, at=order.visible_from)
        self._on_landed(order)
        return Submitted(order, created=True)
