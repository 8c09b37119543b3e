"""A writer to be killed: ``python -m tests.stores._crash_child PATH SEED``.

It appends forever to a SQLite store (single appends and group commits), and after each append returns it
prints one line per event it was told is stored: ``stream version id``. Prints ``ready`` once the store is open.
"""

from __future__ import annotations

import asyncio
import random
import sys
from datetime import UTC, datetime, timedelta

from payfold import Event, PaymentCreated, RequestSent, encode, event_id
from payfold._store import StreamAppend
from payfold.adapters.stores.sqlite import SqliteStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)

STREAMS = tuple(f"c{n}" for n in range(8))


def _next(stream: str, version: int) -> Event:
    if version == 0:  # built here: importing payfold.testing would load pytest and slow every start
        return PaymentCreated(
            at=T0, payment_id=stream, provider="tranzzo", amount=1000, currency="XTS", reference=f"ref-{stream}"
        )
    return RequestSent(at=T0 + timedelta(seconds=version), operation="charge", attempt=version)


async def main(path: str, seed: int) -> None:
    store = await SqliteStore.open(path)
    print("ready", flush=True)
    rng = random.Random(seed)
    while True:
        picked = rng.sample(STREAMS, rng.choice((1, 3)))
        appends = []
        for stream in picked:
            version = await store.version(stream)
            appends.append(StreamAppend(stream=stream, events=[_next(stream, version)], expected_version=version))
        if len(appends) == 1:
            one = appends[0]
            results = [await store.append(one.stream, one.events, one.expected_version)]
        else:
            results = await store.append_many(appends)
        lines = [
            f"{r.stream} {r.version} {event_id(encode(a.events[0]))}" for a, r in zip(appends, results, strict=True)
        ]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
