"""DESIGN section 8, invariants 1-8, as plain functions: each raises ``InvariantViolation`` with the story.

Invariants 2-7 are judged by ``payfold._oracle``, a reference model of the rules that reads the raw events and
never ``Payment``'s derived fields or the decider's helpers: a wrong field cannot fool the check and the decider
alike. Pure (no I/O): ``payfold audit`` runs them over a stored log, ``payfold.testing`` re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from ._decide import next_step
from ._events import (
    PROVIDER_ANSWER_TAGS,
    Event,
    FailedManually,
    PaymentFailed,
    PaymentSettled,
    RequestSent,
    SettledManually,
)
from ._fold import evolve, fold
from ._machine import STATES, TABLE, build_machine
from ._oracle import ABSORBING, AMBIGUITY_WAIT, FAILED, POLL_COMPLETED, RESEND, SETTLED, Oracle
from ._payment import Payment
from ._policy import DEFAULT_POLICY, Policy
from ._status import Status
from ._steps import Conclude, Done, Poll, SendCharge, Step

DUE_AFTER: Final = "due after the latest event"


class InvariantViolation(AssertionError):
    """An invariant of DESIGN section 8 does not hold for a history; the message tells the story."""

    def __init__(self, invariant: str, detail: str, history: Sequence[Event] = (), *, index: int | None = None) -> None:
        lines = [f"{invariant}: {detail}"]
        if history:
            lines.append("history:")
            lines.extend(f"  {i:3} {e.at.isoformat()} {type(e).__name__}" for i, e in enumerate(history))
        super().__init__("\n".join(lines))
        self.invariant = invariant
        self.index = index
        """The 0-based index in the history of the event judged (or after which a step was judged); None when
        the violation is about the whole history."""


def states(history: Sequence[Event]) -> list[Payment]:
    """The state after each event of ``history``."""
    result: list[Payment] = []
    state: Payment | None = None
    for event in history:
        state = evolve(state, event)
        result.append(state)
    return result


def check_fold(history: Sequence[Event]) -> None:
    """1. fold is total (over this history), deterministic and incremental at every cut."""
    whole = fold(history)
    if fold(history) != whole:
        raise InvariantViolation("fold is deterministic", "two folds of the same history differ", history)
    for cut in range(1, len(history)):
        if fold(history[cut:], fold(history[:cut])) != whole:
            raise InvariantViolation("fold is incremental", f"fold(b, fold(a)) != fold(a + b) at cut {cut}", history)


def _walk(history: Sequence[Event], policy: Policy, rules: frozenset[str]) -> None:
    """Judge every event of ``history`` and every step ``next_step`` proposes after each one, by the rules named.

    The judge is ``payfold._oracle``'s reference model, which reads the raw events only. ``next_step`` is what
    is under test: its proposals are judged as if carried out (a ``SendCharge`` as a charge sent at its due, a
    ``Conclude`` as its event appended).
    """
    oracle = Oracle(policy)
    state: Payment | None = None
    latest: datetime | None = None
    for index, event in enumerate(history):
        _raise_if(oracle.judge(event), rules, f"event {index} ({type(event).__name__})", history, index)
        oracle.add(event)
        state = evolve(state, event)
        latest = event.at if latest is None or event.at > latest else latest
        if ABSORBING in rules:
            _check_status(oracle, state.status, index, history)
        if rules & _STEP_RULES:
            _judge_step(oracle, next_step(state, policy), latest, rules, index, history)


_STEP_RULES: Final = frozenset({RESEND, FAILED, SETTLED, ABSORBING, AMBIGUITY_WAIT, POLL_COMPLETED, DUE_AFTER})


def _judge_step(
    oracle: Oracle, step: Step, latest: datetime, rules: frozenset[str], index: int, history: Sequence[Event]
) -> None:
    where = f"after event {index}, next_step proposes {type(step).__name__}"
    if isinstance(step, Done):
        return
    if DUE_AFTER in rules and step.due < latest:
        detail = f"{where} due {step.due.isoformat()} before {latest.isoformat()}"
        raise InvariantViolation(DUE_AFTER, detail, history, index=index)
    proposed: Event
    if isinstance(step, Conclude):
        proposed = step.event
    elif isinstance(step, SendCharge):
        proposed = RequestSent(at=step.due, operation="charge")
    elif isinstance(step, Poll):
        proposed = RequestSent(at=step.due, operation="poll")
    else:
        proposed = RequestSent(at=step.due, operation="requery")
    _raise_if(oracle.judge(proposed), rules, where, history, index)


def _raise_if(
    found: tuple[str, str] | None, rules: frozenset[str], where: str, history: Sequence[Event], index: int
) -> None:
    if found is not None and found[0] in rules:
        raise InvariantViolation(found[0], f"{where}: {found[1]}", history, index=index)


def _check_status(oracle: Oracle, status: Status, index: int, history: Sequence[Event]) -> None:
    """The folded status is a verdict exactly when a verdict event was recorded, and that verdict."""
    verdict = oracle.verdict
    expected = None if verdict is None else _VERDICT_STATUS[type(verdict)]
    actual = status if status.is_verdict else None
    if actual is not expected:
        said = "no verdict" if verdict is None else type(verdict).__name__
        raise InvariantViolation(
            ABSORBING,
            f"after event {index} the status is {status.value} but the events say {said}",
            history,
            index=index,
        )


_VERDICT_STATUS: Final = {
    PaymentSettled: Status.SETTLED,
    SettledManually: Status.SETTLED,
    PaymentFailed: Status.FAILED,
    FailedManually: Status.FAILED,
}


def check_failed_only_on_evidence(history: Sequence[Event], policy: Policy = DEFAULT_POLICY) -> None:
    """2. failed only via a declined requery, a rejection before any transaction existed, every charge answered
    not processed after the policy's resends, or an operator: never via ambiguity."""
    _walk(history, policy, frozenset({FAILED}))


