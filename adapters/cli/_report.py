"""Reading a stored log for people: statistics per provider and operation, audits, one payment's story.

The tallies here take one answer or one finished history at a time, so ``payfold stats`` can feed them from a
stream of the log (``_scan``) without holding it; ``streams``, ``operation_stats`` and ``audit`` apply them to
histories already in memory.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from payfold import Event, PaymentCreated, Policy, ProviderAnswer, fold, next_step, tag_of
from payfold._store import EventStore, VerifyReport

_TROUBLE = frozenset(("outcome_unknown", "requery_failed", "poll_failed", "not_processed"))


@dataclass
class OperationStats:
    """Answers to one provider's one operation, as the log recorded them (latencies: 8 bytes per answer)."""

    answers: int = 0
    errors: int = 0
    latencies: array[float] = field(default_factory=lambda: array("d"))
    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, answer: ProviderAnswer) -> None:
        """Count one answer: its outcome, whether it was an error, its latency."""
        wire = answer.wire
        tag = tag_of(answer)
        self.answers += 1
        self.outcomes[tag] += 1
        if wire.error is not None or (wire.status or 0) >= 500 or tag in _TROUBLE:
            self.errors += 1
        self.latencies.append((wire.received_at - wire.sent_at).total_seconds())

    def percentile(self, p: float) -> float:
        """The ``p``-th percentile latency in seconds (nearest rank); 0 when there were no answers."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def streams(store: EventStore) -> dict[str, list[Event]]:
    """Every stream's events, read in commit order (the whole log in memory: for small logs and tests)."""
    found: dict[str, list[Event]] = defaultdict(list)
    async for record in store.read_all():
        found[record.stream].append(record.event())
    return found


def provider_of(first: Event) -> str:
    """The provider named by a stream's first event ("?" when the stream does not start with its creation)."""
    return first.provider if isinstance(first, PaymentCreated) else "?"


def operation_stats(histories: Mapping[str, list[Event]]) -> dict[tuple[str, str], OperationStats]:
    """Error rates, latencies and outcomes per (provider, operation), from the wires the log keeps."""
    stats: dict[tuple[str, str], OperationStats] = defaultdict(OperationStats)
    for events in histories.values():
        provider = provider_of(events[0])
        for event in events:
            if isinstance(event, ProviderAnswer):
                stats[(provider, event.wire.operation)].add(event)
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
    """A log's histories judged in memory (for small logs and tests; ``payfold audit`` streams the log through
    ``payfold.adapters.audit`` with the same judge)."""

    chain: VerifyReport
    statuses: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.violations

    def judge(self, stream: str, events: Sequence[Event], policy_of: Callable[[str], Policy]) -> None:
        """Replay one whole history, check invariants 1-7 with the independent oracle and the conduct of every
        request, under the policy of the payment's provider (``payfold.adapters.audit._judge``)."""
        from payfold.adapters.audit._judge import judge

        judged = judge(stream, events, range(1, len(events) + 1), policy_of)
        if judged.status is not None:
            self.statuses[judged.status] += 1
        self.violations.extend(finding.line() for finding in judged.findings)


def audit(histories: Mapping[str, list[Event]], chain: VerifyReport, policy_of: Callable[[str], Policy]) -> Audit:
    """Judge every payment of ``histories`` (see ``Audit.judge``)."""
    result = Audit(chain=chain)
    for stream, events in sorted(histories.items()):
        result.judge(stream, events, policy_of)
    return result


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
