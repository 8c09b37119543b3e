"""AdapterContract: the one test class every provider adapter's tests subclass (DESIGN §8, invariants 9 and 10).

Subclass it in a pytest module (the name must start with ``Test``) and set class attributes::

    class TestMyAdapter(AdapterContract):
        adapter = payfold.adapters.tranzzo          # a module, or any object with the same members
        samples = [(wire, "requery_confirmed"), ...]  # fixtures with their documented meaning (an event tag)
        webhook_samples = [(headers, body, secret, True), ...]
        examples = 10_000                           # fuzz examples for the totality check

Each ``test_*`` method runs Hypothesis itself, so no pytest import or fixture is needed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Final

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfold import (
    Event,
    Operation,
    ProviderAnswer,
    WebhookReceived,
    Wire,
    decode,
    encode,
    tag_of,
)
from payfold._wire import OPERATIONS

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
_TEST_PANS: Final = ("4111111111111111", "5555555555554444", "378282246310005", "6011111111111117")
_SECRET_HEADER_NAMES: Final = ("x-api-auth", "x-api-key", "authorization", "verif-hash", "cookie", "set-cookie")
_SECRET_FIELD_NAMES: Final = ("SECKEY", "api_secret", "api_key", "secret", "password", "cc_number", "card_cvv", "pin")
_SECRET_PARAMS: Final = ("seckey", "api_key", "secret", "key")
_HEADER_NAMES: Final = (
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
_HEADER_VALUES: Final = (
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
    """The Luhn-valid PAN-shaped runs in ``data`` (the scrubber's definition)."""
    found = set()
    for match in _PAN.finditer(data):
        digits = match.group()
        total = 0
        for index, char in enumerate(reversed(digits)):
            digit = char - 48
            if index % 2:
                digit = digit * 2 - 9 if digit > 4 else digit * 2
            total += digit
        if total % 10 == 0:
            found.add(digits)
    return found


def _json_values(vocabulary: Sequence[str], keys: Sequence[str]) -> st.SearchStrategy[Any]:
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
def _mutated(draw: st.DrawFn, seeds: Sequence[bytes], json_values: st.SearchStrategy[Any]) -> bytes:
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


def _html_pages() -> st.SearchStrategy[bytes]:
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


class AdapterContract:
    """Checks any adapter (a module such as ``payfold.adapters.tranzzo``, or a ``GenericAdapter``) for:

    totality of ``translate`` under fuzzing; one ``ProviderAnswer`` with ``at == wire.received_at`` whose tag
    fits the operation; the body kept (scrubbed only, when nothing secret was inside); no secret and no
    Luhn-valid PAN in the encoded event nor in the decoded wire body, headers and URL; the documented meaning of
    each sample; webhooks built as DESIGN §2 says.
    """

    adapter: ClassVar[Any] = None
    """The adapter under test: ``translate``, ``webhook``, ``request``, ``POLICY``, ``Credentials``, ``NAME``."""
    samples: ClassVar[Sequence[tuple[Wire, str]]] = ()
    """Fixtures ``(wire, expected event tag)``; their bodies also seed the fuzzer."""
    webhook_samples: ClassVar[Sequence[tuple[tuple[tuple[str, str], ...], bytes, str, bool]]] = ()
    """Fixtures ``(headers, body, secret, signature_valid)`` for ``adapter.webhook``."""
    secrets: ClassVar[tuple[str, ...]] = ("FLWSECK_TEST-contract0secret", "CPAY contract-key:contract-secret")
    """Secret values the fuzzer plants in secret headers, fields and query parameters; none may survive."""
    bodies: ClassVar[Sequence[bytes]] = ()
    """More realistic bodies to seed the fuzzer with."""
    vocabulary: ClassVar[Sequence[str]] = VOCABULARY
    keys: ClassVar[Sequence[str]] = KEYS
    examples: ClassVar[int] = 1_000
    """Fuzz examples for the totality check (the other checks use a tenth, at least 50)."""

    # --- strategies -------------------------------------------------------------------------------------

    def _seeds(self) -> list[bytes]:
        seeds = [wire.body for wire, _ in self.samples] + list(self.bodies)
        return seeds or [b'{"status":"success"}']

    def wires(self) -> st.SearchStrategy[Wire]:
        """Arbitrary wires: any status or none, any operation, transport errors, fuzzed and planted bodies."""
        json_values = _json_values(self.vocabulary, self.keys)
        seeds = self._seeds()
        bodies = st.one_of(
            st.binary(max_size=256),
            _mutated(seeds, json_values),
            json_values.map(msgspec.json.encode),
            _html_pages(),
            st.sampled_from((b"", b" ", b"\r\n", b"null", b"[]", b"{}", b"OK", b"\xff\xfe")),
            st.sampled_from(seeds),
        )
        secret = st.sampled_from(self.secrets) if self.secrets else st.just("contract-secret-value")
        pan = st.sampled_from(_TEST_PANS)
        planted_body = st.tuples(bodies, json_values, secret, pan, st.sampled_from(_SECRET_FIELD_NAMES)).map(
            _plant_in_body
        )
        headers = st.lists(
            st.one_of(
                st.tuples(st.sampled_from(_HEADER_NAMES), st.sampled_from(_HEADER_VALUES)),
                st.tuples(st.sampled_from(_SECRET_HEADER_NAMES), secret),
                st.tuples(st.sampled_from(_HEADER_NAMES), st.text(max_size=20)),
            ),
            max_size=5,
        ).map(tuple)
        urls = st.one_of(
            st.just(""),
            st.just("https://provider.test/api/v1/payment"),
            st.builds(
                lambda name, value, card: f"https://provider.test/api?order=1&{name}={value}&note={card}",
                st.sampled_from(_SECRET_PARAMS),
                secret,
                pan,
            ),
        )
        return st.builds(
            _wire,
            operation=st.sampled_from(OPERATIONS),
            status=st.one_of(st.none(), st.integers(100, 599), st.sampled_from((200, 404, 429, 502, 503, 504, 522))),
            error=st.one_of(st.none(), st.none(), st.sampled_from(("timeout", "connect", "reset", "tls"))),
            headers=headers,
            body=st.one_of(bodies, planted_body),
            url=urls,
            latency=st.integers(0, 120_000),
        )

    # --- the checks -------------------------------------------------------------------------------------

    def check_answer(self, wire: Wire, event: Event) -> None:
        """Everything that must hold for any ``event = adapter.translate(wire)``."""
        assert isinstance(event, ProviderAnswer), f"translate gave {type(event).__name__}, not a ProviderAnswer"
        assert event.at == wire.received_at, f"event.at {event.at} != wire.received_at {wire.received_at}"
        kept = event.wire
        assert (kept.operation, kept.status, kept.error) == (wire.operation, wire.status, wire.error)
        assert (kept.sent_at, kept.received_at) == (wire.sent_at, wire.received_at)
        tag = tag_of(event)
        assert tag in ALLOWED_TAGS[wire.operation], f"{tag} is not an answer to a {wire.operation}"
        if wire.status is None and wire.operation in ("charge", "validate"):
            expected = "not_processed" if wire.error == "connect" else "outcome_unknown"
            assert tag == expected, f"no response ({wire.error}) on a {wire.operation} gave {tag}, not {expected}"
        if wire.status is None and wire.operation in ("requery", "poll"):
            assert tag == f"{wire.operation}_failed", f"no response on a {wire.operation} gave {tag}"
        self.check_redacted(wire, event)
        assert decode(encode(event)) == event, "the event does not survive encode/decode"

    def check_redacted(self, wire: Wire, event: Event) -> None:
        """No planted secret and no original PAN survive; an innocent body is kept byte for byte (scrubbed)."""
        from payfold.adapters.wire.redact import SECRET_FIELDS, redact_json, scrub_pans

        assert isinstance(event, ProviderAnswer)
        kept = event.wire
        encoded = encode(event)
        header_text = "\n".join(f"{name}: {value}" for name, value in kept.headers).encode()
        places = {"body": kept.body, "url": kept.url.encode(), "headers": header_text, "event": encoded}
        if isinstance(event, WebhookReceived):
            places["payload"] = msgspec.json.encode(event.payload)
        for secret in self.secrets:
            forms = {secret.encode(), msgspec.json.encode(secret)[1:-1]}
            for place, data in places.items():
                for form in forms:
                    assert form not in data, f"secret {secret!r} survived in the event's {place}"
        original = wire.body + b"\n" + wire.url.encode() + b"\n" + "\n".join(v for _, v in wire.headers).encode()
        for digits in luhn_pans(original):
            for place, data in places.items():
                assert digits not in data, f"PAN {digits.decode()} survived in the event's {place}"
        for place in ("body", "url", "headers"):
            assert not luhn_pans(places[place]), f"a Luhn-valid PAN is left in the wire's {place}"
        content_type = (wire.header("content-type") or "").lower()
        planted = any(secret.encode() in wire.body for secret in self.secrets)
        try:
            value = msgspec.json.decode(wire.body) if wire.body else None
        except (msgspec.DecodeError, UnicodeDecodeError):
            value = None
        secret_field = value is not None and redact_json(value, SECRET_FIELDS)[1]
        if not planted and not secret_field and "form" not in content_type and wire.operation != "webhook":
            assert kept.body == scrub_pans(wire.body), "the body was not kept (only PANs may be masked)"

    def translate_checked(self, wire: Wire) -> Event:
        """``adapter.translate(wire)`` with every contract check applied."""
        event: Event = self.adapter.translate(wire)
        self.check_answer(wire, event)
        return event

    # --- tests ------------------------------------------------------------------------------------------

    def test_translate_is_total_and_redacts(self) -> None:
        @settings(
            max_examples=self.examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(self.wires())
        def check(wire: Wire) -> None:
            self.translate_checked(wire)

        check()

    def test_samples_have_their_documented_meaning(self) -> None:
        for wire, expected in self.samples:
            event = self.translate_checked(wire)
            assert tag_of(event) == expected, f"{wire.operation} {wire.status} {wire.body[:80]!r}: got {tag_of(event)}"

    def test_gateway_pages_are_never_verdicts(self) -> None:
        pages = (
            (502, (("content-type", "text/html"), ("server", "nginx"))),
            (503, (("content-type", "text/html"),)),
            (504, (("server", "awselb/2.0"), ("content-type", "text/html"))),
            (520, (("server", "cloudflare"), ("cf-ray", "1-AMS"))),
            (522, (("server", "cloudflare"), ("cf-ray", "1-AMS"), ("cf-error-type", "522"))),
            (524, (("server", "cloudflare"), ("cf-ray", "1-AMS"))),
        )
        body = b"<html><head><title>502 Bad Gateway</title></head><body><hr><center>nginx</center></body></html>"
        for status, headers in pages:
            for operation, expected in (("charge", "outcome_unknown"), ("requery", "requery_failed")):
                wire = _wire(operation=operation, status=status, headers=headers, body=body)  # type: ignore[arg-type]
                tag = tag_of(self.translate_checked(wire))
                assert tag == expected, f"a {status} gateway page on a {operation} gave {tag}, not {expected}"

    def test_transport_failures(self) -> None:
        for operation in OPERATIONS:
            for error in ("timeout", "connect", "reset"):
                self.translate_checked(_wire(operation=operation, status=None, error=error))

    def test_webhooks(self) -> None:
        for headers, body, secret, valid in self.webhook_samples:
            event = self._webhook_checked(headers, body, secret)
            assert event.signature_valid is valid, f"webhook {body[:60]!r}: signature_valid {event.signature_valid}"

        @settings(max_examples=max(50, self.examples // 10), deadline=None, database=None)
        @given(
            st.lists(st.tuples(st.sampled_from(("Content-Type", "verif-hash", "X-Sig")), st.text(max_size=20))),
            st.one_of(
                st.binary(max_size=200), st.sampled_from([body for _, body, _, _ in self.webhook_samples] or [b""])
            ),
        )
        def check(headers: list[tuple[str, str]], body: bytes) -> None:
            self._webhook_checked(tuple(headers), body, "contract-webhook-secret")

        check()

    def _webhook_checked(self, headers: tuple[tuple[str, str], ...], body: bytes, secret: str) -> WebhookReceived:
        at = T0 + timedelta(minutes=5)
        event = self.adapter.webhook(headers, body, secret, at=at)
        assert isinstance(event, WebhookReceived), f"webhook gave {type(event).__name__}"
        assert event.at == at and event.wire.sent_at == at and event.wire.received_at == at
        assert event.wire.operation == "webhook" and event.wire.status in (None, 200)
        assert isinstance(event.signature_valid, bool)
        if event.payload is not None:
            assert msgspec.json.decode(event.wire.body) == event.payload, "wire.body must hold the decoded payload"
        encoded = encode(event)
        if len(secret) >= 4:
            assert secret.encode() not in encoded and secret.encode() not in event.wire.body
        assert decode(encoded) == event
        return event

    def test_module_members(self) -> None:
        for member in ("translate", "request", "webhook", "POLICY", "Credentials", "NAME"):
            assert hasattr(self.adapter, member), f"the adapter has no {member}"
        assert isinstance(self.adapter.NAME, str) and self.adapter.NAME


def _plant_in_body(args: tuple[bytes, Any, str, str, str]) -> bytes:
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


def _wire(
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
