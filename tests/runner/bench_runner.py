"""Runner scaling, measured in one run: ``python -m tests.runner.bench_runner``.

- cost of one exchange (CPU µs per event written) on a payment that already holds 10, 1,000 and 10,000 events,
  against the same exchange at 10 events: the runner reads only what it has not folded, so it stays flat;
- CPU per payment through runner + sandbox at concurrency 256, against concurrency 16: the HTTP pool must not
  cost more per request as it grows. The sandbox runs in its own process (``payfold sandbox``), so only the
  runner's process is measured.

Not a test: ``rows()`` returns ``tests.benchrow.Row`` values for ``make bench``; ``__main__`` prints them.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx

from payfold import Event, OutcomeUnknown, PaymentCreated, RequeryFailed, RequestSent, Wire
from payfold._store import StreamAppend
from payfold.adapters import tranzzo
from payfold.adapters.cli._sandboxed import tranzzo_credentials
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.runner.clock import VirtualClock
from payfold.adapters.stores.memory import MemoryStore
from tests.benchrow import Row, cost_row

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CREDENTIALS = tranzzo.Credentials(pos_id="pos", api_key="k", api_secret="s", endpoints_key="e", base_url="http://tz")


# --- cost per event against the stream's length ---------------------------------------------------------------


def long_history(length: int) -> list[Event]:
    """``length`` events of one open payment: created, an ambiguous charge, then failed requeries."""
    at = [T0 + timedelta(seconds=n) for n in range(length + 1)]
    events: list[Event] = [
        PaymentCreated(at=at[0], payment_id="p", provider="tranzzo", amount=1000, currency="UAH", reference="r"),
        RequestSent(at=at[1], operation="charge"),
        OutcomeUnknown(
            at=at[2], wire=Wire(operation="charge", sent_at=at[1], received_at=at[2], error="timeout"), cause="timeout"
        ),
    ]
    n = 3
    while len(events) < length:
        events.append(RequestSent(at=at[n], operation="requery", attempt=(n - 1) // 2))
        wire = Wire(operation="requery", sent_at=at[n], received_at=at[n + 1], error="timeout")
        events.append(RequeryFailed(at=at[n + 1], wire=wire, reason="timeout"))
        n += 2
    return events[:length]


def unavailable(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, content=b"Service Unavailable")


async def exchange_cost(length: int, exchanges: int = 200) -> float:
    """CPU µs per event written by one runner exchange on a payment that holds ``length`` events."""
    store = MemoryStore()
    history = long_history(length)
    for start in range(0, length, 1000):
        chunk = history[start : start + 1000]
        await store.append_many([StreamAppend(stream="p", events=chunk, expected_version=start)])
    clock = VirtualClock(T0 + timedelta(days=1), speed=1.0)
    client = httpx.AsyncClient(transport=httpx.MockTransport(unavailable))
    runner = Runner(store, {"tranzzo": Provider(tranzzo, CREDENTIALS)}, clock=clock, client=client)
    step = await runner.advance("p")  # the first read of this runner folds the whole stream once
    written = await store.version("p")
    started = time.process_time()
    for _ in range(exchanges):
        clock.advance_to(getattr(step, "due", clock.now()))
        step = await runner.advance("p")
    spent = time.process_time() - started
    written = await store.version("p") - written
    await client.aclose()
    return spent / written * 1e6


# --- CPU per payment against concurrency -------------------------------------------------------------------


_SERVE = "import sys; from payfold.adapters.sandbox import main; sys.exit(main(sys.argv[1:]))"


@contextmanager
def sandbox_process() -> Iterator[str]:
    """``payfold sandbox`` without faults in its own process; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVE, "--port", "0", "--rate", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        url = first.split(" on ", 1)[1].split()[0]
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


async def cpu_per_payment(url: str, concurrency: int, payments: int) -> float:
    """Runner-process CPU ms per payment, ``payments`` Tranzzo payments driven to a verdict at ``concurrency``."""
    clock = VirtualClock(datetime.now(UTC).replace(microsecond=0), speed=5.0)  # timeouts stay 6 s of wall time
    runner = Runner(
        MemoryStore(),
        {"tranzzo": Provider(tranzzo, tranzzo_credentials(base_url=url))},
        clock=clock,
        concurrency=concurrency,
    )
    for n in range(payments):
        await runner.create(
            PaymentCreated(
                at=clock.now(),
                payment_id=f"c{concurrency}-{n}",
                provider="tranzzo",
                amount=1250,
                currency="UAH",
                reference=f"c{concurrency}-{n}",
                details={"cc_token": f"tok-{n}"},
            )
        )
    started = time.process_time()
    stats = await runner.run()
    spent = time.process_time() - started
    await runner.close()
    assert stats.concluded >= payments, stats
    return spent / payments * 1e3


def rows(*, rounds: int = 3, payments: int = 1000) -> list[Row]:
    """The scaling rows: exchange cost at 1,000 and 10,000 events against 10; CPU per payment at 256 vs 16."""
    costs = {n: statistics.median(asyncio.run(exchange_cost(n)) for _ in range(rounds)) for n in (10, 1000, 10_000)}
    found = [
        cost_row(
            f"runner exchange at {n:,} events per payment (vs 10)",
            costs[n],
            costs[10],
            "CPU µs/event",
            0.8,
            "reads only the events after the version it holds",
        )
        for n in (1000, 10_000)
    ]
    with sandbox_process() as url:
        asyncio.run(cpu_per_payment(url, 16, 100))  # warm up the sandbox and the imports
        cpu = {
            c: statistics.median(asyncio.run(cpu_per_payment(url, c, payments)) for _ in range(rounds))
            for c in (16, 256)
        }
    found.append(
        cost_row(
            "runner + sandbox CPU per payment, concurrency 256 (vs 16)",
            cpu[256],
            cpu[16],
            "CPU ms/payment",
            0.85,
            "httpx pools sharded so httpcore's per-request scan stays short",
        )
    )
    return found


def main() -> None:
    for row in rows():
        print(
            f"  {row.row:<58} payfold {row.payfold:>9.1f}  baseline {row.baseline:>9.1f} {row.unit:<15}"
            f" ratio {row.ratio:5.2f}  target {row.target:4.2f}  {'met' if row.met else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
