"""Hypothesis strategies for decided histories: answers that fit the step the decider asked for, and histories
that follow ``next_step`` with the odd unasked answer, lost answer and webhook mixed in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from payfold import (
    DEFAULT_POLICY,
    ActionRequired,
    ChargeAccepted,
    ChargeDeclined,
    ChargeDuplicate,
    ChargeRejected,
    Conclude,
    Done,
    Event,
    FailedManually,
    LongRequestStarted,
    NotProcessed,
    Operation,
    OutcomeUnknown,
    Payment,
    Policy,
    Poll,
    PollCompleted,
    PollFailed,
    PollPending,
    ProviderAnswer,
    Requery,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
    RequeryPending,
    RequestSent,
    SendCharge,
    SettledManually,
    Status,
    WebhookReceived,
    evolve,
    next_step,
)

from ._strategies import created_events, event_of, gaps, utc_datetimes, wires

_CHARGE_ANSWERS: tuple[type[ProviderAnswer], ...] = (
    ChargeAccepted,
    ChargeAccepted,
    ChargeDeclined,
    ChargeRejected,
    ChargeDuplicate,
    NotProcessed,
    NotProcessed,
    ActionRequired,
    OutcomeUnknown,
    OutcomeUnknown,
    OutcomeUnknown,
    LongRequestStarted,
)
_POLL_ANSWERS: tuple[type[ProviderAnswer], ...] = (PollPending, PollPending, PollCompleted, PollFailed, OutcomeUnknown)
_REQUERY_ANSWERS: tuple[type[ProviderAnswer], ...] = (
    RequeryConfirmed,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryPending,
    RequeryPending,
    RequeryNotFound,
    RequeryNotFound,
    RequeryNotFound,
    RequeryFailed,
    RequeryFailed,
)
_ANSWERS: dict[Operation, tuple[type[ProviderAnswer], ...]] = {
    "charge": _CHARGE_ANSWERS,
    "validate": _CHARGE_ANSWERS,
    "poll": _POLL_ANSWERS,
    "requery": _REQUERY_ANSWERS,
}


@st.composite
def answers(draw: st.DrawFn, state: Payment, operation: Operation, at: datetime) -> ProviderAnswer:
    """A provider answer to a request of ``operation`` for ``state``, as an adapter could produce it."""
    cls = draw(st.sampled_from(_ANSWERS[operation]))
    if cls is RequeryConfirmed:
        return RequeryConfirmed(
            at=at,
            wire=draw(wires("requery", at)),
            provider_ref=draw(st.text("0123456789", min_size=1, max_size=8)),
            reference=draw(st.sampled_from([state.reference] * 9 + [state.reference + "-other"])),
            amount=draw(st.sampled_from([state.amount] * 8 + [state.amount + 1, max(1, state.amount // 2)])),
            currency=draw(st.sampled_from([state.currency] * 9 + ["XTS" if state.currency != "XTS" else "USD"])),
        )
    return draw(event_of(cls, at, operation))


_STEP_OPERATION: dict[type[Any], Operation] = {SendCharge: "charge", Poll: "poll", Requery: "requery"}


@st.composite
def histories(draw: st.DrawFn, policy: Policy = DEFAULT_POLICY, max_steps: int = 30) -> list[Event]:
    """Histories the decider and adapters can produce: ``next_step`` is followed with realistic lateness and
    latency, answers are drawn per operation, and now and then something arrives unasked (a webhook, a late
    answer, an app's OTP validation, an operator's decision) or a request is never answered (a crash)."""
    history: list[Event] = [draw(created_events(draw(utc_datetimes())))]
    state = evolve(None, history[0])

    def add(event: Event) -> None:
        nonlocal state
        history.append(event)
        state = evolve(state, event)

    orphans: list[Operation] = []  # requests whose answer was never recorded: only they may answer late
    for _ in range(draw(st.integers(0, max_steps))):
        step = next_step(state, policy)
        roll = draw(st.integers(0, 19))
        now = state.last_at
        if roll >= 17 or isinstance(step, Done):
            if roll == 19 or (isinstance(step, Done) and roll < 10):
                break
            add(draw(_unasked(state, now + draw(gaps()), orphans)))
            continue
        if isinstance(step, Conclude):
            add(step.event)
            continue
        if state.awaiting_customer is not None and roll == 16:
            operation: Operation = "validate"
            sent_at = now + draw(gaps())
        else:
            operation = _STEP_OPERATION[type(step)]
            sent_at = step.due + draw(st.integers(0, 3_000).map(lambda ms: timedelta(milliseconds=ms)))
        url = step.url if isinstance(step, Poll) else ""
        add(RequestSent(at=sent_at, operation=operation, attempt=state.next_attempt(operation), url=url))
        if roll == 15:
            orphans.append(operation)
            continue  # the process died before the answer was recorded: in flight
        latency = draw(st.integers(0, int((policy.timeout + timedelta(seconds=5)) / timedelta(milliseconds=1))))
        add(draw(answers(state, operation, sent_at + timedelta(milliseconds=latency))))  # type: ignore[arg-type]
    return history


@st.composite
def _unasked(draw: st.DrawFn, state: Payment, at: datetime, orphans: list[Operation]) -> Event:
    """Something nobody waits for: a webhook, the late answer to a request whose process died (another worker
    had recorded it), or (rarely) an operator's decision."""
    kinds: list[Callable[[], st.SearchStrategy[Any]]] = [lambda: event_of(WebhookReceived, at, "webhook")]
    if orphans:
        operation = orphans.pop(draw(st.integers(0, len(orphans) - 1)))
        kinds.append(lambda: answers(state, operation, at))
    if state.status in (Status.PENDING, Status.POLLING, Status.REQUERIED) and draw(st.integers(0, 4)) == 0:
        kinds.append(lambda: event_of(draw(st.sampled_from([SettledManually, FailedManually])), at))
    if state.status is Status.CREATED:
        kinds = kinds[:1]
    return draw(draw(st.sampled_from(kinds))())  # type: ignore[no-any-return]
