"""Seeded generators for the hostile corpus: Luhn-valid card numbers, distinctive secrets, name variants, and
realistic provider envelopes (research/wire-formats.md) to plant them in; plus the loop that runs a rule.

Everything is drawn from one ``random.Random`` per case, whose seed a failure prints: ``case(Random(seed))``
replays it. Card numbers are computed here (check digit included), never taken from the code under test.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from payfold import Operation, Wire
from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.generic import EXAMPLE_SPEC, adapter_for
from payfold.testing._leaks import Leak, field_name, find_leaks
from payfold.testing._named_fields import card_field_leaks, named_values

T0: Final = datetime(2026, 1, 1, tzinfo=UTC)
CASES: Final = 10_000
ADAPTERS: Final[dict[str, Any]] = {"tranzzo": tranzzo, "flutterwave": flutterwave, "generic": adapter_for(EXAMPLE_SPEC)}
OPERATIONS: Final[tuple[Operation, ...]] = ("charge", "validate", "poll", "requery", "webhook")
STATUSES: Final = (200, 200, 200, 201, 202, 301, 302, 303, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504)
_SECRET_ALPHABET: Final = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_SPECIALS: Final = '/@:=&?+"\\é€ _-.'


class Obj(list[tuple[str, Any]]):
    """A JSON object as ordered pairs, so a key may repeat (``{"cvv":"123","cvv":""}``)."""


def dump(value: Any) -> str:
    """``value`` as JSON text; an ``Obj`` keeps its duplicate keys; a ``Raw`` is written as is."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Obj):
        return "{" + ",".join(f"{json.dumps(key)}:{dump(item)}" for key, item in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(item) for item in value) + "]"
    return json.dumps(value)


class Raw:
    """JSON text written verbatim (an exponent number, a hand-escaped string)."""

    def __init__(self, text: str) -> None:
        self.text = text


# --- planted values ---------------------------------------------------------------------------------------


def luhn_pan(rng: random.Random, length: int | None = None) -> str:
    """A Luhn-valid card number of 13-19 digits starting 2-6."""
    size = length or rng.randint(13, 19)
    partial = rng.choice("23456") + "".join(rng.choice("0123456789") for _ in range(size - 2))
    total = 0
    for index, char in enumerate(reversed(partial)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return partial + str((10 - total % 10) % 10)


def formatted(rng: random.Random, pan: str) -> str:
    """``pan`` split by one of the rule's separators (spaces, dashes, dots, nbsp, ``+``, ``%20``) or none."""
    separator = rng.choice(("", " ", "-", ".", "\u00a0", "+", "%20"))
    groups, rest = [], pan
    while rest:
        size = rng.choice((4, 4, 4, 5, 6, 3))
        groups.append(rest[:size])
        rest = rest[size:]
    return separator.join(groups)


def secret(rng: random.Random) -> str:
    """A distinctive credential: a provider-like prefix, letters, and maybe characters that need escaping."""
    prefix = rng.choice(("", "FLWSECK-", "sk_live_", "tok_", "pw", "key-"))
    letters = "".join(rng.choice(_SECRET_ALPHABET) for _ in range(rng.randint(10, 20)))
    extra = "".join(rng.choice(_SPECIALS) for _ in range(rng.randint(0, 3)))
    cut = rng.randint(4, len(letters))
    return prefix + letters[:cut] + extra + letters[cut:]


def name_variant(rng: random.Random, name: str) -> str:
    """``name`` with its case, dashes/underscores and ``x-`` prefix varied (equal once normalized)."""
    bare = name[2:] if name.lower().startswith("x-") else name
    words = bare.replace("_", "-").split("-")
    joined = rng.choice(("-", "_", "", "-")).join(words) if len(words) > 1 else bare
    prefix = rng.choice(("", "", "x-", "X-", "x_")) if name.lower().startswith("x-") or rng.random() < 0.3 else ""
    cased = rng.choice((str.lower, str.upper, str.title, str.lower))(joined)
    return prefix + cased


def digits(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(low, high)))


