"""Issue 8, finding 5: adapters stay total (any header value, any body size) and read only what they can.

Every test named ``test_finding_5_...`` failed on the code the issue was filed against: a superscript two in
``Retry-After`` raised, a 10 MB body was parsed and kept whole, ``webhook`` raised on a secret it could not
encode, and numbers written in other scripts or with ``_`` separators were read as amounts and waits.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import msgspec
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from payfold import (
    Event,
    LongRequestStarted,
    NotProcessed,
    Operation,
    OutcomeUnknown,
    PollFailed,
    ProviderAnswer,
    RequeryConfirmed,
    RequeryFailed,
    WebhookReceived,
    Wire,
    tag_of,
)
from payfold._wire import OPERATIONS
from payfold.adapters import flutterwave, generic, tranzzo
from payfold.adapters.wire import gateway as _gateway
from payfold.adapters.wire.redact import REDACTED
from payfold.testing._adapter_wires import ALLOWED_TAGS, luhn_pans
from tests._settings import examples

T0: Final = datetime(2026, 1, 1, tzinfo=UTC)
AT: Final = T0 + timedelta(seconds=2)
"""Every wire here is answered at ``AT``; an HTTP date is read against it, never against the clock."""

LIMIT: Final = 1 << 20
"""The documented body limit (``payfold.adapters.wire.gateway.MAX_BODY``)."""
MARKER: Final = re.compile(rb"\.\.\.\[payfold: body cut at 1048576 of ([0-9]+) bytes\]\Z")
BIG: Final = 10 * 1000 * 1000
MAX_MARKER: Final = len(b"...[payfold: body cut at 1048576 of 99999999999999 bytes]")

Translate = Callable[[Wire], Event]
Webhook = Callable[..., WebhookReceived]
TRANSLATE: Final[dict[str, Translate]] = {
    "tranzzo": tranzzo.translate,
    "flutterwave": flutterwave.translate,
    "generic": generic.example.translate,
}
WEBHOOK: Final[dict[str, Webhook]] = {
    "tranzzo": tranzzo.webhook,
    "flutterwave": flutterwave.webhook,
    "generic": generic.example.webhook,
}
ADAPTERS: Final = tuple(TRANSLATE)

HEADER_NAMES: Final = (
    "retry-after",
    "content-type",
    "server",
    "cf-ray",
    "cf-error-type",
    "location",
    "verif-hash",
    "x-signature",
    "authorization",
    "set-cookie",
    "date",
    "content-length",
)
"""Every header an adapter reads (and a few it only redacts or passes along)."""

TRICKY: Final = (
    "\u00b2",
    "\u00b3",
    "\u00b9",
    "\u2460",
    "\u0663\u0660",
    "\uff13\uff10",
    "\u0967\u0966",
    "\U0001d7d3",
    "1_0",
    "+5",
    "-5",
    "5.0",
    "1e3",
    "0x10",
    " 30 ",
    "\t7\t",
    "9" * 5000,
    "0" * 5000 + "7",
    "Thu, \u0660\u0661 Jan 2026 00:01:02 GMT",
    "Thu, 01 Jan 2026 00:01:02 GMT",
    "Thursday, 01-Jan-26 00:01:02 GMT",
    "Thu Jan  1 00:01:02 2026",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Mon, 01 Jan 0001 00:00:00 GMT",
    "Sat, 29 Feb 2025 00:00:00 GMT",
    "Thu, 01 Jan 2026 24:00:00 GMT",
    "Thu, 01 Jan 2026 00:01:02 +9999",
    "Thu, 01 Jan 2026 00:01:02 -0000",
    "\ud800",
    "\x00",
    "",
    " ",
    "text/html",
    "awselb/2.0",
    "https://pay.test/3ds",
)
"""Values that broke, or nearly broke, a reader: digits that are not ASCII, numbers Python reads but HTTP does
not, dates at the edges of the calendar, a lone surrogate."""

STATUSES: Final = (None, 200, 302, 404, 429, 500, 503, 522)


def wire(
    operation: Operation,
    status: int | None,
    body: bytes = b"",
    headers: tuple[tuple[str, str], ...] = (),
    url: str = "",
) -> Wire:
    error = "timeout" if status is None else None
    return Wire(
        operation=operation,
        sent_at=T0,
        received_at=AT,
        status=status,
        headers=headers,
        body=body,
        error=error,
        url=url,
    )


def json(value: Any) -> bytes:
    return msgspec.json.encode(value)


BODIES: Final = (
    b"",
    b"Too Many Requests",
    b"<html><head><title>429 Too Many Requests</title></head><body><center>nginx</center></body></html>",
    json({"message": "Too many requests", "args": {"code": "T-429"}}),
    json({"code": 8, "message": "Resource has been exhausted", "details": []}),
    json({"status": "error", "message": "rate limited", "data": {"code": "RATE"}}),
    json({"error": {"code": "rate_limited", "message": "slow down"}}),
    json({"status": "success", "message": "LONG-REQ", "data": {"ping_url": "https://p.test/1", "wait": 10}}),
    json({"order_id": "order-1", "status": "init", "redirect_url": "https://pay.test/3ds"}),
)

header_values: Final = st.one_of(
    st.sampled_from(TRICKY),
    st.text(),
    st.text(st.characters(exclude_categories=())),
)


def check_answer(wire: Wire, event: Event) -> None:
    assert isinstance(event, ProviderAnswer)
    assert event.at == wire.received_at
    assert tag_of(event) in ALLOWED_TAGS[wire.operation]


# --- Retry-After and every other header ----------------------------------------------------------------------


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_finding_5_retry_after_superscript_two_does_not_raise(adapter: str, operation: Operation) -> None:
    answer = wire(operation, 429, b"", (("retry-after", "\u00b2"),))
    event = TRANSLATE[adapter](answer)
    check_answer(answer, event)
    if operation == "charge":
        assert isinstance(event, NotProcessed)
        assert event.retry_after is None


@settings(max_examples=examples(5_000))
@given(
    adapter=st.sampled_from(ADAPTERS),
    operation=st.sampled_from(OPERATIONS),
    status=st.sampled_from(STATUSES),
    headers=st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_values), max_size=4).map(tuple),
    body=st.sampled_from(BODIES),
)
@example(adapter="tranzzo", operation="charge", status=429, headers=(("retry-after", "\u00b2"),), body=b"")
@example(adapter="generic", operation="charge", status=429, headers=(("retry-after", "\u2460"),), body=b"")
@example(adapter="flutterwave", operation="charge", status=429, headers=(("retry-after", "\ud800"),), body=b"")
def test_finding_5_translate_is_total_for_any_header_value(
    adapter: str, operation: Operation, status: int | None, headers: tuple[tuple[str, str], ...], body: bytes
) -> None:
    answer = wire(operation, status, body, headers)
    check_answer(answer, TRANSLATE[adapter](answer))


DAY: Final = timedelta(days=1)
RETRY_AFTER: Final[tuple[tuple[str, timedelta | None], ...]] = (
    ("30", timedelta(seconds=30)),
    (" 30 ", timedelta(seconds=30)),
    ("\t30", timedelta(seconds=30)),
    ("007", timedelta(seconds=7)),
    ("0", timedelta(0)),
    ("86401", DAY),
    ("9" * 5000, DAY),
    ("0" * 5000 + "7", timedelta(seconds=7)),
    ("Thu, 01 Jan 2026 00:01:02 GMT", timedelta(seconds=60)),
    ("Thursday, 01-Jan-26 00:01:02 GMT", timedelta(seconds=60)),
    ("Thu Jan  1 00:01:02 2026", timedelta(seconds=60)),
    ("Wed, 31 Dec 2025 00:00:00 GMT", timedelta(0)),
    ("Fri, 31 Dec 9999 23:59:59 GMT", DAY),
    ("\u00b2", None),
    ("\u00b3\u2070", None),
    ("\u2460", None),
    ("\u0663\u0660", None),
    ("\uff13\uff10", None),
    ("\U0001d7d3", None),
    ("1_0", None),
    ("+5", None),
    ("-5", None),
    ("5.0", None),
    ("1e3", None),
    ("0x10", None),
    ("30 seconds", None),
    ("", None),
    ("\u200330", None),
    ("Thu, \u0660\u0661 Jan 2026 00:01:02 GMT", None),
    ("Thu, 01 Jan 2026 00:01:02 +0000", None),
    ("Thu, 01 Jan 2026 00:01:02", None),
    ("Sat, 29 Feb 2025 00:00:00 GMT", None),
    ("Thu, 01 Jan 2026 24:00:00 GMT", None),
    ("Mon, 01 Jan 0001 00:00:00 GMT", timedelta(0)),
    ("Sat, 01 Jan 0000 00:00:00 GMT", None),
)


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize(("value", "expected"), RETRY_AFTER, ids=[repr(v)[:24] for v, _ in RETRY_AFTER])
def test_finding_5_retry_after_is_ascii_delta_seconds_or_an_http_date(
    adapter: str, value: str, expected: timedelta | None
) -> None:
    event = TRANSLATE[adapter](wire("charge", 429, b"", (("retry-after", value),)))
    assert isinstance(event, NotProcessed)
    assert event.retry_after == expected


def test_retry_after_is_read_against_received_at_not_the_clock() -> None:
    long_ago = datetime(1999, 12, 31, 23, 59, 0, tzinfo=UTC)
    headers = (("retry-after", "Fri, 31 Dec 1999 23:59:30 GMT"),)
    assert _gateway.retry_after(headers, long_ago) == timedelta(seconds=30)
    two_digit = (("retry-after", "Friday, 31-Dec-99 23:59:30 GMT"),)
    assert _gateway.retry_after(two_digit, long_ago) == timedelta(seconds=30)


# --- numbers in bodies ---------------------------------------------------------------------------------------


def _tranzzo_success(amount: object) -> bytes:
    return json(
        [
            {"order_id": "order-1", "payment_id": "p-1", "method": "purchase", "status": "success", "status_code": 1000}
            | {"amount": amount, "currency": "UAH"}
        ]
    )


def _rave_success(amount: object) -> bytes:
    data = {"status": "successful", "chargecode": "00", "txref": "order-1", "flwref": "F-1", "currency": "NGN"}
    return json({"status": "success", "message": "Tx Fetched", "data": data | {"amount": amount}})


def _generic_success(amount: object) -> bytes:
    payment = {"id": "pm_1", "reference": "order-1", "status": "succeeded"}
    return json({"payment": payment | {"amount": {"value": amount, "currency": "NGN"}}})


SUCCESS: Final[dict[str, Callable[[object], bytes]]] = {
    "tranzzo": _tranzzo_success,
    "flutterwave": _rave_success,
    "generic": _generic_success,
}


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize(
    "amount",
    [
        "\u0664\u0665\u0660\u0660.\u0660\u0660",
        "4_500.00",
        "\uff14\uff15\uff10\uff10.\uff10\uff10",
        "4500.0\u00b2",
        "45e2",
        "0x1194",
    ],
)
def test_finding_5_amounts_are_read_only_as_ascii_decimal_text(adapter: str, amount: str) -> None:
    event = TRANSLATE[adapter](wire("requery", 200, SUCCESS[adapter](amount)))
    assert isinstance(event, RequeryFailed), f"{amount!r} was read as an amount: {event!r}"


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("amount", ["4500.00", " 4500.00 ", "4500", 4500, 4500.0])
def test_plain_amounts_still_confirm(adapter: str, amount: object) -> None:
    event = TRANSLATE[adapter](wire("requery", 200, SUCCESS[adapter](amount)))
    assert isinstance(event, RequeryConfirmed)
    assert event.amount == 450000


@pytest.mark.parametrize(
    ("wait", "expected"),
    [("\u0663\u0664", 0), ("1_500", 0), ("\uff11\uff15\uff10\uff10", 0), ("1500", 1500), ("1.5", 1.5)],
)
def test_finding_5_long_req_wait_is_read_only_as_ascii_digits(wait: str, expected: float) -> None:
    body = {"status": "success", "message": "LONG-REQ", "data": {"ping_url": "https://p.test/1", "wait": wait}}
    event = flutterwave.translate(wire("charge", 200, json(body)))
    assert isinstance(event, LongRequestStarted)
    assert event.wait == timedelta(milliseconds=expected)


def test_finding_5_a_spec_path_with_a_superscript_digit_does_not_raise() -> None:
    spec = msgspec.structs.replace(
        generic.EXAMPLE_SPEC, amount_paths=("payment.amounts.\u00b2", "payment.amount.value")
    )
    adapter = generic.GenericAdapter(spec)
    body = _generic_success("4500.00").replace(b'"amount"', b'"amounts":[1],"amount"')
    event = adapter.translate(wire("requery", 200, body))
    assert isinstance(event, RequeryConfirmed)


# --- body size -----------------------------------------------------------------------------------------------

_BIG_CACHE: dict[str, bytes] = {}


def big_body(kind: str, size: int = BIG) -> bytes:
    """A ``size``-byte body of ``kind``: a JSON envelope padded with a long string, an HTML page, random bytes."""
    key = f"{kind}:{size}"
    if key not in _BIG_CACHE:
        if kind == "json":
            head = b'{"status":"success","message":"Tx Fetched","data":{"status":"successful","pad":"'
            tail = b'"}}'
            body = head + b"a" * (size - len(head) - len(tail)) + tail
        elif kind == "html":
            head, tail = b"<html><head><title>502 Bad Gateway</title></head><body>", b"</body></html>"
            unit = b"<p>upstream said no</p>\n"
            filler = unit * (size // len(unit) + 1)
            body = head + filler[: size - len(head) - len(tail)] + tail
        else:
            body = random.Random(size).randbytes(size)
        assert len(body) == size
        _BIG_CACHE[key] = body
    return _BIG_CACHE[key]


def assert_cut(original: bytes, kept: bytes) -> None:
    found = MARKER.search(kept)
    assert found is not None, f"no cut marker at the end of a {len(original)}-byte body: {kept[-80:]!r}"
    assert int(found.group(1)) == len(original)
    assert len(kept) <= LIMIT + MAX_MARKER
    assert found.start() <= LIMIT


def before_marker(kept: bytes) -> bytes:
    found = MARKER.search(kept)
    assert found is not None
    return kept[: found.start()]


EXPECTED: Final[dict[Operation, type[Event]]] = {
    "charge": OutcomeUnknown,
    "validate": OutcomeUnknown,
    "requery": RequeryFailed,
    "poll": PollFailed,
    "webhook": WebhookReceived,
}


def test_the_body_limit_is_one_mebibyte() -> None:
    assert getattr(_gateway, "MAX_BODY", None) == LIMIT


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("kind", ["json", "html", "random"])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_finding_5_a_ten_megabyte_body_is_cut_and_unreadable(adapter: str, kind: str, operation: Operation) -> None:
    body = big_body(kind)
    answer = wire(operation, 200, body, (("content-type", "text/html" if kind == "html" else "application/json"),))
    event = TRANSLATE[adapter](answer)
    check_answer(answer, event)
    assert isinstance(event, EXPECTED[operation])
    if isinstance(event, OutcomeUnknown):
        assert event.cause == "too_large"
    if isinstance(event, RequeryFailed | PollFailed):
        assert event.reason == "too_large"
    if isinstance(event, WebhookReceived):
        assert event.payload is None and not event.signature_valid
    assert isinstance(event, ProviderAnswer)
    assert_cut(body, event.wire.body)


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("status", [404, 429, 500, 503])
def test_finding_5_a_too_large_charge_answer_is_ambiguous_whatever_the_status(adapter: str, status: int) -> None:
    body = big_body("json", LIMIT + 1)
    event = TRANSLATE[adapter](wire("charge", status, body, (("retry-after", "5"),)))
    assert isinstance(event, OutcomeUnknown) and event.cause == "too_large"
    assert_cut(body, event.wire.body)


def _padded(adapter: str, size: int) -> bytes:
    body = SUCCESS[adapter]("4500.00")
    pad = b',"pad":"' + b"p" * (size - len(body) - 9) + b'"'
    padded = body[:-1] + pad + body[-1:] if adapter != "tranzzo" else body[:-2] + pad + body[-2:]
    assert len(padded) == size
    return padded


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_body_of_exactly_the_limit_is_kept_whole_and_read(adapter: str) -> None:
    body = _padded(adapter, LIMIT)
    event = TRANSLATE[adapter](wire("requery", 200, body))
    assert isinstance(event, RequeryConfirmed)
    assert event.wire.body == body


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_finding_5_a_body_one_byte_over_the_limit_is_cut(adapter: str) -> None:
    body = _padded(adapter, LIMIT + 1)
    event = TRANSLATE[adapter](wire("requery", 200, body))
    assert isinstance(event, RequeryFailed) and event.reason == "too_large"
    assert_cut(body, event.wire.body)
    assert event.wire.body.startswith(body[: LIMIT - 64])


VISA: Final = b"4111111111111111"
SECKEY: Final = "FLWSECK_TEST-0123456789abcdef0123456789abcdef-X"


def _straddling(size: int) -> bytes:
    """A JSON-ish body over the limit with a secret field, a PAN and a secret field's value across the cut."""
    head = b'{"SECKEY":"' + SECKEY.encode() + b'","card":"' + VISA + b'","note":"'
    pan_at = LIMIT - 8
    filler = b"x" * (pan_at - len(head) - 1) + b" "
    middle = head + filler + VISA + b'","password":"'
    secret_value = b"hunter2-" * 8
    body = middle + secret_value
    rest = b'","cvv":"123","pan":' + VISA + b',"pad":"' + b"y" * size + b'"}'
    return (body + rest)[: size - 2] + b'"}'


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("operation", ["charge", "requery", "webhook"])
def test_a_cut_body_keeps_no_secret_and_no_card_number(adapter: str, operation: Operation) -> None:
    body = _straddling(3 * LIMIT)
    event = TRANSLATE[adapter](wire(operation, 200, body, (("content-type", "application/json"),)))
    assert isinstance(event, ProviderAnswer)
    kept = event.wire.body
    assert_cut(body, kept)
    assert not luhn_pans(kept), luhn_pans(kept)
    assert VISA not in kept
    assert SECKEY.encode() not in kept
    assert b"hunter2" not in kept
    assert REDACTED.encode() in kept


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_a_cut_webhook_keeps_no_part_of_its_secret(adapter: str) -> None:
    secret = "whsec-0123456789abcdef"
    head = b'{"event":"charge.completed","note":"' + b"z" * (LIMIT - 40) + b" "
    for shift in range(0, len(secret) + 1, 3):
        body = head[: len(head) - shift] + secret.encode() + b'","pad":"' + b"w" * LIMIT + b'"}'
        received = WEBHOOK[adapter]((), body, secret, at=AT)
        kept = received.wire.body
        assert_cut(body, kept)
        cut = before_marker(kept)
        assert not any(cut.endswith(secret[:n].encode()) for n in range(4, len(secret) + 1)), cut[-40:]


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("shift", range(0, 19, 2))
def test_a_card_number_across_the_cut_is_masked(adapter: str, shift: int) -> None:
    body = b"x" * (LIMIT - shift - 1) + b" " + VISA + b" " + b"y" * LIMIT
    event = TRANSLATE[adapter](wire("charge", 502, body))
    assert isinstance(event, ProviderAnswer)
    kept = before_marker(event.wire.body)
    assert re.search(rb"[0-9]{7}", kept) is None, kept[-24:]


