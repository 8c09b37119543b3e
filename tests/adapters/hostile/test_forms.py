"""Rule: form bodies carrying card or secret fields are redacted whatever their declared content type."""

from __future__ import annotations

import random
from typing import Final
from urllib.parse import quote, quote_plus

from tests.adapters.hostile import _gen as gen

CONTENT_TYPES: Final = (None, "text/plain", "application/json", "application/x-www-form-urlencoded", "text/html")
SECRET_FIELDS: Final = ("SECKEY", "api_secret", "x-api-key", "password", "secret_key")
CARD_FIELDS: Final = ("card_number", "cc_number", "cardno", "pan")
CVV_FIELDS: Final = ("cvv", "card_cvv", "cvc2", "csc")


def _written(rng: random.Random, value: str) -> tuple[str, str]:
    """``value`` as written in the form, and the text of it the finder must look for."""
    stripped = "".join(char for char in value if char.isalnum() or char in "-_.")
    how = rng.randrange(3)
    if how == 2 or value == stripped:
        return stripped, stripped
    return (quote_plus(value) if how else quote(value, safe="")), value


def case(rng: random.Random) -> list[str]:
    provider_name, provider = gen.adapter(rng)
    pan, cvv = gen.luhn_pan(rng), gen.digits(rng, 3, 4)
    planted, secret_text = _written(rng, gen.secret(rng))
    cvv_name = gen.name_variant(rng, rng.choice(CVV_FIELDS))
    fields = [
        ("order_id", f"order-{rng.randint(1, 999)}"),
        ("amount", "45.00"),
        ("currency", "UAH"),
        (gen.name_variant(rng, rng.choice(CARD_FIELDS)), quote_plus(gen.formatted(rng, pan), safe="%")),
        (cvv_name, cvv),
        (gen.name_variant(rng, rng.choice(SECRET_FIELDS)), planted),
        ("exp_month", f"{rng.randint(1, 12):02d}"),
    ]
    rng.shuffle(fields)
    body = "&".join(f"{name}={value}" for name, value in fields).encode()
    content_type = rng.choice(CONTENT_TYPES)
    headers = (("content-type", content_type),) if content_type else ()
    problems = gen.control(body, [secret_text], [pan], card_fields=True)
    if not gen.survivors(body, [(cvv_name, cvv)]):
        problems.append("CONTROL: the finder missed the CVV field")
    label = f"{provider_name} content-type {content_type}"
    if rng.random() < 0.7:
        answer = gen.wire(rng, body, headers=headers)
        event = gen.call(lambda: provider.translate(answer))
        label += f" {answer.operation} {answer.status}"
    else:
        event = gen.call(lambda: provider.webhook(headers, body, "hook-secret-abc", at=gen.T0))
        label += " webhook"
    if isinstance(event, str):
        return [*problems, f"{label}: {event}"]
    problems += [f"{label}: {leak}" for leak in gen.leaks(event, [secret_text])]
    return problems + [f"{label}: CVV survived at {where}" for where in gen.survivors(event, [(cvv_name, cvv)])]


def test_form_bodies_never_keep_card_or_secret_fields() -> None:
    gen.run("forms", case)
