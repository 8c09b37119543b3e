"""Rule: secret query parameters and URL userinfo go, in the wire's URL, in header values and in URLs in bodies."""

from __future__ import annotations

import random
from typing import Final
from urllib.parse import quote

from tests.adapters.hostile import _gen as gen

PARAMS: Final = ("x-api-key", "api-key", "api_key", "key", "token", "access_token", "signature", "seckey", "secret")
HOSTS: Final = (
    "https://cpay.tranzzo.com",
    "https://api.ravepay.co",
    "https://api.refnum.example",
    "http://10.0.0.7:8080",
)
PATHS: Final = ("/api/v1/payment", "/flwv3-pug/getpaidx/api/v2/verify", "/v1/payments/order-1", "/checkout")
BODY_FIELDS: Final = ("redirect_url", "authurl", "callback_url", "server_url", "result_url", "link", "message")


URL_SAFE: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$*")


def _raw_or_quoted(rng: random.Random, value: str, extra: str) -> str:
    """``value`` percent-encoded, or written raw keeping only URL-legal characters (and ``extra``, e.g. ``@:``)."""
    if rng.random() < 0.6:
        return quote(value, safe="")
    return "".join(char for char in value if char in URL_SAFE or char in extra)


def _url(rng: random.Random, planted: list[str]) -> str:
    """A URL with secret query parameters (names varied) and maybe a password (with ``@``, ``:``) in userinfo."""
    host = rng.choice(HOSTS)
    if rng.random() < 0.4:
        password = gen.secret(rng) + rng.choice(("@", ":", "@:", "")) + gen.secret(rng)[:6]
        written = _raw_or_quoted(rng, password, "@:")
        planted.append(password if "%" in written else written)
        scheme, rest = host.split("://")
        host = f"{scheme}://{rng.choice(('merchant', 'pos-1', ''))}:{written}@{rest}"
    params = [("order_id", f"order-{rng.randint(1, 999)}"), ("lang", "en")]
    for _ in range(rng.randint(1, 2)):
        value = gen.secret(rng)
        written = _raw_or_quoted(rng, value, "@:/")
        planted.append(value if "%" in written else written)
        params.insert(rng.randint(0, len(params)), (gen.name_variant(rng, rng.choice(PARAMS)), written))
    query = "&".join(f"{name}={value}" for name, value in params)
    return f"{host}{rng.choice(PATHS)}?{query}"


def case(rng: random.Random) -> list[str]:
    planted: list[str] = []
    provider_name, provider = gen.adapter(rng)
    body = gen.envelope(rng, provider_name, "charge")
    url = _url(rng, planted) if rng.random() < 0.6 else ""
    headers: list[tuple[str, str]] = [("content-type", "application/json")]
    if rng.random() < 0.5:
        gen.plant(rng, body, [(rng.choice(BODY_FIELDS), _url(rng, planted))])
    if rng.random() < 0.3 or not planted:
        headers.append(("location", _url(rng, planted)))
    raw_body = gen.dump(body)
    if rng.random() < 0.3:
        raw_body = raw_body.replace("/", "\\/")  # PHP's json_encode writes slashes escaped
    problems = gen.control((url, headers, raw_body), planted, [])
    answer = gen.wire(rng, raw_body.encode(), headers=tuple(headers), url=url)
    return problems + gen.translated(rng, provider, answer, planted, provider_name)


def test_secret_query_parameters_and_userinfo_never_survive() -> None:
    gen.run("urls", case)
