"""Rule: the webhook secret echoed back in a body goes, also JSON-escaped (``\\/``, ``\\uXXXX``) or URL-encoded."""

from __future__ import annotations

import base64
import json
import random
from urllib.parse import quote, quote_plus

from tests.adapters.hostile import _gen as gen


def _hook_secret(rng: random.Random) -> str:
    """A webhook secret with characters JSON and URLs escape: ``/``, a quote, non-ASCII."""
    core = gen.secret(rng)
    cut = rng.randint(1, len(core) - 1)
    return core[:cut] + rng.choice(("/", "/é", '"/', "//", "€/", "/+")) + core[cut:]


def _escaped(rng: random.Random, secret: str) -> str:
    """``secret`` written inside a JSON string (without the quotes) in one of the ways a provider might."""
    how = rng.randrange(5)
    if how == 0:
        return json.dumps(secret)[1:-1].replace("/", "\\/")
    if how == 1:
        return "".join(f"\\u{ord(char):04x}" for char in secret)
    if how == 2:
        return "".join(f"\\u{ord(char):04X}" if rng.random() < 0.5 else json.dumps(char)[1:-1] for char in secret)
    if how == 3:
        return "https://merchant.example/return?secret=" + quote(secret, safe="")
    return "s=" + quote_plus(secret)


def case(rng: random.Random) -> list[str]:
    provider_name, provider = gen.adapter(rng)
    secret = _hook_secret(rng)
    body = gen.envelope(rng, provider_name, "webhook")
    gen.plant(
        rng, body, [(rng.choice(("echo", "note", "hash", "meta", "narration")), gen.Raw(f'"{_escaped(rng, secret)}"'))]
    )
    text = gen.dump(body)
    headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)
    if provider_name == "tranzzo" and rng.random() < 0.8:
        data = base64.urlsafe_b64encode(text.encode()).decode()
        text = f"data={data}&signature=" + base64.urlsafe_b64encode(rng.randbytes(20)).decode()
        headers = (("content-type", "application/x-www-form-urlencoded"),)
    elif provider_name == "flutterwave":
        headers += (("verif-hash", secret if rng.random() < 0.5 else "wrong"),)
    raw = text.encode()
    problems = gen.control(raw, [secret], [])
    return problems + gen.webhooked(provider, headers, raw, secret, [secret], provider_name)


def test_echoed_webhook_secrets_never_survive() -> None:
    gen.run("escaped", case)
