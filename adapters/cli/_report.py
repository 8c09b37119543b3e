"""Reading a stored log for people: statistics per provider and operation, audits, one payment's story."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from payfold import Event, PayfoldError, PaymentCreated, Policy, ProviderAnswer, fold, next_step, tag_of
from payfold._invariants import InvariantViolation, check_history
from payfold._store import EventStore, VerifyReport

_TROUBLE = frozenset(("outcome_unknown", "requery_failed", "poll_failed", "not_processed"))


@dataclass
class OperationStats:
    """Answers to one provider's one operation, as the log recorded them."""

    answers: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile latency in seconds (nearest rank); 0 when there were no answers."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def streams(store: EventStore) -> dict[str, list[Event]]:
    """Every stream's events, read in commit order."""
    found: dict[str, list[Event]] = defaultdict(list)
    async for record in store.read_all():
        found[record.stream].append(record.event())
    return found


def operation_stats(histories: Mapping[str, list[Event]]) -> dict[tuple[str, str], OperationStats]:
    """Error rates, latencies and outcomes per (provider, operation), from the wires the log keeps."""
    stats: dict[tuple[str, str], OperationStats] = defaultdict(OperationStats)
    for events in histories.values():
        provider = events[0].provider if isinstance(events[0], PaymentCreated) else "?"
        for event in events:
            if not isinstance(event, ProviderAnswer):
                continue
            wire = event.wire
            entry = stats[(provider, wire.operation)]
            tag = tag_of(event)
            entry.answers += 1
            entry.outcomes[tag] += 1
            if wire.error is not None or (wire.status or 0) >= 500 or tag in _TROUBLE:
                entry.errors += 1
            entry.latencies.append((wire.received_at - wire.sent_at).total_seconds())
    return dict(stats)


def render_stats(stats: Mapping[tuple[str, str], OperationStats]) -> Iterator[str]:
    """The statistics as a table."""
    head = ("provider", "operation", "answers", "errors", "p50 s", "p90 s", "p99 s")
    yield "{:<12} {:<10} {:>8} {:>8} {:>8} {:>8} {:>8}  outcomes".format(*head)
    for (provider, operation), entry in sorted(stats.items()):
        rate = f"{entry.errors / entry.answers:.0%}" if entry.answers else "-"
        outcomes = ", ".join(f"{tag} {n}" for tag, n in entry.outcomes.most_common())
        yield (
            f"{provider:<12} {operation:<10} {entry.answers:>8} {rate:>8} {entry.percentile(50):>8.3f} "
            f"{entry.percentile(90):>8.3f} {entry.percentile(99):>8.3f}  {outcomes}"
        )


@dataclass
class Audit:
    """What ``payfold audit`` found: the chain, every payment replayed, the verdict invariants checked."""

    chain: VerifyReport
    statuses: Counter[str]
    violations: list[str]

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.violations


def audit(histories: Mapping[str, list[Event]], chain: VerifyReport, policy_of: Callable[[str], Policy]) -> Audit:
    """Replay every payment and check invariants 1-7 over its history with the independent oracle (the rules
    restated over the raw events, judged with the payment's provider's policy)."""
    statuses: Counter[str] = Counter()
    violations: list[str] = []
    for stream, events in sorted(histories.items()):
        try:
            state = fold(events)
            statuses[state.status.value] += 1
            check_history(events, policy_of(state.provider))
        except (InvariantViolation, PayfoldError, ValueError) as problem:
            violations.append(f"{stream}: {str(problem).splitlines()[0]}")
    return Audit(chain=chain, statuses=statuses, violations=violations)


def require_file(path: str) -> None:
    """Refuse a database path that does not exist (opening it would create an empty store)."""
    if "://" not in path and not Path(path).exists():
        raise FileNotFoundError(f"{path}: no such database file")


def story_lines(events: list[Event], policy: Policy) -> Iterator[str]:
    """One payment's events, each with the status after it; then the next step."""
    from payfold.adapters.cli._stories import describe_event, describe_step

    origin = events[0].at
    state = None
    for event in events:
        state = fold([event], state)
        offset = f"+{(event.at - origin).total_seconds():.3f}s"
        yield f"  {event.at.isoformat()}  {offset:>12}  {describe_event(event):<40} {state.status.value}"
    if state is not None:
        yield f"  next: {describe_step(next_step(state, policy), origin)}"
