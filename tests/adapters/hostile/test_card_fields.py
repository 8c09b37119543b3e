"""Rule: a field named as a card number (``pan``, ``card_number``, ``cardno``, ``cc_number``, ... in any spelling)
holds no digit at all in the event, whatever format the digits came in (JSON, form, query, header)."""

from __future__ import annotations

import random
from typing import Any, Final
from urllib.parse import quote_plus

from payfold.testing._named_fields import card_field_leaks
from tests.adapters.hostile import _gen as gen

NAMES: Final = ("pan", "card_number", "cardNumber", "cardno", "cc_number", "card-num", "x-card-number", "ccnum")


def _digits(rng: random.Random) -> Any:
    """Digits in any format: a full card number, a masked one, the last four, a Luhn-invalid run, a number."""
    pan = gen.luhn_pan(rng)
    return rng.choice(
        (
            gen.formatted(rng, pan),
            pan[:6] + "*" * (len(pan) - 10) + pan[-4:],
            pan[-4:],
            "**** **** **** " + pan[-4:],
            pan[:-1] + str((int(pan[-1]) + 1) % 10),
            int(pan),
            [pan[:8], pan[8:]],
        )
    )


def case(rng: random.Random) -> list[str]:
    provider_name, provider = gen.adapter(rng)
    name, value = gen.name_variant(rng, rng.choice(NAMES)), _digits(rng)
    where = rng.choice(("json", "json", "duplicate", "form", "query", "header"))
    body = gen.envelope(rng, provider_name, "charge")
    headers: list[tuple[str, str]] = [("content-type", "application/json")]
    url = ""
    text_value = value if isinstance(value, str) else str(value if isinstance(value, int) else "".join(value))
    if where in ("json", "duplicate"):
        pairs = [(name, value)] + ([(name, "")] if where == "duplicate" else [])
        gen.plant(rng, body, pairs if rng.random() < 0.5 else pairs[::-1])
        raw = gen.dump(body)
    elif where == "form":
        raw = f"order_id=order-1&{name}={quote_plus(text_value)}&amount=45.00"
    else:
        raw = gen.dump(body)
        if where == "query":
            url = f"https://cpay.tranzzo.com/api/v1/payment?{name}={quote_plus(text_value)}&lang=en"
        else:
            headers.append((name.lower(), text_value))
    problems = [] if card_field_leaks((raw, url, headers)) else [f"CONTROL: missed {name}={text_value!r} ({where})"]
    if rng.random() < 0.8 or where == "query":
        answer = gen.wire(rng, raw.encode(), headers=tuple(headers), url=url)
        return problems + gen.translated(rng, provider, answer, [], f"{provider_name} {where}")
    return problems + gen.webhooked(
        provider, tuple(headers), raw.encode(), "hook-secret-abc", [], f"{provider_name} {where}"
    )


def test_card_named_fields_never_hold_digits() -> None:
    gen.run("card-fields", case)