def decoys(rng: random.Random) -> Obj:
    """Numeric references that are NOT card numbers: ms timestamps, Luhn-invalid runs, runs starting 0/1/7/8/9."""
    pan = luhn_pan(rng, 16)
    invalid = pan[:-1] + str((int(pan[-1]) + rng.randint(1, 9)) % 10)
    return Obj(
        [
            ("created_ms", rng.randint(1_600_000_000_000, 1_999_999_999_999)),
            ("rrn", invalid),
            ("gateway_order_id", rng.choice("01789") + digits(rng, 12, 18)),
        ]
    )


# --- envelopes --------------------------------------------------------------------------------------------


def _ref(rng: random.Random) -> str:
    return f"order-{rng.randint(1, 99_999)}"


def envelope(rng: random.Random, provider: str, operation: Operation) -> Obj:
    """A realistic answer body from ``provider`` to ``operation`` (its documented shapes)."""
    ref, amount = _ref(rng), rng.choice(("4500.00", "10.00", "1.5", 4500, 12.5))
    if provider == "tranzzo":
        tx = Obj(
            [
                ("payment_id", f"p-{rng.randint(1, 10**6)}"),
                ("order_id", ref),
                ("pos_id", "pos-1"),
                ("method", rng.choice(("purchase", "auth"))),
                ("amount", amount),
                ("currency", rng.choice(("UAH", "XTS", "USD"))),
                ("status", rng.choice(("init", "pending", "processing", "success", "failure"))),
                ("status_code", rng.choice(("1000", "1002", "2002"))),
                ("status_description", "ok"),
                ("created_at", "2026-01-01T00:00:00Z"),
            ]
        )
        if rng.random() < 0.2:
            return Obj([("message", "Invalid pos_id field or credentials"), ("args", Obj([("code", "P-409")]))])
        return Obj([("items", [tx])]) if operation == "requery" and rng.random() < 0.1 else tx
    if provider == "flutterwave":
        data = Obj(
            [
                ("txref", ref),
                ("flwref", f"FLW-MOCK-{rng.randint(1, 10**6)}"),
                ("amount", amount),
                ("currency", "NGN"),
                ("chargecode", rng.choice(("00", "02", "NR"))),
                ("chargeResponseCode", rng.choice(("00", "02"))),
                ("status", rng.choice(("successful", "failed", "success-pending-validation", "pending"))),
                ("authModelUsed", rng.choice(("PIN", "VBVSECURECODE", "NOAUTH"))),
                ("authurl", "N/A"),
            ]
        )
        message = rng.choice(("Tx Fetched", "V-COMP", "Charge Complete", "LONG-REQ", "REQSPONSE", "AUTH_SUGGESTION"))
        return Obj([("status", rng.choice(("success", "error"))), ("message", message), ("data", data)])
    payment = Obj(
        [
            ("id", f"pm_{rng.randint(1, 10**6)}"),
            ("reference", ref),
            ("status", rng.choice(("succeeded", "pending", "failed", "requires_action"))),
            ("amount", Obj([("value", "4500.00"), ("currency", "NGN")])),
        ]
    )
    if rng.random() < 0.2:
        return Obj([("error", Obj([("code", "payment_not_found"), ("message", "No payment with this reference")]))])
    return Obj([("payment", payment)])


def objects(value: Any) -> list[Obj]:
    """Every JSON object inside ``value`` (itself included), outermost first."""
    found: list[Obj] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Obj):
            found.append(item)
            stack.extend(child for _, child in item)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def plant(rng: random.Random, body: Obj, pairs: list[tuple[str, Any]]) -> None:
    """Insert ``pairs`` into a random object of ``body``, at a random position, maybe one level deeper."""
    target = rng.choice(objects(body))
    if rng.random() < 0.3:
        nested = Obj()
        target.append((rng.choice(("meta", "customer", "card", "extra", "data")), nested))
        target = nested
    for pair in pairs:
        target.insert(rng.randint(0, len(target)), pair)


