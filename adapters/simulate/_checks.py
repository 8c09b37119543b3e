"""The simulation's verdict on one seed, from evidence the runner did not write its own opinion into.

- double charges: the sandbox's ledger (money moved more than once for a reference) plus every charge request
  that reached the provider's origin for a reference whose money had already moved (the sandbox refuses those as
  duplicates, which would hide them otherwise). The sandbox lands a late charge within 2 minutes and the policies
  allow a resend only 10 minutes after a charge, so no resend the rules allow can ever meet money: each one
  counted is a real violation.
- lost answers: every answer the network delivered whole to a live worker (by the sandbox's exchange number)
  must be in some event's wire headers in the log. Answers delivered to a worker that was killed before it could
  record them are counted apart (``answers_cut_by_kill``).
- resend violations: ``payfold.testing.check_history`` (the reference model of the rules) on every payment's raw
  events, counted per invariant.
- ledger mismatches: each payment's verdict read from its raw events (``settled``/``settled_manually`` against
  ``failed``/``failed_manually``) against the ledger: settled but not charged, failed but charged, a charge whose
  amount or currency differ from the payment's.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from payfold import Event, PaymentCreated, Policy, tag_of
from payfold._store import Record
from payfold.adapters.sandbox._call import EXCHANGE_HEADER, Exchange
from payfold.adapters.sandbox._ledger import Ledger
from payfold.adapters.simulate._net import Delivery

LATE = 60.0
"""Virtual seconds after its due time past which a step counts as late."""
_SETTLED = frozenset(("settled", "settled_manually"))
_STEPS = frozenset(("request_sent", "settled", "failed", "review_required"))
_FAILED = frozenset(("failed", "failed_manually"))


@dataclass
class SeedResult:
    """One seed's figures and, when something broke, the stories that tell what."""

    seed: int
    payments: int
    double_charges: int = 0
    lost_answers: int = 0
    answers_cut_by_kill: int = 0
    resend_violations: Counter[str] = field(default_factory=Counter)
    ledger_mismatches: int = 0
    worker_errors: int = 0
    kills: int = 0
    restarts: int = 0
    exchanges: int = 0
    deliveries: int = 0
    timeout_overruns: int = 0
    events: int = 0
    webhooks: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    unfinished: int = 0
    under_review: int = 0
    reviews_charged: int = 0
    """Payments under review whose money the ledger says moved (a human will settle them; a requery could have)."""
    busy_waits: int = 0
    late_steps: int = 0
    """Steps taken more than ``LATE`` after ``next_step`` said they were due (liveness, not safety)."""
    latest_step: float = 0.0
    """The worst of those delays, in virtual seconds."""
    virtual_seconds: float = 0.0
    wall_seconds: float = 0.0
    digest: str = ""
    stories: list[str] = field(default_factory=list)
    """What broke, one line each (empty when the seed passed)."""
    notes: list[str] = field(default_factory=list)
    """What is worth knowing without breaking a promise (busy waits, streams the runner gave up on, kills)."""
    kept: str = ""
    """Where the seed's log was kept (a failing seed's), or empty."""

    @property
    def failed(self) -> bool:
        return bool(
            self.double_charges
            or self.lost_answers
            or sum(self.resend_violations.values())
            or self.ledger_mismatches
            or self.worker_errors
        )


def logged_exchanges(histories: Mapping[str, Sequence[Event]]) -> set[int]:
    """Every exchange number found in an event's wire headers."""
    found: set[int] = set()
    for events in histories.values():
        for event in events:
            wire = getattr(event, "wire", None)
            for name, value in getattr(wire, "headers", ()):
                if name == EXCHANGE_HEADER and value.isdigit():
                    found.add(int(value))
    return found


