"""Rule: secret headers go, whatever the spelling of their names (case, dashes/underscores, ``x-`` prefix)."""

from __future__ import annotations

import random
from typing import Final

from tests.adapters.hostile import _gen as gen

SECRET_HEADERS: Final = (
    "seckey", "x-seckey", "api-key", "x-api-key", "x-api-auth", "authorization", "verif-hash", "cookie", "set-cookie",
)  # fmt: skip
INNOCENT_HEADERS: Final = (
    ("content-type", "application/json"),
    ("server", "nginx/1.16.1"),
    ("cf-ray", "8a1b2c3d4e5f6a7b-AMS"),
    ("date", "Wed, 01 Jan 2026 00:01:00 GMT"),
    ("x-request-id", "req-42"),
)


def _value(rng: random.Random, planted: str) -> str:
    return rng.choice(
        (planted, f"Bearer {planted}", f"CPAY pub-key:{planted}", f"sid={planted}; Path=/; HttpOnly", f"{planted} ")
    )


def case(rng: random.Random) -> list[str]:
    planted = [gen.secret(rng) for _ in range(rng.randint(1, 3))]
    headers = [rng.choice(INNOCENT_HEADERS) for _ in range(rng.randint(0, 3))]
    for value in planted:
        headers.insert(rng.randint(0, len(headers)), (gen.name_variant(rng, rng.choice(SECRET_HEADERS)), value))
    headers = [(name, _value(rng, value)) if value in planted else (name, value) for name, value in headers]
    name, provider = gen.adapter(rng)
    body = gen.dump(gen.envelope(rng, name, "charge")).encode()
    problems = gen.control(tuple(headers), planted, [])
    if rng.random() < 0.7:
        raw = gen.wire(rng, body, headers=tuple(headers))
        return problems + gen.translated(rng, provider, raw, planted, name)
    key = gen.secret(rng)
    return problems + gen.webhooked(provider, tuple(headers), body, key, [*planted, key], name)


def test_secret_headers_never_survive() -> None:
    gen.run("headers", case)
