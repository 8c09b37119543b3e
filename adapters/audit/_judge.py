"""Judging one payment's history: replay, the independent invariants, the conduct of every request, and what
the log should say about it (its next due time, a review, an operator's decision). Pure: no I/O.

Three judges that do not share code: ``evolve`` (the machine) replays; ``check_history`` (the reference model in
``payfold._oracle``) checks invariants 1-7 the decider must keep; ``conduct`` checks that every request the
runner sent was the step the policy allowed at that moment. A finding names the stored version of the row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from payfold import (
    Done,
    Event,
    FailedManually,
    PayfoldError,
    Payment,
    Policy,
    ProviderAnswer,
    ReviewRequired,
    SettledManually,
    conduct,
    evolve,
    next_step,
    tag_of,
)
from payfold._invariants import InvariantViolation, check_history
from payfold.adapters.audit._findings import Decision, Finding, Review


@dataclass(frozen=True)
class Due:
    """When an open payment's next step is due, by which rule, at which head version."""

    at: datetime
    rule: str
    step: str
    version: int


@dataclass
class Judgement:
    """What one history showed. ``status`` is None when it cannot be replayed."""

    status: str | None = None
    findings: list[Finding] = field(default_factory=list)
    review: Review | None = None
    decisions: list[Decision] = field(default_factory=list)
    due: Due | None = None
    """The next step when the payment is still open (None: nothing is due, or the history cannot be judged)."""


def judge(
    stream: str, events: Sequence[Event], versions: Sequence[int], policy_of: Callable[[str], Policy]
) -> Judgement:
    """Judge ``events`` (one stream's whole history; ``versions`` their stored versions) under the policy the
    payment recorded at creation, or else its provider's (``policy_of``)."""
    result = Judgement()
    state = _replay(stream, events, versions, result)
    if state is None:
        return result
    result.status = state.status.value
    policy = state.policy if state.policy is not None else policy_of(state.provider)  # the one it ran under
    try:
        check_history(events, policy)
    except InvariantViolation as violation:
        result.findings.append(_invariant(stream, violation, versions))
    except (PayfoldError, ValueError) as problem:  # the oracle could not read the history: say so, go on
        result.findings.append(Finding(kind="invariant", stream=stream, detail=_first_line(problem)))
    for misconduct in conduct(events, policy):
        result.findings.append(
            Finding(
                kind="conduct",
                stream=stream,
                version=versions[misconduct.version - 1],
                rule=misconduct.rule,
                detail=misconduct.detail,
            )
        )
    step = next_step(state, policy)
    if not isinstance(step, Done):
        result.due = Due(at=step.due, rule=step.rule, step=type(step).__name__, version=versions[-1])
    if state.needs_review and not state.status.is_verdict:  # a verdict (an operator's too) ends the review
        result.review = _review(stream, events, state)
    result.decisions = _decisions(stream, events, versions)
    return result


def _replay(stream: str, events: Sequence[Event], versions: Sequence[int], result: Judgement) -> Payment | None:
    """Fold ``events`` one by one; an event the machine refuses is a ``replay`` finding at its version."""
    state: Payment | None = None
    for event, version in zip(events, versions, strict=True):
        try:
            state = evolve(state, event)
        except (PayfoldError, ValueError) as problem:
            result.findings.append(Finding(kind="replay", stream=stream, version=version, detail=_first_line(problem)))
            return None
    return state


def _invariant(stream: str, violation: InvariantViolation, versions: Sequence[int]) -> Finding:
    detail = _first_line(violation).removeprefix(f"{violation.invariant}: ")
    index = violation.index
    version = versions[index] if index is not None and index < len(versions) else None
    return Finding(kind="invariant", stream=stream, version=version, rule=violation.invariant, detail=detail)


def _review(stream: str, events: Sequence[Event], state: Payment) -> Review:
    asked = next((e for e in reversed(events) if isinstance(e, ReviewRequired)), None)
    answer = next((e for e in reversed(events) if isinstance(e, ProviderAnswer)), None)
    reason = state.review_reason or (asked.reason if asked is not None else "")
    return Review(
        stream=stream,
        reason=str(reason),
        since=asked.at if asked is not None else state.last_at,
        last_answer=tag_of(answer) if answer is not None else "",
    )


def _decisions(stream: str, events: Sequence[Event], versions: Sequence[int]) -> list[Decision]:
    found = []
    for event, version in zip(events, versions, strict=True):
        if isinstance(event, SettledManually | FailedManually):
            outcome: Literal["settled", "failed"] = "settled" if isinstance(event, SettledManually) else "failed"
            found.append(
                Decision(
                    stream=stream,
                    version=version,
                    outcome=outcome,
                    operator=event.operator,
                    note=event.note,
                    at=event.at,
                )
            )
    return found


def _first_line(problem: Exception) -> str:
    text = str(problem).strip()
    return text.splitlines()[0] if text else type(problem).__name__
