"""The FastAPI example (examples/fastapi_app.py), through its test client against the sandbox on loopback:
payments are charged at once, a webhook routed by its reference brings the requery forward, and the customer is
notified of each verdict exactly once across a restart of the app."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import msgspec
import pytest
from fastapi.testclient import TestClient

from examples.fastapi_app import Settings, create_app
from payfold import ChargeAccepted, RequestSent
from payfold.adapters import tranzzo
from payfold.adapters.sandbox import DEFAULT_TRANZZO as KEYS
from payfold.adapters.stores.sqlite import SqliteStore

SLOW_VERIFY = msgspec.structs.replace(tranzzo.POLICY, verify_delay=timedelta(seconds=60), jitter=0.0)
"""The requery that verifies an accepted charge waits a minute: long enough to see a webhook bring it forward."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    """``payfold sandbox`` as a process (no faults), killed at the end whatever happens."""
    port = _free_port()
    command = [sys.executable, "-c", "import sys; from payfold.adapters.cli import main; sys.exit(main())",
               "sandbox", "--port", str(port), "--rate", "0", "--seed", "3"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.05)
        else:
            pytest.fail("the sandbox did not listen within 20 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(10)


@pytest.fixture
def settings(sandbox_url: str, tmp_path: Path) -> Settings:
    credentials = tranzzo.Credentials(pos_id=KEYS.pos_id, api_key=KEYS.api_key, api_secret=KEYS.api_secret,
                                      endpoints_key=KEYS.endpoints_key, base_url=sandbox_url)  # fmt: skip
    return Settings(log=tmp_path / "payments.db", app_db=tmp_path / "shop.db", credentials=credentials,
                    webhook_secret=KEYS.api_secret, policy=SLOW_VERIFY)  # fmt: skip


def _signed_callback(order_id: str, secret: str) -> bytes:
    """Tranzzo's callback as its webhook page describes it (written here, not taken from the adapter)."""
    data = base64.urlsafe_b64encode(json.dumps({"order_id": order_id, "status": "success"}).encode()).decode()
    signature = base64.urlsafe_b64encode(hashlib.sha1((secret + data + secret).encode()).digest()).decode()
    return urlencode({"data": data, "signature": signature}).encode()


def _wait_for(client: TestClient, payment_id: str, status: str, within: float) -> dict[str, object]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        body: dict[str, object] = client.get(f"/payments/{payment_id}").json()
        if body["status"] == status and body["notified"] is not None:
            return body
        time.sleep(0.02)
    pytest.fail(f"{payment_id} not {status} (and notified) within {within} s: {body}")


def _wait_for_charge_answer(settings: Settings, payment_id: str) -> None:
    """Until the charge's answer is in the log (read-only, beside the app): a callback older than the latest
    answer is stale, and the policy rightly lets it move nothing."""

    async def answered() -> bool:
        store = await SqliteStore.open(settings.log, read_only=True)
        try:
            return any(isinstance(e, ChargeAccepted) for e in await store.read(payment_id))
        finally:
            await store.close()

    deadline = time.monotonic() + 10
    while not asyncio.run(answered()):
        assert time.monotonic() < deadline, f"{payment_id}: no charge answer within 10 s"
        time.sleep(0.02)


def _order(n: int) -> dict[str, object]:
    """Order ``n``: each test uses its own numbers (the sandbox, shared by the module, refuses a reused order id)."""
    return {"order_id": f"order-{n}", "amount": 12_500, "currency": "UAH", "card_token": f"tok-{n}"}


def test_a_webhook_routed_by_reference_brings_the_requery_forward(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.post("/payments", json=_order(1)).status_code == 201
        _wait_for_charge_answer(settings, "pay-order-1")
        assert client.post("/payments", json=_order(1)).status_code == 409
        # The charge was accepted; the verifying requery is a minute away. The provider calls back:
        form = {"content-type": "application/x-www-form-urlencoded"}
        started = time.monotonic()
        answer = client.post("/webhooks/tranzzo", content=_signed_callback("order-1", KEYS.api_secret), headers=form)
        assert answer.status_code == 200
        body = _wait_for(client, "pay-order-1", "settled", within=10)
        assert time.monotonic() - started < 10, "the requery waited for its timer, not the webhook"
        assert body["notified"] == {"outcome": "settled", "position": body["notified"]["position"]}  # type: ignore[index]
        unknown = client.post("/webhooks/tranzzo", content=_signed_callback("order-404", KEYS.api_secret), headers=form)
        assert unknown.status_code == 404
        forged = client.post("/webhooks/tranzzo", content=_signed_callback("order-1", "not-the-secret"), headers=form)
        assert forged.status_code == 403


def test_each_verdict_is_notified_exactly_once_across_a_restart(settings: Settings) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    with TestClient(create_app(settings)) as client:
        for n in (11, 12):
            assert client.post("/payments", json=_order(n)).status_code == 201
        for n in (11, 12):
            _wait_for_charge_answer(settings, f"pay-order-{n}")
            client.post("/webhooks/tranzzo", content=_signed_callback(f"order-{n}", KEYS.api_secret), headers=form)
            _wait_for(client, f"pay-order-{n}", "settled", within=10)
    # The app restarts: the notifier resumes after its checkpoint, and a new payment settles.
    with TestClient(create_app(settings)) as client:
        assert client.post("/payments", json=_order(13)).status_code == 201
        _wait_for_charge_answer(settings, "pay-order-13")
        client.post("/webhooks/tranzzo", content=_signed_callback("order-13", KEYS.api_secret), headers=form)
        _wait_for(client, "pay-order-13", "settled", within=10)
        time.sleep(0.3)  # let a redelivery, if any, reach the outbox
    with sqlite3.connect(settings.app_db) as db:
        rows = db.execute("SELECT payment_id, outcome FROM notification ORDER BY payment_id").fetchall()
        (checkpoint,) = db.execute("SELECT position FROM checkpoint").fetchone()
    assert rows == [("pay-order-11", "settled"), ("pay-order-12", "settled"), ("pay-order-13", "settled")]
    assert checkpoint > 0

    # Every charge was sent once: the webhook only ever brought a requery forward.
    async def charges() -> list[int]:
        store = await SqliteStore.open(settings.log)
        try:
            return [sum(1 for e in await store.read(f"pay-order-{n}") if isinstance(e, RequestSent)
                        and e.operation == "charge") for n in (11, 12, 13)]  # fmt: skip
        finally:
            await store.close()

    assert asyncio.run(charges()) == [1, 1, 1]
