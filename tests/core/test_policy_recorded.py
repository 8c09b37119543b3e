"""Each payment records the policy it runs under; audits and the CLI judge it by that policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from payfold import PaymentCreated, Policy, decode, encode
from payfold.adapters.cli import policy_for
from payfold.adapters.tranzzo import POLICY as TRANZZO

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _created(policy: Policy | None = None) -> PaymentCreated:
    return PaymentCreated(at=T0, payment_id="pay-1", provider="tranzzo", amount=100, currency="UAH",
                          reference="order-1", policy=policy)  # fmt: skip


def test_a_recorded_policy_round_trips_through_the_codec() -> None:
    custom = msgspec.structs.replace(TRANZZO, name="tranzzo-slow", requery_backoff=(timedelta(minutes=7),))
    back = decode(encode(_created(custom)))
    assert isinstance(back, PaymentCreated)
    assert back.policy == custom
    assert back.policy is not None and back.policy.requery_backoff == (timedelta(minutes=7),)


def test_a_creation_without_a_policy_keeps_its_old_bytes() -> None:
    assert b"policy" not in encode(_created())


def test_the_cli_judges_a_payment_by_its_recorded_policy_else_its_providers() -> None:
    custom = Policy(name="team-policy", ambiguity_delay=timedelta(minutes=2))
    assert policy_for([_created(custom)]) == custom
    assert policy_for([_created()]) == TRANZZO
    assert TRANZZO.name == "tranzzo"