def check_settled_only_on_confirmation(history: Sequence[Event], policy: Policy = DEFAULT_POLICY) -> None:
    """3. settled only after requeries confirmed the exact amount, currency and reference (none declined), or by
    an operator."""
    _walk(history, policy, frozenset({SETTLED}))


def check_verdicts_absorbing(history: Sequence[Event], policy: Policy = DEFAULT_POLICY) -> None:
    """4. the status is a verdict exactly when a verdict event was recorded, and nothing decides after it."""
    _walk(history, policy, frozenset({ABSORBING}))


def check_no_double_charge(history: Sequence[Event], policy: Policy = DEFAULT_POLICY) -> None:
    """5. a charge is resent only when everything heard since the latest charge says "not processed", or under the
    not-found rule counted after the latest charge; never beyond ``max_charge_attempts``, after a review or a
    verdict. Judged on the charges in ``history`` and on every ``SendCharge`` that ``next_step`` proposes."""
    _walk(history, policy, frozenset({RESEND}))


def check_due_times(history: Sequence[Event], policy: Policy = DEFAULT_POLICY) -> None:
    """6. every due is at or after the latest event; after a charge-side ambiguity no requery is sent (or
    proposed) sooner than ``ambiguity_delay`` until a requery has answered."""
    _walk(history, policy, frozenset({DUE_AFTER, AMBIGUITY_WAIT}))


def check_requery_after_poll_completed(history: Sequence[Event], policy: Policy = DEFAULT_POLICY) -> None:
    """7. after ``poll_completed`` (before a verdict) the next request is a requery."""
    _walk(history, policy, frozenset({POLL_COMPLETED}))


def check_machine_agrees(statuses: Sequence[Status] = tuple(Status), tags: Sequence[str] = ()) -> None:
    """8. the compiled table equals a ``transitions`` Machine driven through every pair, and is total for
    provider answers outside ``created``."""
    all_tags = tuple(tags) or tuple(sorted({tag for _, tag in TABLE} | PROVIDER_ANSWER_TAGS | {"created"}))
    machine = build_machine()
    for status in statuses:
        for tag in all_tags:
            model = _Model()
            machine.add_model(model, initial=status.value)
            try:
                try:
                    fired = bool(machine.events[tag].trigger(model)) if tag in machine.events else False
                except Exception:  # transitions raises MachineError when the trigger is not valid in that state
                    fired = False
                expected = TABLE.get((status, tag))
                if fired != (expected is not None) or (fired and model.state != expected.value):  # type: ignore[union-attr]
                    raise InvariantViolation(
                        "table equals the machine",
                        f"({status.value}, {tag}): table says {expected}, "
                        f"machine says {model.state if fired else None}",
                    )
            finally:
                machine.remove_model(model)
    for status in Status:
        if status is Status.CREATED:
            continue
        missing = sorted(tag for tag in PROVIDER_ANSWER_TAGS if (status, tag) not in TABLE)
        if missing:
            raise InvariantViolation("table is total for answers", f"{status.value} has no entry for {missing}")
    if set(STATES) != {s.value for s in Status}:
        raise InvariantViolation("table equals the machine", "the machine's states differ from Status")


class _Model:
    state: str


def check_history(history: Sequence[Event], policy: Policy = DEFAULT_POLICY) -> None:
    """Invariants 1-7 over one history (2-7 in one walk of the reference model)."""
    _walk(history, policy, _STEP_RULES)
    check_fold(history)
