"""The payment machine: declared once in ``transitions``' format, validated at import, compiled to a table.

``DECLARATION`` is the single source. At import it is built into a ``transitions.Machine`` (which validates every
state and transition) and compiled into ``TABLE``, a frozen ``(status, tag) -> status`` mapping that ``evolve``
uses: a dict lookup costs ~0.1 µs where a ``transitions`` trigger costs ~12 µs. ``created`` is not in the table:
it is the first event and only the first (see ``payfold.fold``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, TypedDict

from transitions import Machine

from ._errors import IllegalTransition
from ._events import PROVIDER_ANSWER_TAGS
from ._status import Status


class TransitionSpec(TypedDict):
    """One transition in ``transitions``' own format: the trigger is the event tag."""

    trigger: str
    source: str
    dest: str


_CREATED, _PENDING, _POLLING, _REQUERIED, _SETTLED, _FAILED = (s.value for s in Status)
_ANSWERS: Final = tuple(sorted(PROVIDER_ANSWER_TAGS))
_DECISIVE_REQUERY: Final = ("requery_confirmed", "requery_declined")


def _declare() -> list[TransitionSpec]:
    spec: list[TransitionSpec] = []

    def add(trigger: str, source: str, dest: str) -> None:
        spec.append({"trigger": trigger, "source": source, "dest": dest})

    # created: the first request leaves it; an early webhook is recorded where it is.
    add("request_sent", _CREATED, _PENDING)
    add("webhook_received", _CREATED, _CREATED)

    for open_status in (_PENDING, _POLLING):
        for tag in _DECISIVE_REQUERY:
            add(tag, open_status, _REQUERIED)
        add("failed", open_status, _FAILED)  # rejected, or never processed after the policy's resends
        for tag in _ANSWERS:
            if tag in _DECISIVE_REQUERY:
                continue
            if tag == "long_request" and open_status == _PENDING:
                add(tag, _PENDING, _POLLING)
            else:
                # Recorded; next_step reads it. A charge_rejected too: a refused resend says nothing about an
                # earlier charge, so next_step decides whether the refusal is a verdict.
                add(tag, open_status, open_status)
        add("request_sent", open_status, open_status)
        add("review_required", open_status, open_status)

    add("settled", _REQUERIED, _SETTLED)
    add("failed", _REQUERIED, _FAILED)
    for tag in (*_ANSWERS, "request_sent", "review_required"):
        add(tag, _REQUERIED, _REQUERIED)

    for open_status in (_PENDING, _POLLING, _REQUERIED):
        add("settled_manually", open_status, _SETTLED)
        add("failed_manually", open_status, _FAILED)

    # Verdicts are absorbing: late answers and requests are kept as self-loops, never lost.
    for verdict in (_SETTLED, _FAILED):
        for tag in (*_ANSWERS, "request_sent"):
            add(tag, verdict, verdict)
    return spec


STATES: Final[tuple[str, ...]] = tuple(s.value for s in Status)
DECLARATION: Final[tuple[TransitionSpec, ...]] = tuple(_declare())


def build_machine() -> Machine:
    """A fresh ``transitions.Machine`` for ``DECLARATION`` (no model callbacks, no auto transitions)."""
    return Machine(
        model=None,
        states=list(STATES),
        transitions=[dict(t) for t in DECLARATION],
        initial=_CREATED,
        auto_transitions=False,
        send_event=False,
    )


def _compile(machine: Machine) -> Mapping[tuple[Status, str], Status]:
    table: dict[tuple[Status, str], Status] = {}
    for tag, event in machine.events.items():
        for source, transitions in event.transitions.items():
            if len(transitions) != 1:
                raise ValueError(f"machine declares {len(transitions)} transitions for ({source}, {tag})")
            table[(Status(source), tag)] = Status(transitions[0].dest)
    return MappingProxyType(table)


MACHINE: Final[Machine] = build_machine()
TABLE: Final[Mapping[tuple[Status, str], Status]] = _compile(MACHINE)
"""The compiled machine: ``(status, tag) -> status``. Pairs not in it are illegal."""


def next_status(status: Status, tag: str) -> Status:
    """The status after an event tagged ``tag`` in ``status``; ``IllegalTransition`` when there is none."""
    try:
        return TABLE[(status, tag)]
    except KeyError:
        raise IllegalTransition(status.value, tag) from None


def mermaid() -> str:
    """The state diagram as Mermaid ``stateDiagram-v2``, rendered by ``transitions`` from ``DECLARATION``."""
    from transitions.extensions import GraphMachine

    graph = GraphMachine(
        states=list(STATES),
        transitions=[dict(t) for t in DECLARATION],
        initial=_CREATED,
        auto_transitions=False,
        graph_engine="mermaid",
        title="payfold payment",
        show_state_attributes=False,
    )
    text: str = graph.get_graph().draw(None)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"
