"""Fault plans, seeded determinism, and the ledger's one promise: no reference is ever charged twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from payfold import LongRequestStarted, Poll, tag_of
from payfold.adapters.sandbox import FaultPlan
from payfold.adapters.sandbox._faults import KINDS, draw, eligible

from ._drive import T0, payment, rig

MIXED = FaultPlan(rate=0.6, hang_seconds=0.0, landing_delay=timedelta(seconds=30))


@pytest.mark.parametrize(
    "options",
    [{"rate": 1.5}, {"rate": -0.1}, {"weights": {"nginx_599": 1.0}}, {"weights": {"hang": -1.0}},
     {"hang_seconds": -1.0}, {"pending_polls": 0}, {"webhook_duplicates": 2.0}],
)  # fmt: skip
def test_a_fault_plan_refuses_nonsense(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="FaultPlan"):
        FaultPlan(**options)  # type: ignore[arg-type]


def test_rate_zero_never_faults_and_kinds_only_go_where_they_can_happen() -> None:
    quiet = FaultPlan.none()
    assert all(
        draw(quiet, s, provider="tranzzo", reference=f"r{s}", operation="charge", attempt=1) is None for s in range(50)
    )
    assert not eligible("long_request", "tranzzo", "charge", polling=True)
    assert not eligible("long_request", "flutterwave", "charge", polling=False)
    assert eligible("long_request", "flutterwave", "charge", polling=True)
    assert not any(
        eligible(k, "flutterwave", "requery", polling=True) for k in ("decline", "late_landing", "long_request")
    )
    only_decline = FaultPlan.only("decline")
    assert draw(only_decline, 0, provider="tranzzo", reference="r", operation="requery", attempt=1) is None


def test_the_fault_rate_and_the_weights_hold_over_many_draws() -> None:
    plan = FaultPlan(rate=0.3, weights={"nginx_502": 3.0, "rate_429": 1.0})
    seen: Counter[str] = Counter()
    n = 4000
    for i in range(n):
        fault = draw(plan, 1, provider="tranzzo", reference=f"r{i}", operation="charge", attempt=1)
        seen[fault.kind if fault else "none"] += 1
    assert abs(seen["none"] / n - 0.7) < 0.03
    assert abs(seen["nginx_502"] / (seen["nginx_502"] + seen["rate_429"]) - 0.75) < 0.04
    assert set(seen) == {"none", "nginx_502", "rate_429"}
    assert set(KINDS) >= set(FaultPlan().weights)


async def _batch(seed: int, references: list[str]) -> tuple[dict[str, list[str]], object, Counter[str]]:
    """Each reference: charge, follow a long request, requery twice, charge again, requery. Tags per reference."""
    outcomes: dict[str, list[str]] = {}
    async with rig(MIXED, seed=seed) as r:
        r.timeout = 1.0
        for reference in references:
            provider = "tranzzo" if reference.startswith("t") else "flutterwave"
            pay = payment(provider, reference)
            events = [await r.charge(pay)]
            if isinstance(events[0], LongRequestStarted):
                for _ in range(4):
                    events.append(await r.act(Poll(url=events[0].ping_url, due=T0), pay))
            events += [await r.requery(pay), await r.requery(pay), await r.charge(pay)]
            r.clock.advance(timedelta(seconds=31))
            events.append(await r.requery(pay))
            outcomes[reference] = [tag_of(e) for e in events]
        return outcomes, r.sandbox.ledger.snapshot(), Counter(r.sandbox.injected)


REFERENCES = [f"{'t' if n % 2 else 'f'}-{n:03d}" for n in range(40)]


async def test_the_same_seed_gives_the_same_outcomes_and_another_seed_does_not() -> None:
    first, second, other = await _batch(5, REFERENCES), await _batch(5, REFERENCES), await _batch(6, REFERENCES)
    assert first[0] == second[0] and first[2] == second[2]
    assert {k: (v.amount, v.times_applied, v.attempts) for k, v in first[1].items()} == {  # type: ignore[attr-defined]
        k: (v.amount, v.times_applied, v.attempts)
        for k, v in second[1].items()  # type: ignore[attr-defined]
    }
    assert first[0] != other[0]
    assert len(first[2]) >= 8  # most kinds met at least once


async def test_outcomes_do_not_depend_on_the_order_of_other_payments() -> None:
    forward, _, _ = await _batch(9, REFERENCES)
    backward, _, _ = await _batch(9, list(reversed(REFERENCES)))
    assert forward == backward


@pytest.mark.parametrize("seed", range(6))
async def test_no_reference_is_ever_charged_twice_however_often_it_is_sent(seed: int) -> None:
    plan = FaultPlan(rate=0.7, hang_seconds=0.0, landing_delay=timedelta(seconds=1))
    async with rig(plan, seed=seed) as r:
        r.timeout = 1.0
        for n in range(12):
            pay = payment("tranzzo" if n % 2 else "flutterwave", f"dup-{seed}-{n}")
            for _ in range(5):
                await r.charge(pay)
                r.clock.advance(timedelta(seconds=1))
        ledger = r.sandbox.ledger
        assert ledger.records, "some charge must have gone through"
        for (provider, reference), record in ledger.records.items():
            assert record.times_applied == ledger.charged(provider, reference) == 1
            assert record.attempts == ledger.attempts(provider, reference) >= 1
        assert any(ledger.attempts(*key) > 1 for key in ledger.records)
        assert ledger.total() == sum(rec.amount for rec in ledger.records.values())
