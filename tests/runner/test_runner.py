"""The runner against a scripted Tranzzo over httpx's MockTransport, on the memory store, with a virtual clock."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import msgspec
import pytest

from payfold import (
    ChargeAccepted,
    OutcomeUnknown,
    PaymentCreated,
    RequeryConfirmed,
    RequestSent,
    Status,
    fold,
)
from payfold.adapters.stores.memory import MemoryStore
from payfold.testing import T0
from tests.runner._fakes import NGINX_502, ScriptedTranzzo, created, paid, runner_for


async def test_nginx_502_is_requeried_after_60_seconds_and_settled() -> None:
    script = ScriptedTranzzo(lambda r: httpx.Response(502, content=NGINX_502, headers={"content-type": "text/html"}))
    runner = runner_for(script)
    await runner.create(created())
    await runner.run()
    events = await runner.store.read("pay-1")
    state = fold(events)
    assert state.status is Status.SETTLED
    assert script.charges == {"order-1": 1}
    unknown = next(e for e in events if isinstance(e, OutcomeUnknown))
    requery = next(e for e in events if isinstance(e, RequestSent) and e.operation == "requery")
    assert unknown.cause == "nginx" and requery.at >= unknown.at + timedelta(seconds=60)
    assert any(isinstance(e, RequeryConfirmed) for e in events)


async def test_request_sent_is_recorded_before_the_answer() -> None:
    script = ScriptedTranzzo(lambda r: httpx.Response(200, content=paid("order-1")[1:-1]))
    runner = runner_for(script)
    await runner.create(created())
    await runner.advance("pay-1")
    events = await runner.store.read("pay-1")
    assert [type(e) for e in events] == [PaymentCreated, RequestSent, ChargeAccepted]
    answer = events[2]
    assert isinstance(answer, ChargeAccepted) and answer.wire.sent_at == events[1].at


@pytest.mark.parametrize(
    ("failure", "cause"),
    [(httpx.ReadTimeout("slow"), "timeout"), (httpx.RemoteProtocolError("cut"), "reset")],
)
async def test_transport_failures_become_ambiguity_never_a_resend(failure: Exception, cause: str) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    script = ScriptedTranzzo(fail)
    runner = runner_for(script)
    await runner.create(created())
    await runner.run()
    events = await runner.store.read("pay-1")
    assert fold(events).status is Status.SETTLED
    assert script.charges == {"order-1": 1}
    unknown = next(e for e in events if isinstance(e, OutcomeUnknown))
    assert unknown.cause == cause and unknown.wire.error == cause


async def test_connect_error_is_not_processed_and_resent_with_the_same_reference() -> None:
    calls = [0]

    def flaky(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        if calls[0] == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, content=paid("order-1")[1:-1])

    script = ScriptedTranzzo(flaky)
    runner = runner_for(script)
    await runner.create(created())
    await runner.run()
    assert fold(await runner.store.read("pay-1")).status is Status.SETTLED
    assert script.charges == {"order-1": 2}  # the first one never left the client


async def test_a_request_in_flight_when_the_process_died_is_requeried_not_resent() -> None:
    script = ScriptedTranzzo(lambda r: httpx.Response(200, content=paid("order-1")[1:-1]))
    store = MemoryStore()
    crashed = runner_for(script, store)
    await crashed.create(created())
    state = await crashed.payment("pay-1")
    await store.append("pay-1", [RequestSent(at=T0, operation="charge")], state.version, due=T0 + timedelta(minutes=1))
    runner = runner_for(script, store)
    await runner.run()
    events = await store.read("pay-1")
    assert fold(events).status is Status.SETTLED
    assert script.charges == {}  # never resent: the requery found it
    assert runner.stats.requests == {"requery": 1}


async def test_group_commit_shares_transactions_across_payments() -> None:
    script = ScriptedTranzzo(
        lambda r: httpx.Response(200, content=paid(msgspec.json.decode(r.content)["order_id"])[1:-1])
    )
    runner = runner_for(script, concurrency=16)
    for n in range(40):
        await runner.create(created(n))
    await runner.run()
    assert [fold(await runner.store.read(f"pay-{n}")).status for n in range(40)] == [Status.SETTLED] * 40
    committer = runner._committer
    assert committer is not None and committer.batches < committer.appends


async def test_two_runners_on_one_store_never_charge_twice() -> None:
    script = ScriptedTranzzo(
        lambda r: httpx.Response(200, content=paid(msgspec.json.decode(r.content)["order_id"])[1:-1])
    )
    store = MemoryStore()
    first, second = runner_for(script, store, worker="a"), runner_for(script, store, worker="b")
    for n in range(20):
        await first.create(created(n))
    await asyncio.gather(first.run(), second.run())
    assert script.charges == {f"order-{n}": 1 for n in range(20)}
    assert [fold(await store.read(f"pay-{n}")).status for n in range(20)] == [Status.SETTLED] * 20


async def test_stop_lets_requests_in_flight_finish_and_be_recorded() -> None:
    script = ScriptedTranzzo(lambda r: httpx.Response(502, content=NGINX_502, headers={"content-type": "text/html"}))
    runner = runner_for(script)
    for n in range(5):
        await runner.create(created(n))
    task = asyncio.create_task(runner.run(until_idle=False))
    await asyncio.sleep(0.05)
    runner.stop()
    await asyncio.wait_for(task, 5)
    for n in range(5):
        state = fold(await runner.store.read(f"pay-{n}"))
        assert state.in_flight is None  # every request sent has its answer recorded


async def test_an_unknown_provider_is_a_clear_error() -> None:
    runner = runner_for(ScriptedTranzzo(lambda r: httpx.Response(500)))
    with pytest.raises(KeyError, match="no provider 'acme' configured"):
        await runner.create(
            PaymentCreated(at=T0, payment_id="p", provider="acme", amount=1, currency="UAH", reference="r")
        )
