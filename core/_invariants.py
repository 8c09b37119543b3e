"""DESIGN section 8, invariants 1-8, as plain functions: each raises ``InvariantViolation`` with the story.

Pure (no I/O): ``payfold audit`` runs them over a stored log, ``payfold.testing`` re-exports them for tests.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._decide import next_step
from ._events import (
    PROVIDER_ANSWER_TAGS,
    ChargeRejected,
    Event,
    FailedManually,
    PaymentFailed,
    PaymentSettled,
    PollCompleted,
    SettledManually,
)
from ._fold import evolve, fold
from ._machine import STATES, TABLE, build_machine
from ._payment import Payment
from ._policy import DEFAULT_POLICY, Policy
from ._status import Status
from ._steps import Conclude, Requery, SendCharge


class InvariantViolation(AssertionError):
    """An invariant of DESIGN section 8 does not hold for a history; the message tells the story."""

    def __init__(self, invariant: str, detail: str, history: Sequence[Event] = ()) -> None:
        lines = [f"{invariant}: {detail}"]
        if history:
            lines.append("history:")
            lines.extend(f"  {i:3} {e.at.isoformat()} {type(e).__name__}" for i, e in enumerate(history))
        super().__init__("\n".join(lines))
        self.invariant = invariant


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


def check_failed_only_on_evidence(history: Sequence[Event]) -> None:
    """2. failed only via charge_rejected, a declined requery, resends exhausted on not_processed, or an operator."""
    before: Payment | None = None
    for index, (event, after) in enumerate(zip(history, states(history), strict=True)):
        if after.status is Status.FAILED and (before is None or before.status is not Status.FAILED):
            assert before is not None
            ok = isinstance(event, ChargeRejected | FailedManually) or (
                isinstance(event, PaymentFailed)
                and (
                    (before.status is Status.REQUERIED and before.declined is not None)
                    or (before.charges_sent > 0 and before.charges_not_processed >= before.charges_sent)
                )
            )
            if not ok:
                raise InvariantViolation(
                    "failed only on evidence", f"event {index} ({type(event).__name__}) failed the payment", history
                )
        before = after


def check_settled_only_on_confirmation(history: Sequence[Event]) -> None:
    """3. settled only after a requery confirmed the exact amount, currency and reference, or by an operator."""
    before: Payment | None = None
    for index, (event, after) in enumerate(zip(history, states(history), strict=True)):
        if after.status is Status.SETTLED and (before is None or before.status is not Status.SETTLED):
            assert before is not None
            confirmed = before.confirmed
            ok = isinstance(event, SettledManually) or (
                isinstance(event, PaymentSettled)
                and confirmed is not None
                and before.declined is None
                and (confirmed.amount, confirmed.currency, confirmed.reference)
                == (before.amount, before.currency, before.reference)
            )
            if not ok:
                raise InvariantViolation(
                    "settled only on confirmation", f"event {index} settled without an exact confirmation", history
                )
        before = after


def check_verdicts_absorbing(history: Sequence[Event]) -> None:
    """4. once settled or failed, the status never changes again."""
    verdict: Status | None = None
    for index, state in enumerate(states(history)):
        if verdict is not None and state.status is not verdict:
            raise InvariantViolation(
                "verdicts are absorbing", f"event {index} moved {verdict.value} to {state.status.value}", history
            )
        if state.status.is_verdict:
            verdict = state.status


def check_no_double_charge(history: Sequence[Event], policy: Policy = DEFAULT_POLICY) -> None:
    """5. next_step resends a charge only when every answer says nothing moved, or under the not-found rule."""
    for index, state in enumerate(states(history)):
        step = next_step(state, policy)
        if not isinstance(step, SendCharge) or state.charges_sent == 0:
            continue
        if state.charges_sent >= policy.max_charge_attempts:
            raise InvariantViolation("no double charge", f"after event {index}: resend beyond the attempts", history)
        not_processed = state.charge_answer == "not_processed" and state.in_flight is None
        not_found = (
            state.not_found_streak >= policy.not_found_answers
            and state.requery_answer_at is not None
            and state.last_charge_sent_at is not None
            and state.requery_answer_at >= state.last_charge_sent_at + policy.not_found_grace
        )
        if not (not_processed or not_found):
            raise InvariantViolation(
                "no double charge", f"after event {index}: resend while the outcome is unknown", history
            )


def check_due_times(history: Sequence[Event], policy: Policy = DEFAULT_POLICY) -> None:
    """6. every due is at or after the latest event; after an ambiguity the requery waits ``ambiguity_delay``."""
    for index, state in enumerate(states(history)):
        step = next_step(state, policy)
        due = getattr(step, "due", None)
        if due is not None and due < state.last_at:
            raise InvariantViolation("due after the latest event", f"after event {index}: {step!r}", history)
        ambiguous_at = state.ambiguous_at
        fresh = ambiguous_at is not None and (state.requery_answer_at is None or state.requery_answer_at < ambiguous_at)
        if isinstance(step, Requery) and fresh and state.in_flight is None and not state.needs_review:
            assert ambiguous_at is not None
            if step.due < ambiguous_at + policy.ambiguity_delay:
                raise InvariantViolation(
                    "requery waits after an ambiguity",
                    f"after event {index}: requery at {step.due.isoformat()}, ambiguity at {ambiguous_at.isoformat()}"
                    f" + {policy.ambiguity_delay}",
                    history,
                )


def check_requery_after_poll_completed(history: Sequence[Event], policy: Policy = DEFAULT_POLICY) -> None:
    """7. after poll_completed (in an open status) the next step is a requery."""
    for index, (event, state) in enumerate(zip(history, states(history), strict=True)):
        if isinstance(event, PollCompleted) and state.status in (Status.PENDING, Status.POLLING):
            step = next_step(state, policy)
            if not isinstance(step, Requery) and not (state.in_flight is not None or isinstance(step, Conclude)):
                raise InvariantViolation("requery after poll completed", f"after event {index}: {step!r}", history)


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
    """Invariants 1-7 over one history."""
    check_fold(history)
    check_failed_only_on_evidence(history)
    check_settled_only_on_confirmation(history)
    check_verdicts_absorbing(history)
    check_no_double_charge(history, policy)
    check_due_times(history, policy)
    check_requery_after_poll_completed(history, policy)
