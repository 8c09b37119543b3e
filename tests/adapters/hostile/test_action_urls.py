"""Rule: tokens in a Rave ``ping_url`` and in Tranzzo (and generic) hosted-payment/redirect URLs go."""

from __future__ import annotations

import random
from typing import Final

from payfold import Wire
from tests.adapters.hostile import _gen as gen

TOKEN_PARAMS: Final = ("token", "access_token", "key", "api-key", "signature", "x-api-key", "sig")


def _tokened(rng: random.Random, base: str, planted: list[str]) -> str:
    value = "".join(ch for ch in gen.secret(rng) if ch.isalnum() or ch in "-_.~")
    planted.append(value)
    params = [("id", str(rng.randint(1, 10**6))), (gen.name_variant(rng, rng.choice(TOKEN_PARAMS)), value)]
    rng.shuffle(params)
    return base + "?" + "&".join(f"{name}={item}" for name, item in params)


def _rave(rng: random.Random, planted: list[str]) -> gen.Obj:
    ping = _tokened(rng, "https://api.ravepay.co/flwv3-pug/getpaidx/api/ping/ABC123", planted)
    data = gen.Obj(
        [("ping_url", ping), ("wait", 7468), ("message", "The request is taking too long."), ("REQUEST", "x")]
    )
    if rng.random() < 0.4:
        data = gen.Obj([("data", data)])
    return gen.Obj([("status", "success"), ("message", "LONG-REQ"), ("data", data)])


def _tranzzo(rng: random.Random, planted: list[str]) -> tuple[gen.Obj, tuple[tuple[str, str], ...]]:
    url = _tokened(rng, "https://pay.tranzzo.com/checkout/" + gen.digits(rng, 6, 8), planted)
    body = gen.Obj([("status", rng.choice(("init", "pending"))), ("order_id", "order-1"), ("redirect_url", url)])
    headers = (("location", _tokened(rng, "https://pay.tranzzo.com/3ds", planted)),) if rng.random() < 0.4 else ()
    return body, headers


def _generic(rng: random.Random, planted: list[str]) -> gen.Obj:
    url = _tokened(rng, "https://api.refnum.example/3ds/pm_1", planted)
    action = gen.Obj([("type", "redirect"), ("url", url)])
    payment = gen.Obj(
        [("id", "pm_1"), ("reference", "order-1"), ("status", "requires_action"), ("next_action", action)]
    )
    return gen.Obj([("payment", payment)])


def case(rng: random.Random) -> list[str]:
    planted: list[str] = []
    provider_name, provider = gen.adapter(rng)
    headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)
    if provider_name == "flutterwave":
        body = _rave(rng, planted)
    elif provider_name == "tranzzo":
        body, extra = _tranzzo(rng, planted)
        headers += extra
    else:
        body = _generic(rng, planted)
    raw = gen.dump(body).encode()
    problems = gen.control((raw, headers), planted, [])
    status = rng.choice((200, 200, 201, 302, 303)) if rng.random() < 0.8 else rng.choice(gen.STATUSES)
    answer = gen.wire(rng, raw, headers=headers, operation=rng.choice(("charge", "charge", "validate")))
    answer = Wire(**{**gen.wire_fields(answer), "status": status})
    return problems + gen.translated(rng, provider, answer, planted, provider_name)


def test_tokens_in_ping_and_redirect_urls_never_survive() -> None:
    gen.run("action-urls", case)