# --- webhooks ------------------------------------------------------------------------------------------------

webhook_bodies: Final = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(BODIES),
    st.sampled_from(
        (
            b"data=eyJvcmRlcl9pZCI6Im8xIn0%3D&signature=abc",
            b"data=%ZZ&signature=%E2%82",
            b"data=" + b"A" * 4001 + b"&signature=x",
            json({"data": "eyJ9", "signature": 5}),
            b"[" * 5000 + b"]" * 5000,
        )
    ),
    st.integers(LIMIT - 2, LIMIT + 2).map(lambda n: big_body("random", n)),
)


@settings(max_examples=examples(2_000))
@given(
    adapter=st.sampled_from(ADAPTERS),
    headers=st.lists(st.tuples(st.sampled_from(HEADER_NAMES) | st.text(max_size=12), header_values), max_size=5).map(
        tuple
    ),
    body=webhook_bodies,
    secret=st.sampled_from(("s3cret-value", "\ud800", "\u00b2"))
    | st.text(st.characters(exclude_categories=()), min_size=1),
)
@example(adapter="tranzzo", headers=(), body=b"data=eyJ9&signature=x", secret="\ud800")
@example(adapter="generic", headers=(("x-signature", "\u00b2"),), body=b"{}", secret="\ud800")
def test_finding_5_webhooks_are_total_for_any_headers_bodies_and_secrets(
    adapter: str, headers: tuple[tuple[str, str], ...], body: bytes, secret: str
) -> None:
    received = WEBHOOK[adapter](headers, body, secret, at=AT)
    assert isinstance(received, WebhookReceived)
    assert received.at == AT
    assert len(received.wire.body) <= LIMIT + MAX_MARKER or len(body) <= LIMIT


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_an_empty_webhook_secret_is_a_configuration_error(adapter: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        WEBHOOK[adapter]((), b"data=eyJ9&signature=x", "", at=AT)


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("kind", ["json", "html", "random", "form"])
def test_finding_5_a_ten_megabyte_webhook_is_cut(adapter: str, kind: str) -> None:
    if kind == "form":
        body = b"data=" + b"e" * (BIG - 20) + b"&signature=xyz"
        headers: tuple[tuple[str, str], ...] = (("content-type", "application/x-www-form-urlencoded"),)
    else:
        body = big_body(kind)
        headers = (("content-type", "text/html" if kind == "html" else "application/json"),)
    received = WEBHOOK[adapter](headers, body, "s3cret-value", at=AT)
    assert isinstance(received, WebhookReceived)
    assert received.payload is None
    assert_cut(body, received.wire.body)


# --- nesting -------------------------------------------------------------------------------------------------


def _hidden_nesting(depth: int) -> bytes:
    """A JSON array whose first item is a string of closing brackets, then ``depth`` real levels of nesting: a
    bracket count that does not skip strings sees no depth at all."""
    return b'["' + b"]" * (depth + 400) + b'",' + b"[" * depth + VISA + b"]" * depth + b"]"


@pytest.mark.parametrize("adapter", ADAPTERS)
def test_finding_5_a_nesting_hidden_behind_a_string_of_brackets_does_not_raise(adapter: str) -> None:
    for depth in range(600, 1000):
        answer = wire("requery", 200, _hidden_nesting(depth))
        event = TRANSLATE[adapter](answer)
        check_answer(answer, event)
        assert isinstance(event, RequeryFailed)
        received = WEBHOOK[adapter]((), _hidden_nesting(depth), "s3cret-value", at=AT)
        assert received.payload is None


# --- URLs ----------------------------------------------------------------------------------------------------


def test_a_secret_parameter_after_a_second_question_mark_is_redacted() -> None:
    """The query-pair pattern no longer lets a name run across ``?`` (which also made it backtrack
    quadratically over a long run of them, in a poll URL the provider chose)."""
    url = "https://p.test/ping?ref=1?key=s3cret-value&token=t0k&x=1"
    event = flutterwave.translate(wire("poll", 200, b"", url=url))
    assert isinstance(event, ProviderAnswer)
    assert "s3cret-value" not in event.wire.url and "t0k" not in event.wire.url
    assert event.wire.url == f"https://p.test/ping?ref=1?key={REDACTED}&token={REDACTED}&x=1"
