"""The conduct audit of one history: was each request the one the policy allowed at that moment?

For every request in the log, the history before it is folded and ``next_step`` asked what was due. A request
of another kind than that step (a charge resent while a requery was due), or sent before the step's due time (a
Tranzzo requery sooner than a minute after a 500), is a ``Misconduct`` naming the version and the rule. A
validate is the customer's act, not the runner's: it is allowed while the payment is open.

This judges the *runner's* conduct against the decider. Whether the decider itself keeps the safety rules is
judged separately, by the reference model in ``payfold._oracle`` (``check_history``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec

from ._decide import next_step
from ._events import Event, RequestSent
from ._fold import evolve
from ._payment import Payment
from ._policy import Policy
from ._steps import Conclude, Done, Poll, Requery, SendCharge, Step


class Misconduct(msgspec.Struct, frozen=True, kw_only=True):
    """A request the policy did not allow when it was sent."""

    version: int
    """The version of the ``request_sent`` judged."""
    rule: str
    """The rule of the step that was due instead (``payfold.RULES``)."""
    detail: str


_OPERATION_OF: Final[dict[type[Step], str]] = {SendCharge: "charge", Poll: "poll", Requery: "requery"}


def conduct(events: Sequence[Event], policy: Policy) -> list[Misconduct]:
    """Every request of ``events`` (one stream, in version order) that the policy did not allow at its moment.
    Raises ``IllegalTransition`` where ``fold`` would."""
    found: list[Misconduct] = []
    state: Payment | None = None
    for index, event in enumerate(events):
        if state is not None and isinstance(event, RequestSent) and event.operation in ("charge", "poll", "requery"):
            problem = _judge(event, next_step(state, policy), state)
            if problem is not None:
                found.append(Misconduct(version=index + 1, rule=problem[0], detail=problem[1]))
        state = evolve(state, event)
    return found


def _judge(request: RequestSent, step: Step, state: Payment) -> tuple[str, str] | None:
    sent = f"{request.operation} sent {request.at.isoformat()}"
    if isinstance(step, Done):
        return step.rule, f"{sent}, but nothing was due (status {state.status.value})"
    if isinstance(step, Conclude):
        concluded = type(step.event).__name__
        return step.rule, f"{sent}, but {concluded} was due {step.due.isoformat()}"
    wanted = _OPERATION_OF[type(step)]
    if wanted != request.operation:
        return step.rule, f"{sent}, but a {wanted} was due {step.due.isoformat()}"
    if request.at < step.due:
        return step.rule, f"{sent}, due no sooner than {step.due.isoformat()}"
    return None