def digest(records: Sequence[Record]) -> str:
    """SHA-256 over every stream's event ids in version order (ids cover every byte, the sender included)."""
    lines = sorted(f"{r.stream}\x1f{r.version:06d}\x1f{r.id}" for r in records)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def check_money(result: SeedResult, histories: Mapping[str, Sequence[Event]], ledger: Ledger) -> None:
    """Double charges and ledger mismatches (see the module docstring)."""
    for (provider, reference), charge in sorted(ledger.records.items()):
        repeats = charge.times_applied - 1 + ledger.repeats[(provider, reference)]
        if repeats > 0:
            result.double_charges += repeats
            result.stories.append(
                f"double charge: {provider} {reference}: money moved {charge.times_applied}x and "
                f"{ledger.repeats[(provider, reference)]} more charge request(s) reached the origin after it had"
            )
    for stream, events in sorted(histories.items()):
        created = events[0]
        if not isinstance(created, PaymentCreated):
            continue
        tags = [tag_of(event) for event in events]
        settled, failed = any(t in _SETTLED for t in tags), any(t in _FAILED for t in tags)
        record = ledger.records.get((created.provider, created.reference))
        charged = 0 if record is None else record.times_applied
        result.statuses["settled" if settled else "failed" if failed else "open"] += 1
        problems = []
        if settled and failed:
            problems.append("both settled and failed")
        if settled and not charged:
            problems.append("settled but not charged")
        if failed and charged:
            problems.append("failed but charged")
        if record is not None and (record.amount, record.currency) != (created.amount, created.currency):
            problems.append(
                f"charged {record.amount} {record.currency}, the payment is {created.amount} {created.currency}"
            )
        if not settled and not failed:
            review = "review_required" in tags
            result.under_review += review
            result.reviews_charged += review and charged > 0
            result.unfinished += not review
            truth = "charged" if charged else "not charged"
            result.notes.append(
                f"{stream} ({created.provider}) {'under review' if review else 'unfinished'}: "
                f"{len(events)} events, the last {tags[-1]}; the ledger says {truth}"
            )
        for problem in problems:
            result.ledger_mismatches += 1
            result.stories.append(f"ledger mismatch: {stream} ({created.provider} {created.reference}): {problem}")


def check_answers(
    result: SeedResult,
    histories: Mapping[str, Sequence[Event]],
    deliveries: Sequence[Delivery],
    exchanges: Sequence[Exchange],
    killed: set[str],
) -> None:
    """Lost answers (see the module docstring), and answers delivered after the client's timeout had passed."""
    logged = logged_exchanges(histories)
    result.exchanges, result.deliveries = len(exchanges), len(deliveries)
    for delivery in deliveries:
        if delivery.timeout is not None and delivery.lasted > delivery.timeout:
            result.timeout_overruns += 1
        if delivery.exchange in logged:
            continue
        if delivery.node in killed:
            result.answers_cut_by_kill += 1
            continue
        result.lost_answers += 1
        exchange = exchanges[delivery.exchange - 1]
        result.stories.append(
            f"lost answer: exchange {delivery.exchange} ({exchange.provider} {exchange.operation} "
            f"{exchange.reference}, fault {exchange.fault or 'none'}) reached {delivery.node} alive; not in the log"
        )


def check_rules(result: SeedResult, histories: Mapping[str, Sequence[Event]], policies: Mapping[str, Policy]) -> None:
    """The oracle on every payment's raw events (``payfold.testing``: needs the ``testing`` extra)."""
    from payfold.testing import InvariantViolation, check_history

    for stream, events in sorted(histories.items()):
        created = events[0]
        policy = policies[created.provider] if isinstance(created, PaymentCreated) else None
        try:
            if policy is None:
                raise InvariantViolation("created first", "the stream does not start with `created`", events)
            check_history(events, policy)
        except InvariantViolation as violation:
            result.resend_violations[violation.invariant] += 1
            result.stories.append(f"rule broken: {stream}: {str(violation).splitlines()[0]}")
        except Exception as error:  # the history does not even fold: that is a broken rule too
            result.resend_violations["fold"] += 1
            result.stories.append(f"rule broken: {stream}: {type(error).__name__}: {error}")


def check_timeliness(
    result: SeedResult, histories: Mapping[str, Sequence[Event]], policies: Mapping[str, Policy]
) -> None:
    """Steps the workers took late: after each event, ``next_step`` says when the next step is due; the next
    request or conclusion in the log should come soon after. Only a figure and a note: nothing broke."""
    from payfold import evolve, next_step

    for stream, events in sorted(histories.items()):
        created = events[0]
        if not isinstance(created, PaymentCreated):
            continue
        state = None
        for before, after in itertools.pairwise(events):
            state = evolve(state, before)
            due = getattr(next_step(state, policies[created.provider]), "due", None)
            if due is None or tag_of(after) not in _STEPS:
                continue
            lag = (after.at - due).total_seconds()
            if lag > LATE:
                result.late_steps += 1
                if lag > result.latest_step:
                    result.latest_step = lag
                result.notes.append(
                    f"late step: {stream}: {tag_of(after)} at +{(after.at - created.at).total_seconds():.0f} s, "
                    f"{lag:.0f} s after it was due (the event before it: {tag_of(before)})"
                )
