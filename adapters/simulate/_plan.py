"""What one seed's world is made of: the settings, the compressed policies, the faults, the payments.

Everything here is a pure function of the seed (``rng(seed, ...)``): the same seed gives the same world.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from payfold import PaymentCreated, Policy
from payfold.adapters.sandbox._faults import FaultPlan, rng

EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BASE_URL = "http://sandbox.sim"
TIMEOUT = timedelta(seconds=5)
"""The policies' client timeout in the simulation (compressed; hangs and drips last longer)."""
DEADLINE = timedelta(hours=12)
"""The policies' deadline in the simulation (a payment still ambiguous then is handed to a human)."""
LEASE = timedelta(seconds=5)
"""How long a worker holds due work it leased (PostgreSQL), compressed like the timeout."""


@dataclass(frozen=True)
class Settings:
    """What one seed's world looks like (the same for every seed of a run)."""

    payments: int = 3
    workers: int = 4
    kill_rate: float = 0.5
    """The chance that a worker incarnation is killed at some await."""
    max_kills: int = 3
    """Kills per seed at most."""
    kill_window: int = 60
    """A kill lands on one of a worker's first ``kill_window`` counted awaits."""
    horizon: timedelta = timedelta(days=1)
    """Virtual time after which the world stops (12 hours past the policies' deadline)."""
    policies: Mapping[str, Policy] = field(default_factory=dict)
    """Policies to use instead of ``policy_for(adapter)``, by provider name (to try a policy of your own)."""


def policy_for(adapter: Any) -> Policy:
    """The provider's documented policy, compressed where only waiting is at stake: a 5 s client timeout and
    in-flight grace, and a 12-hour deadline (the backoff, the resend rule and the not-found grace are the
    provider's: 10 minutes, far beyond the sandbox's 2-minute late landing, so a resend the rule allows can never
    meet money)."""
    base: Policy = adapter.POLICY
    return msgspec.structs.replace(base, timeout=TIMEOUT, in_flight_grace=TIMEOUT, deadline=DEADLINE)


def fault_plan(seed: int) -> FaultPlan:
    """The seed's faults: a rate of 20-50 %, every kind including drips, hangs and drips past the timeout."""
    weights = {**FaultPlan().weights, "drip": 0.5}
    rate = round(rng(seed, "fault-rate").uniform(0.2, 0.5), 3)
    return FaultPlan(
        rate=rate,
        weights=weights,
        hang_seconds=TIMEOUT.total_seconds() * 1.6,
        drip_seconds=TIMEOUT.total_seconds() * 1.6,
        drip_chunks=4,
        landing_delay=timedelta(minutes=2),
        webhook_duplicates=0.3,
    )


def payment(seed: int, n: int, at: datetime) -> PaymentCreated:
    """Payment ``n`` of ``seed``: Tranzzo (direct or hosted) or Rave (token or client blob), a seeded amount."""
    draw = rng(seed, "payment", n)
    payment_id, reference = f"pay-{n:03d}", f"order-{n:03d}"
    if draw.random() < 0.5:
        details = {"cc_token": f"tok-{n}"} if draw.random() < 0.7 else {"customer_email": f"c{n}@example.com"}
        amount, currency, provider = draw.randrange(1, 50_000) * 100, "UAH", "tranzzo"
    else:
        amount, currency, provider = draw.randrange(10, 200_000) * 100, "NGN", "flutterwave"
        if draw.random() < 0.75:
            details = {"token": f"flw-t1nf-{n}", "email": f"c{n}@example.com"}
        else:
            blob = {"txRef": reference, "amount": f"{amount // 100}.00", "currency": currency, "cardno": "tok"}
            details = {"client": base64.b64encode(msgspec.json.encode(blob)).decode("ascii")}
    return PaymentCreated(
        at=at, payment_id=payment_id, provider=provider, amount=amount, currency=currency, reference=reference,
        details=details,
    )  # fmt: skip
