"""The sandbox over real TCP (uvicorn on a free loopback port): what a runner with httpx really sees."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from payfold import ChargeAccepted, OutcomeUnknown, RequeryConfirmed
from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.sandbox import FaultPlan, Sandbox, main, served

from ._drive import CHARGE, REQUERY, Clock, exchange, payment


async def test_a_real_charge_and_requery_over_tcp() -> None:
    clock = Clock()
    sandbox = Sandbox(faults=FaultPlan.none(), clock=clock)
    async with served(sandbox) as url, httpx.AsyncClient(timeout=5.0) as client:
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        keys = sandbox.tranzzo_keys
        creds = tranzzo.Credentials(
            pos_id=keys.pos_id,
            api_key=keys.api_key,
            api_secret=keys.api_secret,
            endpoints_key=keys.endpoints_key,
            base_url=url,
        )
        pay = payment("tranzzo", "tcp-1", amount=99_900)
        charge = tranzzo.translate(await exchange(client, tranzzo.request(CHARGE, pay, creds), clock, 5.0))
        assert isinstance(charge, ChargeAccepted)
        requery = tranzzo.translate(await exchange(client, tranzzo.request(REQUERY, pay, creds), clock, 5.0))
        assert isinstance(requery, RequeryConfirmed) and requery.amount == 99_900
        health = await client.get(url + "/health")
        assert health.text == "OK"
    assert sandbox.ledger.charged("tranzzo", "tcp-1") == 1


async def test_over_tcp_a_reset_is_a_broken_response_and_a_hang_a_read_timeout() -> None:
    clock = Clock()
    sandbox = Sandbox(faults=FaultPlan(rate=1.0, weights={"reset": 1.0}, hang_seconds=0.5), clock=clock)
    async with served(sandbox) as url, httpx.AsyncClient(timeout=0.2) as client:
        creds = flutterwave.Credentials(
            public_key=sandbox.rave_keys.public_key, secret_key=sandbox.rave_keys.secret_key, base_url=url
        )
        pay = payment("flutterwave", "tcp-reset")
        request = flutterwave.request(CHARGE, pay, creds)
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await client.request(request.method, request.url, headers=request.headers, content=request.body)
        sandbox.faults = FaultPlan(rate=1.0, weights={"hang": 1.0}, hang_seconds=0.5)
        slow = payment("flutterwave", "tcp-hang")
        event = flutterwave.translate(await exchange(client, flutterwave.request(CHARGE, slow, creds), clock, None))
        assert isinstance(event, OutcomeUnknown) and event.cause == "timeout"
    assert sandbox.ledger.charged("flutterwave", "tcp-reset") == 1
    assert sandbox.ledger.charged("flutterwave", "tcp-hang") == 1


def test_the_command_refuses_an_unknown_fault_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--kinds", "nginx_599"]) == 2
    assert "unknown kinds" in capsys.readouterr().err


def test_importing_the_sandbox_loads_no_server() -> None:
    code = "import sys, payfold.adapters.sandbox; print('uvicorn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
