"""Rave v2 properties: translate is total on any answer, and no secret or card number survives into an event."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

import payfold
from payfold import (
    ChargeRejected,
    Event,
    NotProcessed,
    Operation,
    ProviderAnswer,
    RequeryConfirmed,
    RequeryDeclined,
    WebhookReceived,
    Wire,
)
from payfold.adapters import flutterwave
from tests._settings import examples
from tests.adapters import test_flutterwave_fixtures as fx

OPERATIONS: tuple[Operation, ...] = ("charge", "validate", "poll", "requery", "webhook")
EXPECTED: dict[Operation, tuple[type[ProviderAnswer], ...]] = {
    "charge": (
        payfold.ChargeAccepted,
        payfold.ChargeDeclined,
        payfold.ChargeRejected,
        payfold.NotProcessed,
        payfold.ActionRequired,
        payfold.OutcomeUnknown,
        payfold.LongRequestStarted,
    ),
    "poll": (payfold.PollPending, payfold.PollCompleted, payfold.PollFailed),
    "requery": (
        payfold.RequeryConfirmed,
        payfold.RequeryDeclined,
        payfold.RequeryPending,
        payfold.RequeryNotFound,
        payfold.RequeryFailed,
    ),
    "webhook": (payfold.WebhookReceived,),
}
EXPECTED["validate"] = EXPECTED["charge"]

SHAPES: tuple[Any, ...] = (
    *(value for name, value in vars(fx).items() if name.isupper() and isinstance(value, dict)),
    fx.verify_flat(),
    fx.verify_snake(),
)

SECRETS = (fx.SECKEY, "3DESBLOB-client-value", "918273", fx.VISA)
"""A secret key, an encrypted card blob, an OTP/PIN, a card number: planted in answers, never in events."""

_words = st.sampled_from(
    [
        "00",
        "0",
        "02",
        "RR",
        "NR",
        "R0",
        "FLW_ERR",
        "NO TX",
        "NO_TX",
        "success",
        "error",
        "successful",
        "failed",
        "pending",
        "completed",
        "success-pending-validation",
        "LONG-REQ",
        "REQSPONSE",
        "AUTH_SUGGESTION",
        "PIN",
        "AVS_NOAUTH",
        "MOBILEMONEY",
        "NOAUTH",
        "VBVSECURECODE",
        "https://p.test/x",
        "/relative/ping",
        "N/A",
        "NGN",
        "KWD",
        "JPY",
        "XXX",
        "4500.00",
        "45.001",
        "-1",
        "1e400",
        "NaN",
        "An error occured. Please contact support",
        fx.VISA,
        "",
    ]
)
_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    _words,
)
json_values = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8) | _words, inner, max_size=4),
    max_leaves=12,
)


def _paths(value: object, path: tuple[object, ...] = ()) -> Iterator[tuple[object, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _set(doc: object, path: tuple[object, ...], new: object, delete: bool) -> object:
    if not path:
        return new
    parent: Any = doc
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return doc


@st.composite
def mutated_bodies(draw: st.DrawFn) -> bytes:
    """A real-shaped Rave answer with values replaced by other types, keys deleted, then maybe truncated."""
    doc: object = copy.deepcopy(draw(st.sampled_from(SHAPES)))
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(list(_paths(doc))))
        doc = _set(doc, path, draw(json_values), delete=draw(st.booleans()))
    raw = msgspec.json.encode(doc)
    if draw(st.integers(0, 4)) == 0:
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


HTML_PAGES = st.sampled_from(
    [
        fx.TIMEOUT_NGINX_503,
        b"<html><head><title>example.com | 522: Connection timed out</title></head><body id=cf-error-details>",
        b'<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body bgcolor="white">\r\n</html>\r\n',
    ]
)
bodies = st.one_of(
    mutated_bodies(),
    st.binary(max_size=200),
    HTML_PAGES,
    json_values.map(msgspec.json.encode),
    st.just(b'{"status":"success","message":"REQSPONSE","data":' * 3000),
    st.just(b"[" * 5000 + b"]" * 5000),
    st.just(b'{"status":"success","data":{"x":"' + b"a" * 200_000 + b'"}}'),
)
header_names = st.sampled_from(["content-type", "server", "retry-after", "cf-ray", "verif-hash", "set-cookie"]) | (
    st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True)
)
header_values = st.sampled_from(
    ["text/html", "application/json", "nginx", "awselb/2.0", "10", "Thu, 01 Jan 2099 00:00:00 GMT"]
) | (st.text(max_size=30))
headers = st.lists(st.tuples(header_names, header_values), max_size=4).map(tuple)
statuses = st.none() | st.integers(100, 599)
errors = st.none() | st.sampled_from(["timeout", "connect", "reset"]) | st.text(max_size=10)


def _check(event: Event, wire: Wire) -> None:
    assert isinstance(event, EXPECTED[wire.operation])
    assert isinstance(event, ProviderAnswer)
    assert event.at == wire.received_at
    assert event.wire.operation == wire.operation
    assert event.wire.status == wire.status
    assert (event.wire.body == b"") == (wire.body == b""), "the (redacted) body is kept"
    assert payfold.decode(payfold.encode(event)) == event


@settings(max_examples=examples(10_000))
@given(st.sampled_from(OPERATIONS), statuses, headers, bodies, errors)
def test_translate_is_total(
    operation: Operation, status: int | None, head: tuple[tuple[str, str], ...], body: bytes, error: str | None
) -> None:
    wire = fx.wire(operation, status, body, headers=head, error=error if status is None else None)
    _check(flutterwave.translate(wire), wire)


@settings(max_examples=examples(2_000))
@given(st.sampled_from(OPERATIONS), errors)
def test_transport_errors_are_never_verdicts(operation: Operation, error: str | None) -> None:
    event = flutterwave.translate(fx.wire(operation, None, b"", error=error))
    assert not isinstance(event, ChargeRejected | RequeryConfirmed | RequeryDeclined)
    assert isinstance(event, NotProcessed) == (operation in ("charge", "validate") and error == "connect")


@settings(max_examples=examples(2_000))
@given(st.sampled_from(("charge", "validate")), st.integers(100, 599), st.sampled_from(SHAPES))
def test_timeout_shapes_and_5xx_are_never_refusals(operation: Operation, status: int, shape: Any) -> None:
    for body in (fx.TIMEOUT_FLW_ERR_NR, fx.TIMEOUT_CONTACT_SUPPORT, fx.TIMEOUT_R0_REQUERY, fx.TIMEOUT_NGINX_503):
        event = flutterwave.translate(fx.wire(operation, status, body))
        assert isinstance(event, payfold.OutcomeUnknown | NotProcessed)
    if status >= 500:
        assert not isinstance(flutterwave.translate(fx.wire(operation, status, shape)), ChargeRejected)


def _plant(doc: object, path: tuple[object, ...], key: str, secret: object) -> object:
    """``doc`` with ``{key: secret}`` added to the object at ``path`` (or wrapping a non-object there)."""
    target: Any = doc
    for step in path:
        target = target[step]
    if isinstance(target, dict):
        target[key] = secret
        return doc
    return _set(doc, path, {key: secret, "was": target}, delete=False)


@settings(max_examples=examples(3_000))
@given(
    st.sampled_from(OPERATIONS),
    st.integers(100, 599),
    st.sampled_from(SHAPES),
    st.data(),
    st.sampled_from(["SECKEY", "seckey", "client", "otp", "pin", "cvv", "cardno", "card_number", "note"]),
    st.sampled_from(SECRETS),
)
def test_no_secret_or_pan_survives_into_the_stored_event(
    operation: Operation, status: int, shape: Any, data: st.DataObject, key: str, secret: str
) -> None:
    doc = copy.deepcopy(shape)
    path = data.draw(st.sampled_from(list(_paths(doc))))
    planted = secret if key != "note" else f"card {fx.VISA} here"
    body = msgspec.json.encode(_plant(doc, path, key, planted))
    head = (("verif-hash", fx.SECKEY), ("content-type", "application/json"))
    event = flutterwave.translate(fx.wire(operation, status, body, headers=head))
    stored = payfold.encode(event)
    decoded = payfold.decode(stored)
    assert isinstance(decoded, ProviderAnswer)
    visible = (stored, decoded.wire.body, repr(decoded.wire.headers).encode(), repr(decoded).encode())
    for text in visible:
        assert planted.encode() not in text
        assert fx.VISA.encode() not in text
        assert fx.SECKEY.encode() not in text


hashes = st.from_regex(r"[A-Za-z0-9_-]{16,40}", fullmatch=True)


@settings(max_examples=examples(1_000))
@given(headers, bodies, hashes, st.booleans())
def test_webhook_is_total_and_never_keeps_the_hash(
    head: tuple[tuple[str, str], ...], body: bytes, secret: str, signed: bool
) -> None:
    sent = (*head, ("Verif-Hash", secret if signed else secret[::-1] + "x"))
    event = flutterwave.webhook(sent, body, secret, at=fx.T1)
    assert isinstance(event, WebhookReceived)
    first = next(value for name, value in sent if name.lower() == "verif-hash")
    assert event.signature_valid == (first == secret)
    assert all(value == "[redacted]" for name, value in event.wire.headers if name == "verif-hash")
    stored = payfold.encode(event)
    assert secret.encode() not in stored
    assert payfold.decode(stored) == event


@settings(max_examples=examples(500))
@given(st.integers(0, 10**7), st.sampled_from(["https://p.test/ping/1", "/flwv3-pug/getpaidx/api/requests/R9"]))
def test_long_request_always_polls_at_at_plus_wait_then_requeries(wait_ms: int, ping_url: str) -> None:
    policy = msgspec.structs.replace(flutterwave.POLICY, jitter=0.0)
    body = {
        "status": "success",
        "message": "LONG-REQ",
        "data": {"ping_url": ping_url, "REQUEST": "R9", "wait": wait_ms},
    }
    created = payfold.PaymentCreated(
        at=fx.T0, payment_id="p", provider="flutterwave", amount=100, currency="NGN", reference=fx.TXREF
    )
    long_req = flutterwave.translate(fx.wire("charge", 200, body))
    state = payfold.fold([created, payfold.RequestSent(at=fx.T0, operation="charge"), long_req])
    wait = min(timedelta(milliseconds=wait_ms), timedelta(hours=1))
    step = payfold.next_step(state, policy)
    assert step == payfold.Poll(url=ping_url, due=fx.T1 + wait)
    assert isinstance(step, payfold.Poll)
    sent = payfold.RequestSent(at=step.due, operation="poll", url=step.url)
    answer = msgspec.structs.replace(fx.wire("poll", 200, fx.POLL_COMPLETED), sent_at=step.due, received_at=step.due)
    state = payfold.fold([sent, flutterwave.translate(answer)], state)
    after = payfold.next_step(state, policy)
    assert after == payfold.Requery(due=step.due)
