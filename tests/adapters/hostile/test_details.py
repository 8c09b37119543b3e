"""Rule: ``PaymentCreated`` refuses a card number in ``details`` with a ``ValueError`` that names the key, and
keeps details that only look numeric (timestamps, Luhn-invalid runs, runs starting 0/1/7/8/9)."""

from __future__ import annotations

import random
from typing import Final

from payfold import PaymentCreated
from payfold.testing._leaks import find_pans
from tests.adapters.hostile import _gen as gen

KEYS: Final = ("note", "description", "customer_ref", "memo", "callback_url", "metadata", "customer_email")


def _created(details: dict[str, str]) -> PaymentCreated:
    return PaymentCreated(
        at=gen.T0,
        payment_id="p1",
        provider="tranzzo",
        amount=4500,
        currency="UAH",
        reference="order-1",
        details=details,
    )


def _text(rng: random.Random, pan: str) -> str:
    shown = gen.formatted(rng, pan)
    return rng.choice((shown, f"card {shown} used", f"x{shown}Z", f"https://m.example/r?c%3A{shown}", f"line\n{shown}"))


def case(rng: random.Random) -> list[str]:
    key = rng.choice(KEYS) + rng.choice(("", f"_{rng.randint(1, 9)}"))
    pan = gen.luhn_pan(rng)
    value = _text(rng, pan)
    innocent = {"customer_email": "a@b.example", "description": "Order 1"}
    problems = [] if pan in find_pans(value) else [f"CONTROL: the finder missed {pan} in {value!r}"]
    decoys = gen.decoys(rng)
    kept = {**innocent, **{name: str(item) for name, item in decoys}}
    made = gen.call(lambda: _created(kept))
    if isinstance(made, str) or dict(made.details) != kept:
        problems.append(f"details without a card number were refused or changed: {kept} -> {made}")
    try:
        _created({**innocent, key: value})
    except ValueError as exc:
        if key not in str(exc):
            problems.append(f"the error does not name the key {key!r}: {exc}")
        return problems
    except Exception as exc:  # the wrong kind of error is a finding
        return [*problems, f"{key}={value!r}: raised {exc!r}, not a ValueError"]
    return [*problems, f"PaymentCreated accepted details[{key!r}] = {value!r}"]


def test_payment_created_refuses_a_card_number_in_details() -> None:
    gen.run("details", case)
