"""The emulated Rave v2, driven through ``payfold.adapters.flutterwave``: every answer is one payfold expects."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import msgspec
import pytest

from payfold import (
    ChargeAccepted,
    ChargeDeclined,
    ChargeRejected,
    LongRequestStarted,
    NotProcessed,
    OutcomeUnknown,
    PollCompleted,
    PollFailed,
    PollPending,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
)
from payfold.adapters.sandbox import FaultPlan
from payfold.adapters.sandbox._faults import draw

from ._drive import payment, rig


async def test_a_tokenized_charge_is_accepted_and_verify_confirms_it() -> None:
    async with rig() as r:
        pay = payment("flutterwave", "tx-1", amount=1_234_550)
        accepted = await r.charge(pay)
        assert isinstance(accepted, ChargeAccepted) and accepted.code == "00"
        assert accepted.provider_ref is not None and accepted.provider_ref.startswith("FLW-MOCK-")
        assert "use_polling=1" in r.wires[-1].url
        confirmed = await r.requery(pay)
        assert isinstance(confirmed, RequeryConfirmed)
        assert (confirmed.reference, confirmed.amount, confirmed.currency) == ("tx-1", 1_234_550, "NGN")
        assert confirmed.provider_ref == accepted.provider_ref
        assert r.sandbox.ledger.charged("flutterwave", "tx-1") == 1


async def test_the_encrypted_charge_reads_a_base64_json_client_blob() -> None:
    async with rig() as r:
        blob = base64.b64encode(json.dumps({"txRef": "tx-2", "amount": "500.00", "currency": "NGN"}).encode())
        pay = payment("flutterwave", "tx-2", amount=50_000, client=blob.decode())
        assert isinstance(await r.charge(pay), ChargeAccepted)
        assert r.sandbox.ledger.records[("flutterwave", "tx-2")].amount == 50_000
        unreadable = payment("flutterwave", "tx-3", client="3DES-bytes-the-sandbox-cannot-read")
        assert isinstance(await r.charge(unreadable), ChargeRejected)
        assert ("flutterwave", "tx-3") not in r.sandbox.ledger.records


async def test_a_wrong_secret_key_is_rejected_and_charges_nothing() -> None:
    async with rig() as r:
        wrong = msgspec.structs.replace(r.credentials("flutterwave"), secret_key="FLWSECK-wrong")
        assert isinstance(await r.charge(payment("flutterwave", "tx-4"), wrong), ChargeRejected)
        assert r.sandbox.ledger.records == {}


async def test_a_repeated_txref_replays_the_transaction_and_never_charges_twice() -> None:
    async with rig() as r:
        pay = payment("flutterwave", "tx-5")
        first = await r.charge(pay)
        again = await r.charge(pay)
        assert isinstance(again, ChargeAccepted) and isinstance(first, ChargeAccepted)
        assert again.provider_ref == first.provider_ref
        assert r.sandbox.ledger.charged("flutterwave", "tx-5") == 1
        assert r.sandbox.ledger.attempts("flutterwave", "tx-5") == 2


async def test_an_unknown_txref_is_no_tx() -> None:
    async with rig() as r:
        event = await r.requery(payment("flutterwave", "never-sent"))
        assert isinstance(event, RequeryNotFound) and r.wires[-1].status == 404


async def test_a_long_request_polls_pending_then_completed_then_verify_confirms() -> None:
    plan = FaultPlan.only("long_request", pending_polls=3)
    async with rig(plan, seed=11) as r:
        pay = payment("flutterwave", "tx-long")
        started = await r.charge(pay)
        assert isinstance(started, LongRequestStarted)
        assert started.ping_url.startswith(r.sandbox.url + "/flwv3-pug/getpaidx/api/ping/")
        assert timedelta(milliseconds=200) <= started.wait <= timedelta(seconds=2)
        assert r.sandbox.ledger.charged("flutterwave", "tx-long") == 1  # the origin took it
        fault = draw(plan, 11, provider="flutterwave", reference="tx-long", operation="charge", attempt=1, polling=True)
        assert fault is not None
        pending = [await r.poll(pay, started.ping_url) for _ in range(fault.pending_polls)]
        assert all(isinstance(e, PollPending) for e in pending)
        completed = await r.poll(pay, started.ping_url)
        assert isinstance(completed, PollCompleted)
        assert json.loads(completed.response)["data"]["chargeResponseCode"] == "00"
        assert isinstance(await r.requery(pay), RequeryConfirmed)


async def test_an_unknown_ping_is_a_failed_poll() -> None:
    async with rig() as r:
        url = r.sandbox.url + "/flwv3-pug/getpaidx/api/ping/00ff"
        assert isinstance(await r.poll(payment("flutterwave", "x"), url), PollFailed)


async def test_a_late_landing_is_flw_err_then_no_tx_then_confirmed() -> None:
    async with rig(FaultPlan.only("late_landing", landing_delay=timedelta(minutes=5))) as r:
        pay = payment("flutterwave", "tx-late")
        unknown = await r.charge(pay)
        assert isinstance(unknown, OutcomeUnknown) and unknown.cause == "flw_err"
        assert isinstance(await r.requery(pay), RequeryNotFound)
        r.clock.advance(timedelta(minutes=4))
        assert isinstance(await r.requery(pay), RequeryNotFound)
        r.clock.advance(timedelta(minutes=1))
        assert isinstance(await r.requery(pay), RequeryConfirmed)


async def test_a_decline_is_rr_and_verify_says_failed() -> None:
    async with rig(FaultPlan.only("decline")) as r:
        pay = payment("flutterwave", "tx-no")
        assert isinstance(await r.charge(pay), ChargeDeclined)
        declined = await r.requery(pay)
        assert isinstance(declined, RequeryDeclined) and declined.code == "RR"
        assert r.sandbox.ledger.charged("flutterwave", "tx-no") == 0


async def test_server_errors_are_the_documented_timeout_shapes() -> None:
    plan = FaultPlan.only("error_500")
    async with rig(plan) as r:
        causes = set()
        for n in range(8):
            event = await r.charge(payment("flutterwave", f"tx-500-{n}"))
            assert isinstance(event, OutcomeUnknown)
            causes.add(event.cause)
        assert causes == {"contact_support", "requery_advised"}


@pytest.mark.parametrize(("kind", "cause"), [("nginx_502", "nginx"), ("cloudflare_522", "cloudflare")])
async def test_gateway_pages_are_outcome_unknown(kind: str, cause: str) -> None:
    async with rig(FaultPlan.only(kind)) as r:
        event = await r.charge(payment("flutterwave", "tx-gw"))
        assert isinstance(event, OutcomeUnknown) and event.cause == cause


async def test_429_is_not_processed_with_retry_after() -> None:
    async with rig(FaultPlan.only("rate_429")) as r:
        event = await r.charge(payment("flutterwave", "tx-busy"))
        assert isinstance(event, NotProcessed) and event.retry_after is not None
        assert timedelta(seconds=1) <= event.retry_after <= timedelta(seconds=3)


async def test_a_faulty_verify_fails_and_changes_nothing() -> None:
    async with rig() as r:
        pay = payment("flutterwave", "tx-rq")
        await r.charge(pay)
        before = r.sandbox.ledger.snapshot()
        r.sandbox.faults = FaultPlan(rate=1.0, weights={"nginx_502": 1, "error_500": 1, "rate_429": 1, "reset": 1})
        for _ in range(6):
            assert isinstance(await r.requery(pay), RequeryFailed)
        assert r.sandbox.ledger.snapshot() == before