def wire(
    rng: random.Random,
    body: bytes,
    *,
    headers: tuple[tuple[str, str], ...] = (),
    url: str = "",
    operation: Operation | None = None,
) -> Wire:
    """A wire with a random operation and status (2xx, 3xx, 4xx, 5xx), lower-case header names."""
    return Wire(
        operation=rng.choice(OPERATIONS) if operation is None else operation,
        sent_at=T0,
        received_at=T0 + timedelta(milliseconds=rng.randint(1, 40_000)),
        status=rng.choice(STATUSES),
        headers=tuple((name.lower(), value) for name, value in headers),
        body=body,
        url=url,
        method=rng.choice(("GET", "POST")),
    )


def wire_fields(answer: Wire) -> dict[str, Any]:
    """The fields of ``answer``, to rebuild it with one changed."""
    return {name: getattr(answer, name) for name in answer.__struct_fields__}


# --- running a rule ---------------------------------------------------------------------------------------


def leaks(event: Any, secrets: list[str]) -> list[Leak]:
    """Planted secrets, Luhn-valid card numbers and card-named fields holding digits, anywhere in ``event``."""
    return find_leaks(event, secrets) + card_field_leaks(event)


def run(rule: str, case: Callable[[random.Random], list[str]], cases: int = CASES) -> None:
    """Run ``case`` on ``cases`` seeded generators; fail showing the first offending cases (seed, rule, where)."""
    master = random.Random(f"hostile:{rule}")
    failures: list[tuple[int, list[str]]] = []
    for _ in range(cases):
        seed = master.getrandbits(48)
        problems = case(random.Random(seed))
        if problems:
            failures.append((seed, problems))
    shown = "\n".join(f"  seed={seed} rule={rule}: " + " | ".join(p[:3]) for seed, p in failures[:4])
    assert not failures, f"{rule}: {len(failures)} of {cases} cases fail, first:\n{shown}"


def call(make: Callable[[], Any]) -> Any:
    """``make()``, or the text of the exception it raised (any exception from a total function is a finding)."""
    try:
        return make()
    except Exception as exc:  # a total function raising is a finding, not a crash of the test
        return f"raised {exc!r}"


def survivors(value: Any, planted: list[tuple[str, str]]) -> list[str]:
    """Planted ``(field name, value)`` pairs still found under a field of that (normalized) name in ``value``."""
    found = []
    for key, item in planted:
        for where, name, text in named_values(value, {field_name(key)}):
            if item == text or item in text.split():
                found.append(f"{where}: {name}={text!r}")
    return found


def adapter(rng: random.Random) -> tuple[str, Any]:
    name = rng.choice(tuple(ADAPTERS))
    return name, ADAPTERS[name]


def translated(rng: random.Random, provider: Any, raw: Wire, secrets: list[str], label: str) -> list[str]:
    """The problems of ``provider.translate(raw)``: an exception, or a leak in the event."""
    try:
        event = provider.translate(raw)
    except Exception as exc:  # any exception from a total function is a finding
        return [f"{label}: translate raised {exc!r}"]
    return [f"{label} {raw.operation} {raw.status}: {leak}" for leak in leaks(event, secrets)]


def webhooked(
    provider: Any, headers: tuple[tuple[str, str], ...], body: bytes, key: str, secrets: list[str], label: str
) -> list[str]:
    """The problems of ``provider.webhook(headers, body, key)``: an exception, or a leak in the event."""
    try:
        event = provider.webhook(headers, body, key, at=T0)
    except Exception as exc:  # any exception from a total function is a finding
        return [f"{label}: webhook raised {exc!r}"]
    return [f"{label} webhook: {leak}" for leak in leaks(event, secrets)]


def control(raw: Any, secrets: list[str], pans: list[str], card_fields: bool = False) -> list[str]:
    """Negative control: the finder must flag every planted secret and card number in the raw input."""
    found = find_leaks(raw, secrets)
    missed = [s for s in secrets if not any(leak.kind == "secret" and leak.found == s for leak in found)]
    missed += [p for p in pans if not any(leak.kind == "pan" and leak.found == p for leak in found)]
    if card_fields and not card_field_leaks(raw):
        missed.append("a card-named field")
    return [f"CONTROL: the finder missed {item!r} in the raw input" for item in missed]
