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

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, ClassVar

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payfold import (
    Event,
    ProviderAnswer,
    WebhookReceived,
    Wire,
    decode,
    encode,
    tag_of,
)
from payfold._wire import OPERATIONS

from ._adapter_wires import (
    ALLOWED_TAGS,
    EXPONENT_NUMBER,
    HEADER_NAMES,
    HEADER_VALUES,
    KEYS,
    PLANTED_FIELD_NAMES,
    SECRET_HEADER_NAMES,
    SECRET_PARAMS,
    T0,
    TEST_PANS,
    VOCABULARY,
    html_pages,
    make_wire,
    mutated,
    plant_in_body,
)
from ._adapter_wires import (
    json_values as value_strategy,
)
from ._leaks import CARD_FIELD_NAMES, SECRET_FIELD_NAMES, find_leaks
from ._named_fields import card_field_leaks, named_values


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
        json_values = value_strategy(self.vocabulary, self.keys)
        seeds = self._seeds()
        bodies = st.one_of(
            st.binary(max_size=256),
            mutated(seeds, json_values),
            json_values.map(msgspec.json.encode),
            html_pages(),
            st.sampled_from((b"", b" ", b"\r\n", b"null", b"[]", b"{}", b"OK", b"\xff\xfe")),
            st.sampled_from(seeds),
        )
        secret = st.sampled_from(self.secrets) if self.secrets else st.just("contract-secret-value")
        pan = st.sampled_from(TEST_PANS)
        planted_body = st.tuples(bodies, json_values, secret, pan, st.sampled_from(PLANTED_FIELD_NAMES)).map(
            plant_in_body
        )
        headers = st.lists(
            st.one_of(
                st.tuples(st.sampled_from(HEADER_NAMES), st.sampled_from(HEADER_VALUES)),
                st.tuples(st.sampled_from(SECRET_HEADER_NAMES), secret),
                st.tuples(st.sampled_from(HEADER_NAMES), st.text(max_size=20)),
            ),
            max_size=5,
        ).map(tuple)
        urls = st.one_of(
            st.just(""),
            st.just("https://provider.test/api/v1/payment"),
            st.builds(
                lambda name, value, card: f"https://provider.test/api?order=1&{name}={value}&note={card}",
                st.sampled_from(SECRET_PARAMS),
                secret,
                pan,
            ),
        )
        return st.builds(
            make_wire,
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
        """No planted secret, no Luhn-valid card number and no digit in a card-named field survive anywhere in the
        decoded event (``payfold.testing._leaks``, written from the rules, not from the redaction it judges).

        An innocent body (no secret, no secret-named field, no card number, not a form, not a webhook) is kept
        byte for byte; a body whose only findings are card numbers is kept except where a digit became ``*``
        (a body with a card number in exponent notation, or with escapes, which can hide digits from an in-place
        mask, may be rewritten whole).
        """
        assert isinstance(event, ProviderAnswer)
        leaks = find_leaks(event, self.secrets) + card_field_leaks(event)
        assert not leaks, "left in the event: " + "; ".join(str(leak) for leak in leaks[:5])
        content_type = (wire.header("content-type") or "").lower()
        if wire.operation == "webhook" or "form" in content_type:
            return
        found = find_leaks(wire.body, self.secrets, path="body")
        if any(leak.kind == "secret" for leak in found) or card_field_leaks(wire.body, path="body"):
            return
        if next(named_values(wire.body, SECRET_FIELD_NAMES | CARD_FIELD_NAMES, "body"), None) is not None:
            return  # a field named for a secret or for card data: its value may go, whatever it holds
        kept = event.wire.body
        if not found:
            assert kept == wire.body, "the body was changed although nothing in it is secret"
        elif len(kept) == len(wire.body):
            changed = [(old, new) for old, new in zip(wire.body, kept, strict=True) if old != new]
            assert all(chr(old).isdigit() and new == ord("*") for old, new in changed), (
                "the body was changed beyond masking card-number digits with '*'"
            )
        else:
            rewritten = EXPONENT_NUMBER.search(wire.body) or b"\\" in wire.body  # escapes hide digits from a mask
            assert rewritten, "the body changed length though its card numbers could be masked"

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
                wire = make_wire(operation=operation, status=status, headers=headers, body=body)  # type: ignore[arg-type]
                tag = tag_of(self.translate_checked(wire))
                assert tag == expected, f"a {status} gateway page on a {operation} gave {tag}, not {expected}"

    def test_transport_failures(self) -> None:
        for operation in OPERATIONS:
            for error in ("timeout", "connect", "reset"):
                self.translate_checked(make_wire(operation=operation, status=None, error=error))

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
