"""The callbacks the emulated providers would send: signed as the adapters check them, late landings late."""

from __future__ import annotations

from datetime import timedelta

from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.sandbox import FaultPlan

from ._drive import payment, rig


async def test_tranzzo_webhooks_are_signed_with_the_api_secret() -> None:
    async with rig() as r:
        await r.charge(payment("tranzzo", "order-w"))
        webhooks = r.sandbox.webhooks()
        assert [w[0] for w in webhooks] == ["tranzzo"]
        _, headers, body = webhooks[0]
        secret = r.sandbox.tranzzo_keys.api_secret
        event = tranzzo.webhook(headers, body, secret, at=r.clock.now)
        assert event.signature_valid
        assert isinstance(event.payload, dict) and event.payload["order_id"] == "order-w"
        assert event.payload["status"] == "success"
        assert not tranzzo.webhook(headers, body, "another-secret", at=r.clock.now).signature_valid
        assert r.sandbox.webhooks() == []  # drained


async def test_rave_webhooks_carry_the_verif_hash_and_the_flat_v2_body() -> None:
    async with rig() as r:
        await r.charge(payment("flutterwave", "tx-w"))
        ((provider, headers, body),) = r.sandbox.webhooks()
        event = flutterwave.webhook(headers, body, r.sandbox.rave_webhook_hash, at=r.clock.now)
        assert provider == "flutterwave" and event.signature_valid
        assert isinstance(event.payload, dict)
        assert (event.payload["txRef"], event.payload["status"]) == ("tx-w", "successful")


async def test_duplicates_are_delivered_and_declines_are_reported_too() -> None:
    async with rig(FaultPlan.only("decline", webhook_duplicates=1.0)) as r:
        await r.charge(payment("flutterwave", "tx-dup"))
        webhooks = r.sandbox.webhooks()
        assert len(webhooks) == 2 and webhooks[0] == webhooks[1]
        event = flutterwave.webhook(webhooks[0][1], webhooks[0][2], r.sandbox.rave_webhook_hash, at=r.clock.now)
        assert isinstance(event.payload, dict) and event.payload["status"] == "failed"


async def test_a_late_landing_sends_its_webhook_only_once_landed() -> None:
    async with rig(FaultPlan.only("late_landing", landing_delay=timedelta(minutes=2), webhook_duplicates=0.0)) as r:
        await r.charge(payment("tranzzo", "order-late"))
        assert r.sandbox.webhooks() == []
        assert r.sandbox.next_webhook_at() == r.clock.now + timedelta(minutes=2)  # when to come back for it
        r.clock.advance(timedelta(minutes=1, seconds=59))
        assert r.sandbox.webhooks() == []
        r.clock.advance(timedelta(seconds=1))
        assert len(r.sandbox.webhooks()) == 1
        assert r.sandbox.next_webhook_at() is None  # nothing queued any more
