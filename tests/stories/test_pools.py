"""Each provider's pool holds every kind of answer the stories need, as the adapter itself reads them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from payfold import Operation, RequeryConfirmed, Wire, tag_of
from tests.stories import _flutterwave_pool, _generic_pool, _tranzzo_pool
from tests.stories._machine import T0, Facts, Kit

KITS = (_tranzzo_pool.KIT, _flutterwave_pool.KIT, _generic_pool.KIT)

NEEDED: dict[Operation, set[str]] = {
    "charge": {
        "outcome_unknown",
        "not_processed",
        "charge_accepted",
        "charge_declined",
        "charge_rejected",
        "charge_duplicate",
        "action_required",
    },
    "requery": {
        "requery_failed",
        "requery_not_found",
        "requery_pending",
        "requery_confirmed exact",
        "requery_confirmed mismatch",
        "requery_declined",
    },
    "poll": {"poll_pending", "poll_completed", "poll_failed"},
    "validate": {"charge_accepted", "action_required", "outcome_unknown", "not_processed"},
}
NOT_IN: dict[str, set[str]] = {"flutterwave": {"charge_duplicate"}}
"""Answers a provider does not have (Rave knows no duplicate-reference answer on a charge)."""


def tags(kit: Kit, operation: Operation) -> set[str]:
    facts = Facts(reference="order-7", amount=450_000, currency=kit.currencies[0], provider_ref="PSP-7")
    found: set[str] = set()
    for sample in kit.pool(operation):
        answer = sample.build(facts)
        wire = Wire(
            operation=operation,
            sent_at=T0,
            received_at=T0 + timedelta(seconds=1),
            status=answer.status,
            headers=answer.headers,
            body=answer.body,
            error=answer.error,
        )
        event = kit.translate(wire)
        tag = tag_of(event)
        if isinstance(event, RequeryConfirmed):
            exact = (event.amount, event.currency, event.reference) == (facts.amount, facts.currency, facts.reference)
            tag += " exact" if exact else " mismatch"
        found.add(tag)
    return found


@pytest.mark.parametrize("kit", KITS, ids=[kit.name for kit in KITS])
def test_pool_covers_every_kind_of_answer(kit: Kit) -> None:
    operations: list[Operation] = ["charge", "requery"]
    if kit.poll:
        operations.append("poll")
    if kit.validate:
        operations.append("validate")
    for operation in operations:
        missing = NEEDED[operation] - NOT_IN.get(kit.name, set()) - tags(kit, operation)
        assert not missing, f"{kit.name} {operation} pool lacks {sorted(missing)}"
    if kit.poll:
        assert "long_request" in tags(kit, "charge")


@pytest.mark.parametrize("kit", KITS, ids=[kit.name for kit in KITS])
def test_webhooks_are_signed_and_forged(kit: Kit) -> None:
    facts = Facts(reference="order-7", amount=450_000, currency=kit.currencies[0], provider_ref="PSP-7")
    valid = set()
    for sample in kit.webhooks:
        headers, body = sample.build(facts, kit.webhook_secret)
        valid.add(kit.webhook(headers, body, kit.webhook_secret, T0).signature_valid)
    assert valid == {True, False}
