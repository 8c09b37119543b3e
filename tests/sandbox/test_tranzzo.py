"""The emulated Tranzzo, driven through ``payfold.adapters.tranzzo``: every answer is one payfold expects."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from payfold import (
    ActionRequired,
    ChargeAccepted,
    ChargeDeclined,
    ChargeDuplicate,
    ChargeRejected,
    NotProcessed,
    OutcomeUnknown,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
)
from payfold.adapters.sandbox import FaultPlan
from payfold.adapters.sandbox._faults import draw

from ._drive import payment, rig


async def test_a_charge_is_accepted_and_a_requery_confirms_the_exact_amount() -> None:
    async with rig() as r:
        pay = payment("tranzzo", "order-1", amount=450_050)
        accepted = await r.charge(pay)
        assert isinstance(accepted, ChargeAccepted) and accepted.message == "success"
        confirmed = await r.requery(pay)
        assert isinstance(confirmed, RequeryConfirmed)
        assert (confirmed.reference, confirmed.amount, confirmed.currency) == ("order-1", 450_050, "UAH")
        assert confirmed.provider_ref == r.sandbox.book.get("tranzzo", "order-1").payment_id  # type: ignore[union-attr]
        record = r.sandbox.ledger.records[("tranzzo", "order-1")]
        assert (record.amount, record.currency, record.times_applied) == (450_050, "UAH", 1)


async def test_a_resend_is_p409_and_never_charges_twice() -> None:
    async with rig() as r:
        pay = payment("tranzzo", "order-2")
        await r.charge(pay)
        duplicate = await r.charge(pay)
        assert isinstance(duplicate, ChargeDuplicate) and duplicate.code == "P-409"
        assert r.sandbox.ledger.charged("tranzzo", "order-2") == 1
        assert r.sandbox.ledger.attempts("tranzzo", "order-2") == 2
        assert r.sandbox.ledger.records[("tranzzo", "order-2")].attempts == 2


async def test_a_hosted_payment_answers_a_redirect_and_the_emulated_customer_pays() -> None:
    async with rig() as r:
        pay = payment("tranzzo", "order-3", customer_email="c@example.com")
        redirect = await r.charge(pay)
        assert isinstance(redirect, ActionRequired) and redirect.kind == "redirect"
        assert redirect.url is not None and redirect.url.startswith(r.sandbox.url + "/h/")
        assert isinstance(await r.requery(pay), RequeryConfirmed)


async def test_wrong_credentials_are_rejected_as_configuration_and_charge_nothing() -> None:
    async with rig() as r:
        pay = payment("tranzzo", "order-4")
        wrong = msgspec.structs.replace(r.credentials("tranzzo"), api_secret="nope")
        rejected = await r.charge(pay, wrong)
        assert isinstance(rejected, ChargeRejected) and rejected.reason.startswith("configuration")
        no_key = msgspec.structs.replace(r.credentials("tranzzo"), endpoints_key="")
        front_door = await r.charge(pay, no_key)
        assert isinstance(front_door, ChargeRejected) and front_door.code == "endpoints:16"
        assert r.sandbox.ledger.records == {} and r.sandbox.ledger.attempts("tranzzo", "order-4") == 0


async def test_an_unknown_order_is_tranzzos_own_not_found() -> None:
    async with rig() as r:
        assert isinstance(await r.requery(payment("tranzzo", "never-sent")), RequeryNotFound)


async def test_a_decline_charges_nothing_and_the_requery_declines() -> None:
    async with rig(FaultPlan.only("decline")) as r:
        pay = payment("tranzzo", "order-5")
        declined = await r.charge(pay)
        assert isinstance(declined, ChargeDeclined)
        assert isinstance(await r.requery(pay), RequeryDeclined)
        assert isinstance(await r.charge(pay), ChargeDuplicate)  # "rejected anyway" on a reused order_id
        assert r.sandbox.ledger.charged("tranzzo", "order-5") == 0 and r.sandbox.ledger.total() == 0


async def test_a_late_landing_is_not_found_until_the_clock_passes_the_landing() -> None:
    plan = FaultPlan.only("late_landing", landing_delay=timedelta(minutes=2))
    async with rig(plan) as r:
        pay = payment("tranzzo", "order-6")
        unknown = await r.charge(pay)
        assert isinstance(unknown, OutcomeUnknown) and unknown.cause == "deadline_exceeded"
        assert isinstance(await r.requery(pay), RequeryNotFound)
        r.sandbox.faults = FaultPlan.none()
        assert isinstance(await r.charge(pay), ChargeDuplicate)  # a resend before it lands is still refused
        assert isinstance(await r.requery(pay), RequeryNotFound)
        r.clock.advance(timedelta(minutes=2))
        assert isinstance(await r.requery(pay), RequeryConfirmed)
        assert r.sandbox.ledger.charged("tranzzo", "order-6") == 1
        assert r.sandbox.ledger.records[("tranzzo", "order-6")].charged_at == r.clock.now


@pytest.mark.parametrize(
    ("kind", "cause"),
    [
        ("nginx_502", "nginx"),
        ("nginx_503", "nginx"),
        ("nginx_504", "nginx"),
        ("cloudflare_502", "cloudflare"),
        ("cloudflare_522", "cloudflare"),
        ("error_500", "server_error"),
    ],
)
async def test_gateway_and_server_errors_are_outcome_unknown_and_the_ledger_follows_the_draw(
    kind: str, cause: str
) -> None:
    plan = FaultPlan.only(kind)
    async with rig(plan, seed=3) as r:
        for n in range(6):
            reference = f"gw-{kind}-{n}"
            event = await r.charge(payment("tranzzo", reference))
            assert isinstance(event, OutcomeUnknown) and event.cause == cause
            fault = draw(plan, 3, provider="tranzzo", reference=reference, operation="charge", attempt=1)
            assert fault is not None and fault.kind == kind
            assert r.sandbox.ledger.charged("tranzzo", reference) == int(fault.applied)
        assert r.sandbox.injected[kind] == 6


@pytest.mark.parametrize(("kind", "charged"), [("nginx_503", 0), ("nginx_504", 1), ("cloudflare_522", 0)])
async def test_kinds_with_a_fixed_ledger_meaning(kind: str, charged: int) -> None:
    async with rig(FaultPlan.only(kind)) as r:
        await r.charge(payment("tranzzo", "fixed"))
        assert r.sandbox.ledger.charged("tranzzo", "fixed") == charged


async def test_429_is_not_processed_with_the_advised_retry_after() -> None:
    plan = FaultPlan.only("rate_429")
    async with rig(plan) as r:
        event = await r.charge(payment("tranzzo", "busy"))
        fault = draw(plan, 0, provider="tranzzo", reference="busy", operation="charge", attempt=1)
        assert isinstance(event, NotProcessed) and fault is not None
        assert event.retry_after == timedelta(seconds=fault.retry_after)
        assert r.sandbox.ledger.attempts("tranzzo", "busy") == 0


async def test_a_hang_charges_then_times_the_client_out() -> None:
    async with rig(FaultPlan.only("hang", hang_seconds=1.0)) as r:
        r.timeout = 0.05
        event = await r.charge(payment("tranzzo", "slow"))
        assert isinstance(event, OutcomeUnknown) and event.cause == "timeout"
        assert r.sandbox.ledger.charged("tranzzo", "slow") == 1


async def test_a_reset_charges_then_breaks_the_connection() -> None:
    async with rig(FaultPlan.only("reset")) as r:
        event = await r.charge(payment("tranzzo", "broken"))
        assert isinstance(event, OutcomeUnknown) and event.cause == "reset"
        assert r.sandbox.ledger.charged("tranzzo", "broken") == 1


@pytest.mark.parametrize(
    "kind", ["nginx_502", "nginx_503", "nginx_504", "cloudflare_502", "cloudflare_522", "error_500", "rate_429",
             "hang", "reset"],
)  # fmt: skip
async def test_a_faulty_requery_fails_and_changes_nothing(kind: str) -> None:
    async with rig(FaultPlan.none()) as clean:
        pay = payment("tranzzo", "rq")
        await clean.charge(pay)
        # the same book and ledger behind a faulty front: swap the plan in place
        clean.sandbox.faults = FaultPlan.only(kind, hang_seconds=0.2)
        clean.timeout = 0.05
        before = clean.sandbox.ledger.snapshot()
        for _ in range(3):
            assert isinstance(await clean.requery(pay), RequeryFailed)
        assert clean.sandbox.ledger.snapshot() == before
        assert clean.sandbox.injected[kind] == 3
