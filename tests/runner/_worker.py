"""A runner process for the crash and multi-worker tests: ``python -m tests.runner._worker DB URL ANCHOR SPEED NAME``.

Drives every due payment in DB (a SQLite path or a postgresql:// DSN) against the sandbox at URL until no work is
left. SIGTERM stops it gracefully (requests in flight finish and are recorded).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import UTC, datetime, timedelta

from payfold import EventStore, Policy
from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.cli._sandboxed import rave_credentials, tranzzo_credentials
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.runner.clock import ScaledClock
from payfold.adapters.sandbox import DEFAULT_RAVE, DEFAULT_RAVE_WEBHOOK_HASH, DEFAULT_TRANZZO

EPOCH = datetime(2026, 6, 1, tzinfo=UTC)
FAST = Policy(
    timeout=timedelta(seconds=10),
    in_flight_grace=timedelta(seconds=5),
    ambiguity_delay=timedelta(seconds=10),
    verify_delay=timedelta(seconds=1),
    retry_delay=timedelta(seconds=1),
    poll_backoff=(timedelta(seconds=1),),
    requery_backoff=(timedelta(seconds=5), timedelta(seconds=10), timedelta(seconds=20)),
    not_found_answers=2,
    not_found_grace=timedelta(seconds=30),
    deadline=timedelta(minutes=30),
)
"""Every delay short, so a test drives payments to their verdicts in seconds (at ``SPEED``)."""
SPEED = 20.0


def providers(url: str) -> dict[str, Provider]:
    """The sandbox's providers, with its default credentials pointed at ``url``."""
    tz = tranzzo_credentials(DEFAULT_TRANZZO, url)
    rave = rave_credentials(DEFAULT_RAVE, url)
    return {
        "tranzzo": Provider(tranzzo, tz, policy=FAST, webhook_secret=tz.api_secret),
        "flutterwave": Provider(flutterwave, rave, policy=FAST, webhook_secret=DEFAULT_RAVE_WEBHOOK_HASH),
    }


async def open_store(db: str) -> EventStore:
    """The store at ``db``: a PostgreSQL database for a ``postgresql://`` DSN, else a SQLite file."""
    if db.startswith("postgresql://"):
        from payfold.adapters.stores.postgres import PostgresStore

        return await PostgresStore.open(db)
    from payfold.adapters.stores.sqlite import SqliteStore

    return await SqliteStore.open(db)


async def stop_when_only_reviews_remain(runner: Runner) -> None:
    """A payment under review is requeried forever on the slowest cadence; a test worker stops once those are all
    that is left (they are a verdict for a human, not work to wait for)."""
    while True:
        await asyncio.sleep(0.5)
        if await only_reviews_remain(runner):
            runner.stop()
            return


async def only_reviews_remain(runner: Runner) -> bool:
    """True when some payment still has work due, and every one of them is under review."""
    due = await runner.store.due(datetime(9999, 1, 1, tzinfo=UTC), 1000)
    for entry in due:
        if not (await runner.payment(entry.stream)).needs_review:
            return False
    return bool(due)


async def main(db: str, url: str, anchor: float, speed: float, name: str) -> None:
    store = await open_store(db)
    runner = Runner(store, providers(url), clock=ScaledClock(EPOCH, anchor, speed=speed), worker=name, concurrency=16)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, runner.stop)
    print("ready", flush=True)
    watcher = asyncio.create_task(stop_when_only_reviews_remain(runner))
    try:
        await runner.run(until_idle=True)
    finally:
        watcher.cancel()
        await runner.close()
        await store.close()
    print("idle", flush=True)


if __name__ == "__main__":
    db, url, anchor, speed, name = sys.argv[1:6]
    asyncio.run(main(db, url, float(anchor), float(speed), name))
