"""What-if replay: where a history's decisions would differ under another policy.

Only the first difference of a payment is a prediction: from there on the payment would have lived another
history (a requery at another time hears another answer). Later differences are counted, not claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from ._decide import next_step
from ._events import Event
from ._fold import evolve
from ._payment import Payment
from ._policy import Policy
from ._steps import Step


class Divergence(msgspec.Struct, frozen=True, kw_only=True):
    """The first moment two policies decide differently on one history."""

    version: int
    """The event after which the decisions differ."""
    at: datetime
    current: Step
    proposed: Step
    differing: int
    """How many moments of the history differ in all (the first one included)."""


def diverge(events: Sequence[Event], current: Policy, proposed: Policy) -> Divergence | None:
    """The first moment ``current`` and ``proposed`` would decide ``events`` differently, or None."""
    first: tuple[int, datetime, Step, Step] | None = None
    differing = 0
    state: Payment | None = None
    for index, event in enumerate(events):
        state = evolve(state, event)
        now, then = next_step(state, current), next_step(state, proposed)
        if now != then:
            differing += 1
            if first is None:
                first = (index + 1, event.at, now, then)
    if first is None:
        return None
    version, at, now, then = first
    return Divergence(version=version, at=at, current=now, proposed=then, differing=differing)
