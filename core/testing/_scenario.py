"""given / when / then: readable example tests over payfold's fold and next_step."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from payfold import (
    DEFAULT_POLICY,
    Event,
    Operation,
    Payment,
    PaymentCreated,
    Policy,
    Status,
    Step,
    Wire,
    fold,
    next_step,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
"""A fixed origin for example timelines."""


def seconds(n: float) -> datetime:
    """``T0`` plus ``n`` seconds: ``at=seconds(90)`` reads as "90 s into the story"."""
    return T0 + timedelta(seconds=n)


def created(
    *,
    at: datetime = T0,
    payment_id: str = "pay-1",
    provider: str = "tranzzo",
    amount: int = 450_000,
    currency: str = "XTS",
    reference: str = "order-1",
    details: dict[str, str] | None = None,
) -> PaymentCreated:
    """A ``PaymentCreated`` with readable defaults."""
    return PaymentCreated(
        at=at,
        payment_id=payment_id,
        provider=provider,
        amount=amount,
        currency=currency,
        reference=reference,
        details=details or {},
    )


def wire(
    operation: Operation,
    at: datetime,
    *,
    status: int | None = 200,
    body: bytes = b"",
    headers: tuple[tuple[str, str], ...] = (),
    error: str | None = None,
    latency: timedelta = timedelta(0),
) -> Wire:
    """A wire received at ``at`` (sent ``latency`` earlier)."""
    return Wire(
        operation=operation,
        status=status,
        body=body,
        headers=headers,
        error=error,
        sent_at=at - latency,
        received_at=at,
    )


class Scenario:
    """A history under test. ``given(...)`` starts one, ``when(...)`` adds events, ``then(...)`` checks."""

    def __init__(self, history: Iterable[Event], policy: Policy = DEFAULT_POLICY) -> None:
        self.history: tuple[Event, ...] = tuple(history)
        self.policy = policy

    def when(self, *events: Event) -> Scenario:
        """The same story with ``events`` appended."""
        return Scenario((*self.history, *events), self.policy)

    def with_policy(self, policy: Policy) -> Scenario:
        """The same story judged by ``policy``."""
        return Scenario(self.history, policy)

    @property
    def state(self) -> Payment:
        """The folded state."""
        return fold(self.history)

    @property
    def step(self) -> Step:
        """The next step under the scenario's policy."""
        return next_step(self.state, self.policy)

    def then(self, *, status: Status | None = None, step: Step | type[Any] | None = None, **fields: Any) -> Payment:
        """Assert the status, the next step (a value, or a step class) and any state fields; returns the state."""
        state = self.state
        if status is not None and state.status is not status:
            raise AssertionError(f"expected status {status.value}, got {state.status.value}\n{self._story()}")
        if step is not None:
            actual = next_step(state, self.policy)
            matches = isinstance(actual, step) if isinstance(step, type) else actual == step
            if not matches:
                raise AssertionError(f"expected next step {step!r}, got {actual!r}\n{self._story()}")
        for name, expected in fields.items():
            value = getattr(state, name)
            if value != expected:
                raise AssertionError(f"expected {name}={expected!r}, got {value!r}\n{self._story()}")
        return state

    def _story(self) -> str:
        return "history:\n" + "\n".join(f"  {e.at.isoformat()} {type(e).__name__}" for e in self.history)


def given(*events: Event, policy: Policy = DEFAULT_POLICY) -> Scenario:
    """Start a scenario from ``events`` (the first is usually ``created()``)."""
    return Scenario(events, policy)
