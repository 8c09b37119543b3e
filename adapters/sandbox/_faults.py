"""Seeded fault injection for the sandbox: which fault (if any) one request meets, and what it does to the ledger.

Every draw comes from a ``random.Random`` seeded with a SHA-256 of ``(seed, provider, reference, operation,
attempt)``, so the outcome of one request depends only on the seed and on how many calls of that operation the
same reference made before: concurrency and the order of other payments change nothing.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Final, Literal, NamedTuple, TypeAlias

import msgspec

SandboxOperation: TypeAlias = Literal["charge", "poll", "requery"]

GATEWAY_KINDS: Final = ("nginx_502", "nginx_503", "nginx_504", "cloudflare_502", "cloudflare_522")
KINDS: Final = (
    *GATEWAY_KINDS,
    "error_500",
    "rate_429",
    "hang",
    "reset",
    "long_request",
    "late_landing",
    "decline",
    "drip",
)
"""Every fault kind, in the fixed order the draw walks them (the order is part of the seeded outcome). ``drip``
came last and has no default weight, so adding it changed no earlier seed's draws."""

APPLIED: Final[Mapping[str, float]] = MappingProxyType(
    {
        "nginx_502": 0.5,
        "nginx_503": 0.0,
        "nginx_504": 1.0,
        "cloudflare_502": 0.5,
        "cloudflare_522": 0.0,
        "error_500": 0.5,
        "rate_429": 0.0,
        "hang": 1.0,
        "reset": 1.0,
        "long_request": 1.0,
        "late_landing": 1.0,
        "decline": 1.0,
        "drip": 1.0,
    }
)
"""The chance that a *charge* meeting this fault reached the provider's origin (which applies it, or refuses it
as a duplicate). 502: the origin may have answered before the proxy failed. 503 / 522 / 429: the request was
refused in front of the origin. 504: the origin took the charge and was slow. A drip is the origin's own answer,
sent slowly. A requery or poll never changes
the ledger, whatever the fault."""

_CHARGE_ONLY: Final = frozenset(("long_request", "late_landing", "decline"))
_DEFAULT_WEIGHTS: Final = MappingProxyType(
    {
        "nginx_502": 1.0,
        "nginx_503": 1.0,
        "nginx_504": 1.0,
        "cloudflare_502": 0.5,
        "cloudflare_522": 0.5,
        "error_500": 1.0,
        "rate_429": 1.0,
        "hang": 0.5,
        "reset": 0.5,
        "long_request": 1.0,
        "late_landing": 1.0,
        "decline": 1.0,
    }
)


def _default_weights() -> dict[str, float]:
    return dict(_DEFAULT_WEIGHTS)


class FaultPlan(msgspec.Struct, frozen=True, kw_only=True):
    """How often requests meet a fault (``rate``) and how the faults spread over the kinds (``weights``).

    A kind that cannot happen on an operation (``long_request`` outside a Rave ``?use_polling=1`` charge;
    ``late_landing`` and ``decline`` outside a charge) is left out of that draw and the other weights are
    renormalised, so ``rate`` stays the share of calls that meet some fault. ``pending_polls``: a long
    request answers ``REQSPONSE`` pending between 1 and this many times before ``completed``.
    ``webhook_duplicates``: the share of webhooks the provider delivers twice. ``drip`` (no default weight)
    sends the answer's headers at once and its body in ``drip_chunks`` pieces spread over ``drip_seconds``: each
    read is quick, the whole answer slow, so only a timeout on the whole exchange catches it.
    """

    rate: float = 0.3
    weights: dict[str, float] = msgspec.field(default_factory=_default_weights)
    hang_seconds: float = 1.0
    landing_delay: timedelta = timedelta(minutes=2)
    pending_polls: int = 2
    webhook_duplicates: float = 0.2
    drip_seconds: float = 2.0
    drip_chunks: int = 4

    def __post_init__(self) -> None:
        for name in ("rate", "webhook_duplicates"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"FaultPlan.{name} must be within 0..1, got {value}")
        unknown = sorted(set(self.weights) - set(KINDS))
        if unknown:
            raise ValueError(f"FaultPlan.weights has unknown kinds {unknown}; known: {', '.join(KINDS)}")
        negative = sorted(kind for kind, weight in self.weights.items() if not weight >= 0.0)
        if negative:
            raise ValueError(f"FaultPlan.weights must be >= 0, not for {negative}")
        if self.hang_seconds < 0 or self.landing_delay < timedelta(0) or self.drip_seconds < 0:
            raise ValueError("FaultPlan.hang_seconds, landing_delay and drip_seconds must not be negative")
        if self.drip_chunks < 1:
            raise ValueError(f"FaultPlan.drip_chunks must be >= 1, got {self.drip_chunks}")
        if self.pending_polls < 1:
            raise ValueError(f"FaultPlan.pending_polls must be >= 1, got {self.pending_polls}")

    @classmethod
    def none(cls) -> FaultPlan:
        """No faults at all: every request is answered by the emulated provider."""
        return cls(rate=0.0)

    @classmethod
    def only(cls, kind: str, *, rate: float = 1.0, **options: float | int | timedelta) -> FaultPlan:
        """Faults of one ``kind`` at ``rate`` (every request by default), other fields from ``options``."""
        return cls(rate=rate, weights={kind: 1.0}, **options)  # type: ignore[arg-type]


class Fault(NamedTuple):
    """The fault one request meets: its kind, whether a charge reached the origin, and the draws it needs."""

    kind: str
    applied: bool
    retry_after: int
    """Seconds in ``Retry-After`` (``rate_429``)."""
    pending_polls: int
    """``REQSPONSE`` pending answers before ``completed`` (``long_request``)."""
    variant: int
    """Which of a provider's shapes to send (``error_500``: 0 or 1)."""


def rng(seed: int, *key: str | int) -> random.Random:
    """A generator seeded by ``seed`` and ``key`` alone (SHA-256, stable across runs and processes)."""
    material = "\x1f".join(str(part) for part in (seed, *key)).encode("utf-8", "surrogatepass")
    return random.Random(int.from_bytes(hashlib.sha256(material).digest()[:8], "big"))


def eligible(kind: str, provider: str, operation: SandboxOperation, *, polling: bool) -> bool:
    """Whether fault ``kind`` can happen on this call."""
    if kind == "long_request":
        return provider == "flutterwave" and operation == "charge" and polling
    if kind in _CHARGE_ONLY:
        return operation == "charge"
    return True


def draw(
    plan: FaultPlan,
    seed: int,
    *,
    provider: str,
    reference: str,
    operation: SandboxOperation,
    attempt: int,
    polling: bool = False,
) -> Fault | None:
    """The fault the ``attempt``-th ``operation`` call for ``reference`` meets, or None (answered normally)."""
    generator = rng(seed, provider, reference, operation, attempt)
    hit = generator.random() < plan.rate
    pick = generator.random()
    applied_draw, retry_after = generator.random(), generator.randint(1, 3)
    pending, variant = generator.randint(1, plan.pending_polls), generator.randint(0, 1)
    if not hit:
        return None
    kinds = [k for k in KINDS if plan.weights.get(k, 0.0) > 0 and eligible(k, provider, operation, polling=polling)]
    total = sum(plan.weights[k] for k in kinds)
    if not kinds or total <= 0:
        return None
    point, chosen = pick * total, kinds[-1]
    for kind in kinds:
        point -= plan.weights[kind]
        if point < 0:
            chosen = kind
            break
    applied = operation == "charge" and applied_draw < APPLIED[chosen]
    return Fault(kind=chosen, applied=applied, retry_after=retry_after, pending_polls=pending, variant=variant)
