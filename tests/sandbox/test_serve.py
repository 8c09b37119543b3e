"""The sandbox over real TCP (uvicorn on a free loopback port): what a runner with httpx really sees."""

from __future__ import annotations

import signal
import socket
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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--kinds", "nginx_599"], "--kinds has unknown kinds nginx_599; known: nginx_502,"),
        (["--rate", "2"], "--rate must be within 0..1, got 2"),
        (["--", "--rate", "-0.5"], "--rate must be within 0..1, got -0.5"),
        (["--port", "70000"], "--port must be within 0..65535, got 70000"),
        (["--port", "http"], "argument --port: invalid int value: 'http'"),
        (["--hang", "-1"], "--hang must be a number of seconds >= 0, got -1"),
        (["--hang", "nan"], "--hang must be a number of seconds >= 0, got nan"),
        (["--seed"], "argument --seed: expected one argument"),
        (["--speed", "3"], "unrecognized arguments: --speed 3"),
    ],
)
def test_a_wrong_option_is_one_line_and_exit_code_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"payfold sandbox: {message}") and "--help" in captured.err


@pytest.mark.parametrize("argv", [["--help"], ["--", "--help"], ["-h"]])
def test_help_lists_the_documented_options_with_or_without_a_leading_separator(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: payfold sandbox")
    assert all(option in out for option in ("--host", "--port", "--seed", "--rate", "--kinds", "--hang"))


def test_a_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"payfold sandbox: cannot listen on 127.0.0.1:{port}: ") and err.count("\n") == 1


def test_the_documented_command_serves_until_interrupted() -> None:
    """``payfold sandbox --port 0 --seed 7 ...`` as docs/sandbox.md has it (port 0: any free one), with the
    leading ``--`` the CLI may pass on: it announces the URL and credentials, answers, and Ctrl-C ends it."""
    code = "import sys; from payfold.adapters.sandbox import main; sys.exit(main(sys.argv[1:]))"
    argv = ["--", "--port", "0", "--seed", "7", "--rate", "0.3", "--kinds", "nginx_502,late_landing", "--hang", "1.0"]
    process = subprocess.Popen([sys.executable, "-c", code, *argv], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("payfold sandbox on http://127.0.0.1:") and "(seed 7, fault rate 0.3:" in first
        url = first.split()[3]
        assert httpx.get(f"{url}/health", timeout=5.0).text == "OK"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


async def test_the_sandbox_tells_who_asks_which_request_it_holds() -> None:
    held: list[tuple[tuple[str, str], ...]] = []
    sandbox = Sandbox(faults=FaultPlan.only("hang", hang_seconds=0.0), on_hang=held.append)
    async with served(sandbox) as url, httpx.AsyncClient(timeout=5.0) as client:
        creds = tranzzo.Credentials(
            pos_id=sandbox.tranzzo_keys.pos_id, api_key=sandbox.tranzzo_keys.api_key,
            api_secret=sandbox.tranzzo_keys.api_secret, endpoints_key=sandbox.tranzzo_keys.endpoints_key, base_url=url,
        )  # fmt: skip
        request = tranzzo.request(CHARGE, payment("tranzzo", "held-1"), creds)
        await client.request(
            request.method, request.url, headers=[*request.headers, ("x-mine", "7")], content=request.body
        )
    assert len(held) == 1 and ("x-mine", "7") in held[0]


def test_importing_the_sandbox_loads_no_server() -> None:
    code = "import sys, payfold.adapters.sandbox; print('uvicorn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
