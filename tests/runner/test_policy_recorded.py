"""The runner records, at creation, the policy each payment runs under, and keeps using it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from payfold import PaymentCreated, Policy
from payfold.adapters import tranzzo
from payfold.adapters.runner import Provider, Runner
from payfold.adapters.stores.memory import MemoryStore

T0 = datetime(2026, 2, 1, tzinfo=UTC)
CREDENTIALS = tranzzo.Credentials(pos_id="p", api_key="k", api_secret="s", endpoints_key="e", base_url="http://x")


def _created(payment: str, policy: Policy | None = None) -> PaymentCreated:
    return PaymentCreated(at=T0, payment_id=payment, provider="tranzzo", amount=100, currency="UAH",
                          reference=f"order-{payment}", policy=policy)  # fmt: skip


async def test_create_records_the_providers_policy_and_a_custom_one_by_name() -> None:
    store = MemoryStore()
    custom = msgspec.structs.replace(tranzzo.POLICY, name="tranzzo-slow", ambiguity_delay=timedelta(minutes=3))
    runner = Runner(store, {"tranzzo": Provider(tranzzo, CREDENTIALS)})
    try:
        await runner.create(_created("pay-1"))
        await runner.create(_created("pay-2", custom))
        [first] = await store.read("pay-1")
        [second] = await store.read("pay-2")
        assert isinstance(first, PaymentCreated) and first.policy == tranzzo.POLICY
        assert isinstance(second, PaymentCreated) and second.policy == custom
        assert (await runner.payment("pay-2")).policy == custom
    finally:
        await runner.close()


async def test_a_provider_policy_without_a_name_is_named_after_the_provider() -> None:
    store = MemoryStore()
    runner = Runner(store, {"tranzzo": Provider(tranzzo, CREDENTIALS, policy=Policy(verify_delay=timedelta(1)))})
    try:
        await runner.create(_created("pay-3"))
        [created] = await store.read("pay-3")
        assert isinstance(created, PaymentCreated) and created.policy is not None
        assert created.policy.name == "tranzzo" and created.policy.verify_delay == timedelta(1)
    finally:
        await runner.close()
