"""A payment's decisions, explained: after each event, its status, the step then due, the rule that chose it,
and which earlier events that step relied on. ``payfold explain`` and the audit report print it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Final

import msgspec

from ._decide import next_step
from ._events import (
    ActionRequired,
    ChargeRejected,
    Event,
    LongRequestStarted,
    OutcomeUnknown,
    PaymentCreated,
    ProviderAnswer,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryNotFound,
    RequestSent,
    WebhookReceived,
)
from ._fold import evolve
from ._payment import Payment
from ._policy import Policy
from ._rules import RULES, Rule
from ._status import Status
from ._steps import Step


class Moment(msgspec.Struct, frozen=True, kw_only=True):
    """One event of a payment's timeline, and what the policy said right after it."""

    version: int
    """The event's version in its stream (1-based)."""
    event: Event
    status: Status
    """The status after the event."""
    step: Step
    """``next_step`` after the event."""
    rule: Rule
    """The rule that chose ``step`` (``RULES[step.rule]``)."""
    relied_on: tuple[int, ...]
    """Versions of the events the step's choice and due time were derived from."""


def timeline(events: Sequence[Event], policy: Policy, *, until: datetime | None = None) -> list[Moment]:
    """One ``Moment`` per event of ``events`` (a whole stream, in version order), stopping before the first event
    recorded after ``until``. Raises ``IllegalTransition`` where ``fold`` would."""
    moments: list[Moment] = []
    state: Payment | None = None
    for index, event in enumerate(events):
        if until is not None and event.at > until:
            break
        state = evolve(state, event)
        step = next_step(state, policy)
        relied_on = resolve(step, events[: index + 1])
        moments.append(
            Moment(version=index + 1, event=event, status=state.status, step=step, rule=RULES[step.rule],
                   relied_on=relied_on)
        )  # fmt: skip
    return moments


def resolve(step: Step, history: Sequence[Event]) -> tuple[int, ...]:
    """The versions (1-based) of the events in ``history`` that ``step.basis`` names: for each anchor, the latest
    event of the anchor's kind recorded at the anchor's time."""
    versions: set[int] = set()
    for anchor, moment in step.basis:
        fits = _ANCHORS.get(anchor, _any)
        for index in range(len(history) - 1, -1, -1):
            event = history[index]
            if event.at == moment and fits(event):
                versions.add(index + 1)
                break
    return tuple(sorted(versions))


def _operation(event: Event) -> str | None:
    if isinstance(event, ProviderAnswer) and not isinstance(event, WebhookReceived):
        return event.wire.operation
    return None


def _any(event: Event) -> bool:
    return True


_ANCHORS: Final[dict[str, Callable[[Event], bool]]] = {
    "created": lambda e: isinstance(e, PaymentCreated),
    "charge_answer": lambda e: _operation(e) in ("charge", "validate"),
    "long_request": lambda e: isinstance(e, LongRequestStarted),
    "requery_answer": lambda e: _operation(e) == "requery",
    "poll_answer": lambda e: _operation(e) == "poll",
    "poll_completed": lambda e: _operation(e) == "poll",
    "ambiguity": lambda e: isinstance(e, OutcomeUnknown),
    "webhook": lambda e: isinstance(e, WebhookReceived),
    "in_flight": lambda e: isinstance(e, RequestSent),
    "charge_sent": lambda e: isinstance(e, RequestSent) and e.operation == "charge",
    "not_found": lambda e: isinstance(e, RequeryNotFound),
    "awaiting": lambda e: isinstance(e, ActionRequired),
    "confirmed": lambda e: isinstance(e, RequeryConfirmed),
    "declined": lambda e: isinstance(e, RequeryDeclined),
    "rejected": lambda e: isinstance(e, ChargeRejected),
    "latest": _any,
}
"""What kind of event each anchor a step's ``basis`` names can be."""
