"""Rule: no Luhn-valid card number survives, however it is formatted or encoded, next to numeric decoys that
are not card numbers (millisecond timestamps, Luhn-invalid runs, runs starting 0/1/7/8/9)."""

from __future__ import annotations

import base64
import json
import random
from typing import Any, Final

from tests.adapters.hostile import _gen as gen

FIELDS: Final = ("note", "description", "narration", "status_description", "message", "comment", "customer_ref")


def _exponent(rng: random.Random, pan: str) -> gen.Raw:
    """``pan`` (17-19 digits) as a JSON number in exponent notation."""
    shift = rng.randint(1, 3)
    mantissa = f"{pan[:shift]}.{pan[shift:]}"
    return gen.Raw(f"{mantissa}{rng.choice(('e', 'E', 'e+', 'E+'))}{len(pan) - shift}")


def _in_text(rng: random.Random, pan: str) -> gen.Raw:
    """``pan`` inside a JSON string: formatted, after ``\\n`` or ``%3A``, next to letters, ``\\u00a0``-separated."""
    shown = gen.formatted(rng, pan)
    how = rng.randrange(6)
    if how == 0:
        text = json.dumps(f"paid with\n{shown}")[1:-1]
    elif how == 1:
        text = f"https://merchant.example/return?card%3A{shown}"
    elif how == 2:
        text = rng.choice(("x", "FLW-", "card", "ref")) + shown + rng.choice(("Z", "x", "", "-end"))
    elif how == 3:
        text = "\\u00a0".join(pan[i : i + 4] for i in range(0, len(pan), 4))
    elif how == 4:
        text = json.dumps(f"card {shown} used", ensure_ascii=rng.random() < 0.5)[1:-1]
    else:
        text = shown
    return gen.Raw(f'"{text}"')


def _planted(rng: random.Random, pan: str) -> Any:
    if len(pan) >= 17 and rng.random() < 0.4:
        return _exponent(rng, pan)
    if rng.random() < 0.15:
        return int(pan)
    return _in_text(rng, pan)


def _rave_poll(rng: random.Random, pan: str, body: gen.Obj) -> gen.Obj:
    """Rave's ``REQSPONSE``: the inner answer is a JSON *string* holding the card number."""
    inner = json.dumps({"status": "success", "data": {"response_code": "02", "card": {"note": f"card {pan}"}}})
    data = gen.Obj([("id", 1), ("status", "completed"), ("response", inner), ("response_parsed", body)])
    return gen.Obj([("status", "success"), ("message", "REQSPONSE"), ("data", data)])


def case(rng: random.Random) -> list[str]:
    provider_name, provider = gen.adapter(rng)
    pans = [gen.luhn_pan(rng) for _ in range(rng.randint(1, 2))]
    operation = rng.choice(gen.OPERATIONS)
    body = gen.envelope(rng, provider_name, operation)
    gen.plant(rng, body, [("refs", gen.decoys(rng))])
    for pan in pans:
        gen.plant(rng, body, [(rng.choice(FIELDS), _planted(rng, pan))])
    if provider_name == "flutterwave" and operation == "poll" and rng.random() < 0.5:
        body = _rave_poll(rng, pans[0], body)
    text = gen.dump(body)
    problems = gen.control(text, [], pans)
    if operation == "webhook" or (provider_name == "tranzzo" and rng.random() < 0.3):
        headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)
        if provider_name == "tranzzo":
            text = "data=" + base64.urlsafe_b64encode(text.encode()).decode() + "&signature=x"
            headers = (("content-type", "application/x-www-form-urlencoded"),)
        return problems + gen.webhooked(provider, headers, text.encode(), "hook-secret-abc", [], provider_name)
    answer = gen.wire(rng, text.encode(), headers=(("content-type", "application/json"),), operation=operation)
    return problems + gen.translated(rng, provider, answer, [], provider_name)


def test_no_card_number_survives_in_any_format() -> None:
    gen.run("pans", case)
