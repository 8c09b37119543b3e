"""Test doubles for the runner: a scripted Tranzzo behind httpx's MockTransport, a clock that stands still, and a
gate that makes several runners read a stream at the same moment."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
import msgspec
import pytest

from payfold import EventStore, PaymentCreated, Policy
from payfold.adapters import tranzzo
from payfold.adapters.runner import Provider, ProviderAdapter, Runner
from payfold.adapters.runner.clock import Clock, VirtualClock
from payfold.adapters.stores.memory import MemoryStore
from payfold.testing import T0

CREDENTIALS = tranzzo.Credentials(pos_id="pos", api_key="k", api_secret="s", endpoints_key="e", base_url="http://tz")
NGINX_502 = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<hr><center>nginx</center>\r\n</html>"

T = TypeVar("T")
Answer = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]


def paid(order_id: str) -> bytes:
    """Tranzzo's status answer for ``order_id``: one successful purchase of 12.50 UAH."""
    return msgspec.json.encode(
        [
            {
                "payment_id": "tz-" + order_id,
                "order_id": order_id,
                "method": "purchase",
                "status": "success",
                "status_code": 1000,
                "amount": 12.5,
                "currency": "UAH",
            }
        ]
    )


def accepted(request: httpx.Request) -> httpx.Response:
    """The charge answer: the purchase went through."""
    return httpx.Response(200, content=paid(msgspec.json.decode(request.content)["order_id"])[1:-1])


def created(n: int = 1, *, payment_id: str | None = None) -> PaymentCreated:
    """Payment ``n``: 12.50 UAH, reference ``order-n``, id ``pay-n`` unless given."""
    return PaymentCreated(
        at=T0,
        payment_id=payment_id or f"pay-{n}",
        provider="tranzzo",
        amount=1250,
        currency="UAH",
        reference=f"order-{n}",
    )


class ScriptedTranzzo:
    """Answers each charge with ``charge`` (sync or async) and each status query with the paid order; counts
    the charges that reached it, by order id."""

    def __init__(self, charge: Answer) -> None:
        self.charge = charge
        self.charges: dict[str, int] = {}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            order = msgspec.json.decode(request.content)["order_id"]
            self.charges[order] = self.charges.get(order, 0) + 1
            answer = self.charge(request)
            return await answer if isinstance(answer, Awaitable) else answer
        order = request.url.path.rsplit("/", 1)[-1]
        return httpx.Response(200, content=paid(order), headers={"content-type": "application/json"})


def runner_for(
    script: ScriptedTranzzo,
    store: EventStore | None = None,
    *,
    clock: Clock | None = None,
    adapter: ProviderAdapter = tranzzo,
    policy: Policy | None = None,
    worker: str = "runner",
    nonce: str | None = None,
    concurrency: int = 32,
    group_commit: bool = True,
) -> Runner:
    """A runner for Tranzzo (or ``adapter``) answered by ``script``, on ``store`` (a fresh memory store)."""
    client = httpx.AsyncClient(transport=httpx.MockTransport(script))
    return Runner(
        store if store is not None else MemoryStore(),
        {"tranzzo": Provider(adapter, CREDENTIALS, policy=policy)},
        clock=clock or PatientClock(T0, speed=1000.0),
        client=client,
        worker=worker,
        nonce=nonce,
        concurrency=concurrency,
        group_commit=group_commit,
    )


class PatientClock(VirtualClock):
    """A virtual clock whose HTTP budgets stay generous in wall time (a tenth of the span): a scripted answer
    never times out because the machine is busy. A test of timeouts passes a plain ``VirtualClock``."""

    def real_seconds(self, span: timedelta) -> float:
        return span.total_seconds() / 10


class FrozenClock:
    """Time that stands still until the runner sleeps until a due time: runners sharing it act at one instant."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        return self.at

    async def sleep_until(self, when: datetime) -> None:
        self.at = max(self.at, when)
        await asyncio.sleep(0)

    def real_seconds(self, span: timedelta) -> float:
        return span.total_seconds() / 10


def rendezvous(store: EventStore, monkeypatch: pytest.MonkeyPatch, parties: int = 2) -> None:
    """The first ``parties`` reads of ``store`` wait for one another after reading: every runner has read the
    same version of the stream before any of them appends."""
    barrier = asyncio.Barrier(parties)
    reads = itertools.count()

    def gated(read: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def gated_read(*args: Any) -> Any:
            result = await read(*args)
            if next(reads) < parties:
                await barrier.wait()
            return result

        return gated_read

    monkeypatch.setattr(store, "read", gated(store.read))
    monkeypatch.setattr(store, "read_records", gated(store.read_records))


async def ends_within(seconds: float, work: Awaitable[T]) -> T:
    """``await work``, failing the test instead of hanging it when ``work`` has not ended after ``seconds``
    (then every other task is cancelled, so a runner spinning on a stream cannot keep the test alive)."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if task in done:
        return task.result()
    others = [other for other in asyncio.all_tasks() if other is not asyncio.current_task()]
    for other in others:
        other.cancel()
    await asyncio.wait(others, timeout=1)
    pytest.fail(f"still running after {seconds} s")
