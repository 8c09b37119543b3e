"""``payfold stats`` over a log of any size, in bounded memory.

It follows ``read_all`` (commit order, ``BATCH`` records per query) and keeps one provider name per stream
(shared strings) and, per (provider, operation), counters and 8 bytes of latency per answer. Only creations and
provider answers are decoded; the rest is counted by its tag column. (``payfold audit`` reads the log in stream
order instead, one whole history at a time: ``payfold.adapters.audit``.)
"""

from __future__ import annotations

from collections import defaultdict
from typing import Final

from payfold import ProviderAnswer
from payfold._events import PROVIDER_ANSWER_TAGS
from payfold._store import EventStore
from payfold.adapters.cli._pace import Pace
from payfold.adapters.cli._report import OperationStats, provider_of

BATCH: Final = 2000
"""Records per ``read_all`` query: large enough that the per-query cost (a thread hop, a round trip) fades."""


async def stats_of(store: EventStore, pace: Pace) -> dict[tuple[str, str], OperationStats]:
    """Error rates, latencies and outcomes per (provider, operation), in one pass over the log."""
    stats: dict[tuple[str, str], OperationStats] = defaultdict(OperationStats)
    providers: dict[str, str] = {}
    names: dict[str, str] = {"?": "?"}  # one string per provider, shared by its streams
    async for record in store.read_all(batch=BATCH):
        pace.tick()
        if record.version == 1:
            first = record.event() if record.tag == "created" else None
            name = provider_of(first) if first is not None else "?"
            providers[record.stream] = names.setdefault(name, name)
        if record.tag in PROVIDER_ANSWER_TAGS:
            answer = record.event()
            assert isinstance(answer, ProviderAnswer)  # the tag column agrees with the bytes (verify checks it)
            stats[(providers.get(record.stream, "?"), answer.wire.operation)].add(answer)
    return dict(stats)
