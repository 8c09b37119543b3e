"""What ``AdapterContract`` throws at an adapter: the allowed tags per operation, a vocabulary of providers' field
names and values, mutated sample bodies, gateway pages, planted secrets and card numbers, and wire builders."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import msgspec
from hypothesis import strategies as st

from payfold import (
    Operation,
    Wire,
)

from ._leaks import luhn_valid

T0: Final = datetime(2026, 1, 1, tzinfo=UTC)

ALLOWED_TAGS: Final[dict[Operation, frozenset[str]]] = {
    "charge": frozenset(
        (
            "charge_accepted",
            "charge_declined",
            "charge_rejected",
            "charge_duplicate",
            "not_processed",
            "action_required",
            "outcome_unknown",
            "long_request",
        )
    ),
    "poll": frozenset(("poll_pending", "poll_completed", "poll_failed")),
    "requery": frozenset(
        ("requery_confirmed", "requery_declined", "requery_pending", "requery_not_found", "requery_failed")
    ),
    "webhook": frozenset(("webhook_received",)),
}
ALLOWED_TAGS["validate"] = ALLOWED_TAGS["charge"]
"""Which event tags each operation's answer may become (DESIGN §2)."""

_PAN: Final = re.compile(rb"(?<![0-9A-Za-z])[2-6][0-9]{12,18}(?![0-9A-Za-z])")
EXPONENT_NUMBER: Final = re.compile(rb"[0-9][eE][+-]?[0-9]")
TEST_PANS: Final = ("4111111111111111", "5555555555554444", "378282246310005", "6011111111111117")
SECRET_HEADER_NAMES: Final = ("x-api-auth", "x-api-key", "authorization", "verif-hash", "cookie", "set-cookie")
PLANTED_FIELD_NAMES: Final = ("SECKEY", "api_secret", "api_key", "secret", "password", "cc_number", "card_cvv", "pin")
SECRET_PARAMS: Final = ("seckey", "api_key", "secret", "key")
HEADER_NAMES: Final = (
    "content-type",
    "server",
    "cf-ray",
    "cf-error-type",
    "retry-after",
    "location",
    "date",
    "x-request-id",
    "content-length",
)
HEADER_VALUES: Final = (
    "application/json",
    "text/html",
    "text/html; charset=UTF-8",
    "application/x-www-form-urlencoded",
    "nginx",
    "nginx/1.16.1",
    "cloudflare",
    "awselb/2.0",
    "8a1b2c3d4e5f6a7b-AMS",
    "522",
    "30",
    "Wed, 01 Jan 2026 00:01:00 GMT",
    "https://pay.example.test/3ds/abc",
    "0",
)
VOCABULARY: Final = (
    "success",
    "successful",
    "failure",
    "failed",
    "pending",
    "init",
    "processing",
    "rejected",
    "error",
    "purchase",
    "auth",
    "00",
    "02",
    "NR",
    "R0",
    "P-409",
    "1000",
    "1002",
    "NO TX",
    "NO_TX",
    "FLW_ERR",
    "LONG-REQ",
    "REQSPONSE",
    "V-COMP",
    "AUTH_SUGGESTION",
    "completed",
    "10.00",
    "4500.00",
    "4500.001",
    "-1",
    "1e309",
    "NaN",
    "UAH",
    "NGN",
    "XTS",
    "USD",
    "ZZZ",
    "order-1",
    "https://pay.example.test/3ds/abc",
    "N/A",
)
"""Values the fuzzer draws JSON leaves from, so that generated bodies reach deep into an adapter's mapping."""
KEYS: Final = (
    "status",
    "message",
    "data",
    "args",
    "code",
    "error_id",
    "details",
    "obj",
    "msg",
    "field_name",
    "violation",
    "payment_id",
    "transaction_id",
    "order_id",
    "method",
    "amount",
    "currency",
    "status_code",
    "status_description",
    "redirect_url",
    "chargeResponseCode",
    "chargecode",
    "txref",
    "txRef",
    "flwRef",
    "flw_ref",
    "ping_url",
    "wait",
    "response",
    "authurl",
    "authModelUsed",
    "suggested_auth",
    "flwMeta",
    "chargeResponse",
    "transaction_currency",
    "tx",
)
"""Keys the fuzzer builds JSON objects from (providers' own field names)."""


def luhn_pans(data: bytes) -> set[bytes]:
    """The Luhn-valid PAN-shaped runs in ``data`` that touch no other digit or letter (DESIGN §6's scrubber rule)."""
    return {match.group() for match in _PAN.finditer(data) if luhn_valid(match.group().decode("ascii"))}


def json_values(vocabulary: Sequence[str], keys: Sequence[str]) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**64),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=16),
        st.sampled_from(vocabulary),
    )
    key = st.one_of(st.sampled_from(keys), st.text(max_size=8))
    return st.recursive(
        leaves,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(key, inner, max_size=6)),
        max_leaves=16,
    )


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[bytes], json_values: st.SearchStrategy[Any]) -> bytes:
    seed = draw(st.sampled_from(seeds))
    how = draw(st.sampled_from(("keep", "truncate", "splice", "retype", "repeat", "wrap")))
    if how == "truncate":
        return seed[: draw(st.integers(0, len(seed)))]
    if how == "splice":
        at = draw(st.integers(0, len(seed)))
        return seed[:at] + draw(st.binary(max_size=12)) + seed[at:]
    if how == "repeat":
        return seed * draw(st.integers(2, 200))
    if how == "wrap":
        return b"[" + seed + b"]"
    if how == "retype":
        try:
            value = msgspec.json.decode(seed)
        except msgspec.DecodeError:
            return seed
        if isinstance(value, dict) and value:
            name = draw(st.sampled_from(sorted(value, key=str)))
            value[name] = draw(json_values)
        elif isinstance(value, list) and value:
            value[draw(st.integers(0, len(value) - 1))] = draw(json_values)
        return msgspec.json.encode(value)
    return seed


def html_pages() -> st.SearchStrategy[bytes]:
    titles = st.sampled_from(("502 Bad Gateway", "503 Service Temporarily Unavailable", "504 Gateway Time-out"))
    footers = st.sampled_from(("nginx", "nginx/1.16.1", "cloudflare", ""))
    return st.builds(
        lambda title, footer: (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
            + (f"<hr><center>{footer}</center>\r\n" if footer else "")
            + "</body>\r\n</html>\r\n"
        ).encode(),
        titles,
        footers,
    )


def plant_in_body(args: tuple[bytes, Any, str, str, str]) -> bytes:
    """A body with a secret field and a PAN planted (JSON when the base body is a JSON object)."""
    body, extra, secret, pan, field = args
    try:
        value = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        value = None
    if isinstance(value, dict):
        value[field] = secret
        value["note"] = f"card {pan} used"
        value["extra"] = extra
        return msgspec.json.encode(value)
    return body + f" card={pan} ".encode()


def make_wire(
    *,
    operation: Operation,
    status: int | None,
    error: str | None = None,
    headers: tuple[tuple[str, str], ...] = (),
    body: bytes = b"",
    url: str = "",
    latency: int = 1_000,
) -> Wire:
    return Wire(
        operation=operation,
        sent_at=T0,
        received_at=T0 + timedelta(milliseconds=latency),
        status=status,
        error=error,
        headers=headers,
        body=body,
        url=url,
    )
