"""The sandbox's exchange log (numbered answers), the drip fault, and webhooks drained early."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest

from payfold import OutcomeUnknown, ProviderAnswer, RequeryNotFound
from payfold.adapters import tranzzo
from payfold.adapters.cli._sandboxed import credentials_for
from payfold.adapters.sandbox import EXCHANGE_HEADER, FaultPlan, Sandbox, served

from ._drive import CHARGE, Clock, payment, rig


async def test_with_an_exchange_log_every_answer_is_numbered_and_kept_by_the_adapters() -> None:
    async with rig(FaultPlan.only("nginx_502", rate=0.5), exchange_log=True) as r:
        pay = payment("tranzzo", "numbered")
        events = [await r.charge(pay), await r.requery(pay), await r.requery(pay)]
        response = await r.client.get("/nowhere")
    numbers = [dict(wire.headers)[EXCHANGE_HEADER] for wire in r.wires]
    assert numbers == ["1", "2", "3"] and response.headers[EXCHANGE_HEADER] == "4"
    kept = [dict(event.wire.headers).get(EXCHANGE_HEADER) for event in events if isinstance(event, ProviderAnswer)]
    assert kept == numbers  # the adapters keep the header in the event's wire (it is not redacted)
    log = r.sandbox.exchanges
    assert [(e.number, e.provider, e.operation, e.reference) for e in log[:3]] == [
        (1, "tranzzo", "charge", "numbered"), (2, "tranzzo", "requery", "numbered"),
        (3, "tranzzo", "requery", "numbered"),
    ]  # fmt: skip
    assert {e.fault for e in log[:3]} <= {"", "nginx_502"} and log[3].provider == "" and log[3].path == "/nowhere"


async def test_without_an_exchange_log_answers_carry_no_number() -> None:
    async with rig() as r:
        await r.charge(payment("tranzzo", "plain"))
        assert EXCHANGE_HEADER not in dict(r.wires[0].headers) and r.sandbox.exchanges == []


async def test_a_drip_outlives_a_per_read_timeout_but_not_a_timeout_on_the_whole_exchange() -> None:
    plan = FaultPlan.only("drip", drip_seconds=0.6, drip_chunks=4)
    sandbox = Sandbox(faults=plan, clock=Clock())
    async with served(sandbox) as url, httpx.AsyncClient(timeout=0.3) as client:
        credentials = credentials_for(sandbox, url).tranzzo
        first = tranzzo.request(CHARGE, payment("tranzzo", "drip-1"), credentials)
        started = time.monotonic()
        answer = await client.request(first.method, first.url, headers=first.headers, content=first.body)
        assert time.monotonic() - started >= 0.55  # each read came within 0.3 s: httpx never timed out
        assert answer.status_code == 200 and answer.json()["order_id"] == "drip-1"
        second = tranzzo.request(CHARGE, payment("tranzzo", "drip-2"), credentials)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await client.request(second.method, second.url, headers=second.headers, content=second.body)
    assert sandbox.ledger.charged("tranzzo", "drip-1") == sandbox.ledger.charged("tranzzo", "drip-2") == 1
    assert sandbox.injected["drip"] == 2


def test_a_drip_has_no_default_weight_and_refuses_nonsense() -> None:
    assert "drip" not in FaultPlan().weights
    with pytest.raises(ValueError, match="drip_chunks"):
        FaultPlan(drip_chunks=0)
    with pytest.raises(ValueError, match="drip_seconds"):
        FaultPlan(drip_seconds=-1.0)


async def test_webhooks_can_be_drained_before_they_are_due() -> None:
    queued: list[int] = []
    plan = FaultPlan.only("late_landing", landing_delay=timedelta(minutes=2), webhook_duplicates=0.0)
    async with rig(plan, on_webhook=lambda: queued.append(1)) as r:
        assert isinstance(await r.charge(payment("tranzzo", "early")), OutcomeUnknown)
        assert queued == [1] and r.sandbox.pending_webhooks() == 1
        assert r.sandbox.webhooks() == []  # not landed: not due
        early = r.sandbox.webhooks(until=r.clock.now + timedelta(minutes=2))
        assert len(early) == 1 and r.sandbox.pending_webhooks() == 0
        assert isinstance(await r.requery(payment("tranzzo", "early")), RequeryNotFound)  # early indeed
