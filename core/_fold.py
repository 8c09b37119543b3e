"""evolve and fold: a payment's events in, its state out. Pure, total over valid histories, incremental.

The fold applies each event in place to one ``Draft`` (``Payment``'s mutable twin) and freezes it once at the
end, so an event costs the same whatever the history's length: nothing copies the whole state per event and no
field grows with the history (late contradicting answers are counted, the first few kept, all of them logged).
One dict lookup per event finds both the next status (from the compiled machine) and the function that applies
the event; those functions never assign a status, and never read ``status``, ``version`` or ``last_at``, which
the loop keeps in locals and writes back at the end.
"""

from __future__ import annotations

from collections.abc import Iterable

from ._apply import ROWS
from ._errors import IllegalTransition
from ._events import TAG_OF, Event, PaymentCreated
from ._payment import Draft, Payment
from ._status import Status


def _illegal(status: Status, event: Event) -> IllegalTransition:
    detail = "'created' is only ever the first event" if type(event) is PaymentCreated else ""
    return IllegalTransition(status.value, TAG_OF[type(event)], detail)


def fold(events: Iterable[Event], state: Payment | None = None) -> Payment:
    """Fold ``events`` onto ``state`` (None: from nothing). ``fold(b, fold(a)) == fold(a + b)``.

    Raises ``ValueError`` for an empty history from nothing, and ``IllegalTransition`` for an illegal event.
    """
    remaining = iter(events)
    if state is None:
        first = next(remaining, None)
        if first is None:
            raise ValueError("cannot fold an empty history: a payment starts with a 'created' event")
        if type(first) is not PaymentCreated:
            raise IllegalTransition(None, TAG_OF[type(first)], "the first event of a payment must be 'created'")
        draft = Draft.created(first)
        status, version, last_at = Status.CREATED, 1, first.at
    else:
        draft = Draft.of(state)
        status, version, last_at = state.status, state.version, state.last_at
    # The hot loop: the status, the count and the latest time stay in locals until the end.
    rows = ROWS[status]
    for event in remaining:
        try:
            after, apply = rows[type(event)]
        except KeyError:
            raise _illegal(status, event) from None
        apply(draft, event)
        version += 1
        at = event.at
        if at > last_at:
            last_at = at
        if after is not status:
            status = after
            rows = ROWS[after]
    draft.status = status
    draft.version = version
    draft.last_at = last_at
    return draft.freeze()


def evolve(state: Payment | None, event: Event) -> Payment:
    """The state after ``event``. ``state`` is None only for the first event, which must be ``created``.

    Raises ``IllegalTransition`` naming the status and the tag when the machine has no such transition.
    """
    return fold((event,), state)
