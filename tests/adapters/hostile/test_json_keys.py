"""Rule: secret JSON keys go at any depth, duplicated or not, whatever the spelling of their names."""

from __future__ import annotations

import random
from typing import Any, Final

from tests.adapters.hostile import _gen as gen

TEXT_KEYS: Final = ("x-api-key", "verif-hash", "seckey", "secret_key", "password", "api_key", "api-secret")
NUMERIC_KEYS: Final = ("csc", "cvc2", "cvv", "cvv2", "security_code", "pin", "otp", "card_cvv")
EXPIRY_KEYS: Final = ("expiry", "card_expiry", "exp_month", "exp_year", "expiry_date")
SECOND_VALUES: Final = ("", None, "***", "[redacted]", 0)


def _numeric(rng: random.Random, key: str) -> Any:
    if key in EXPIRY_KEYS:
        return rng.choice(
            (f"{rng.randint(1, 12):02d}/{rng.randint(27, 39)}", f"{rng.randint(1, 12):02d}{rng.randint(27, 39)}")
        )
    value = gen.digits(rng, 3, 6)
    return int(value) if rng.random() < 0.3 and value[0] != "0" else value


def case(rng: random.Random) -> list[str]:
    provider_name, provider = gen.adapter(rng)
    body = gen.envelope(rng, provider_name, rng.choice(gen.OPERATIONS))
    secrets: list[str] = []
    numeric: list[tuple[str, str]] = []
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(TEXT_KEYS + NUMERIC_KEYS + EXPIRY_KEYS)
        if key in TEXT_KEYS:
            value: Any = gen.secret(rng)
            secrets.append(value)
        else:
            value = _numeric(rng, key)
            numeric.append((key, str(value)))
        name = gen.name_variant(rng, key)
        pairs = [(name, value)]
        if rng.random() < 0.6:  # duplicated: {"cvv":"123","cvv":""} or the other way round
            other = (rng.choice((name, name.upper(), name.lower())), rng.choice(SECOND_VALUES))
            pairs = [pairs[0], other] if rng.random() < 0.7 else [other, pairs[0]]
        gen.plant(rng, body, pairs)
    raw = gen.dump(body).encode()
    problems = gen.control(raw, secrets, [])
    if len(gen.survivors(raw, numeric)) < len(numeric):
        problems.append(f"CONTROL: the finder missed a planted field in {raw[:200]!r}")
    if rng.random() < 0.75:
        answer = gen.wire(rng, raw, headers=(("content-type", "application/json"),))
        try:
            event = provider.translate(answer)
        except Exception as exc:  # a total function raising is a finding
            return [*problems, f"translate raised {exc!r}"]
        label = f"{provider_name} {answer.operation} {answer.status}"
    else:
        try:
            event = provider.webhook((("content-type", "application/json"),), raw, "hook-secret-abc", at=gen.T0)
        except Exception as exc:  # a total function raising is a finding
            return [*problems, f"webhook raised {exc!r}"]
        label = f"{provider_name} webhook"
    problems += [f"{label}: {leak}" for leak in gen.leaks(event, secrets)]
    problems += [f"{label}: field survived at {where}" for where in gen.survivors(event, numeric)]
    return problems


def test_secret_json_keys_never_survive() -> None:
    gen.run("json-keys", case)
