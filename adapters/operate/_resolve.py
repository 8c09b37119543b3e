"""An operator's decision on a payment, checked before it is recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from payfold import FailedManually, PayfoldError, Payment, SettledManually, evolve, fold
from payfold._store import EventStore

Outcome = Literal["settled", "failed"]


class ResolveRefused(PayfoldError):
    """The decision was not recorded: the message says why (nothing was written)."""


async def resolve(
    store: EventStore,
    payment_id: str,
    outcome: Outcome,
    *,
    operator: str,
    note: str,
    force: bool = False,
    now: datetime | None = None,
) -> tuple[Payment, Payment]:
    """Record ``operator``'s decision that ``payment_id`` ``outcome`` (settled or failed); the states before and
    after. Refused (``ResolveRefused``, nothing written) when the operator or the note is empty, when the payment
    does not exist or already has a verdict, and when it is not under review unless ``force`` (a payment with a
    requery due may still settle on its own). Stamped with the real time (``now``, default the wall clock)."""
    if not operator.strip():
        raise ResolveRefused("an operator is required (who decided)")
    if not note.strip():
        raise ResolveRefused("a note is required (why: the evidence the decision rests on)")
    events = await store.read(payment_id)
    if not events:
        raise ResolveRefused(f"no payment {payment_id!r} in this log")
    state = fold(events)
    if state.is_final:
        raise ResolveRefused(f"{payment_id} is already {state.status.value}: a verdict is final")
    if not state.needs_review and not force:
        raise ResolveRefused(
            f"{payment_id} is {state.status.value} and not under review: payfold is still working on it "
            "(use --force with a note to decide anyway)"
        )
    at = now if now is not None else datetime.now(UTC)
    kind = SettledManually if outcome == "settled" else FailedManually
    decision = kind(at=at, operator=operator.strip(), note=note.strip())
    after = evolve(state, decision)
    await store.append(payment_id, [decision], state.version, due=None)
    return state, after
