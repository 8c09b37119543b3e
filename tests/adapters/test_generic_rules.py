"""Message rules of the generic adapter: readable examples first, then the properties that bound them.

The expectations here are written from DESIGN's promise ("an ambiguous answer never becomes a verdict") and the
docs' table, never from ``payfold.adapters.generic._rules``: the sets below are spelled out again on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payfold import (
    ChargeDuplicate,
    ChargeRejected,
    OutcomeUnknown,
    PaymentCreated,
    Requery,
    RequeryNotFound,
    RequestSent,
    Wire,
    fold,
    next_step,
    tag_of,
)
from payfold.adapters.generic import (
    EXAMPLE_SPEC,
    PAYSTACK_LIKE_SPEC,
    RAZORPAY_LIKE_SPEC,
    GenericAdapter,
    MessageRule,
    ReferenceApiSpec,
    paystack_like,
)
from tests._settings import examples

T0 = datetime(2026, 1, 1, tzinfo=UTC)
AT = T0 + timedelta(seconds=2)
JSON = (("content-type", "application/json"),)
HTML = (("content-type", "text/html"),)
DUPLICATE = {"status": False, "message": "Duplicate Transaction Reference"}
NOT_FOUND = {"status": False, "message": "Transaction reference not found"}
PAYSTACK_WITHOUT_RULES = GenericAdapter(msgspec.structs.replace(PAYSTACK_LIKE_SPEC, message_rules=()))


def answer(operation: str, status: int, body: Any, headers: tuple[tuple[str, str], ...] = JSON) -> Wire:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Wire(operation=operation, sent_at=T0, received_at=AT, status=status, headers=headers, body=data)  # type: ignore[arg-type]


# --- examples ------------------------------------------------------------------------------------------------------


def test_a_duplicate_reference_told_only_in_the_message_is_a_duplicate_not_a_rejection() -> None:
    wire = answer("charge", 400, DUPLICATE)
    assert isinstance(PAYSTACK_WITHOUT_RULES.translate(wire), ChargeRejected)  # the problem the rule fixes
    event = paystack_like.translate(wire)
    assert isinstance(event, ChargeDuplicate) and event.code == "Duplicate Transaction Reference"


def test_a_duplicate_leads_to_a_requery_never_to_a_failure() -> None:
    created = PaymentCreated(
        at=T0, payment_id="p1", provider="paystack-like", amount=450000, currency="NGN", reference="order-1"
    )
    sent = RequestSent(at=T0, operation="charge")
    state = fold([created, sent, paystack_like.translate(answer("charge", 400, DUPLICATE))])
    step = next_step(state, paystack_like.POLICY)
    assert isinstance(step, Requery), step
    assert state.status.value != "failed"


def test_reference_not_found_in_the_message_counts_as_not_found() -> None:
    wire = answer("requery", 400, NOT_FOUND)
    assert tag_of(PAYSTACK_WITHOUT_RULES.translate(wire)) == "requery_failed"
    assert isinstance(paystack_like.translate(wire), RequeryNotFound)


@pytest.mark.parametrize("spec", [EXAMPLE_SPEC, PAYSTACK_LIKE_SPEC, RAZORPAY_LIKE_SPEC], ids=lambda s: s.name)
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_proxy_redirect_page_on_a_charge_is_ambiguous(spec: ReferenceApiSpec, status: int) -> None:
    page = b"<html><head><title>301 Moved Permanently</title></head><body><center>nginx</center></body></html>"
    headers = (*HTML, ("location", "https://api.provider.test/v2/charge"))
    event = GenericAdapter(spec).translate(answer("charge", status, page, headers))
    assert isinstance(event, OutcomeUnknown) and event.cause == "nginx"


def test_a_redirect_status_with_a_checkout_url_in_json_is_still_ambiguous() -> None:
    body = {"status": True, "data": {"authorization_url": "https://checkout.paystack.com/x"}}
    assert tag_of(paystack_like.translate(answer("charge", 302, body))) == "outcome_unknown"
    assert tag_of(paystack_like.translate(answer("charge", 200, body))) == "action_required"


@pytest.mark.parametrize(
    ("spec", "status", "tag"),
    [
        (PAYSTACK_LIKE_SPEC, 400, "charge_rejected"),
        (PAYSTACK_LIKE_SPEC, 401, "charge_rejected"),
        (EXAMPLE_SPEC, 409, "outcome_unknown"),
        (EXAMPLE_SPEC, 429, "not_processed"),
        (RAZORPAY_LIKE_SPEC, 422, "outcome_unknown"),
    ],
)
def test_an_unknown_message_on_a_4xx_means_what_it_meant_before(spec: ReferenceApiSpec, status: int, tag: str) -> None:
    body = {"message": "Something else went wrong", "error": {"code": "other", "description": "Something else"}}
    wire = answer("charge", status, body)
    without = GenericAdapter(msgspec.structs.replace(spec, message_rules=()))
    assert tag_of(GenericAdapter(spec).translate(wire)) == tag_of(without.translate(wire)) == tag


def test_a_duplicate_wins_over_a_not_processed_status() -> None:
    """A resend would only meet the duplicate again; after the last resend, "never processed" would fail it."""
    body = {"error": {"code": "duplicate_reference", "message": "Reference already used"}}
    assert tag_of(GenericAdapter(EXAMPLE_SPEC).translate(answer("charge", 429, body))) == "charge_duplicate"


def test_a_rule_never_overrides_a_recognised_payment_status() -> None:
    spec = msgspec.structs.replace(
        PAYSTACK_LIKE_SPEC, message_rules=(MessageRule(outcome="requery_not_found", contains="successful"),)
    )
    body = {"status": True, "message": "Verification successful", "data": {"status": "pending"}}
    assert tag_of(GenericAdapter(spec).translate(answer("requery", 200, body))) == "requery_pending"


def test_equals_reads_the_whole_text_and_paths_reach_any_field() -> None:
    spec = RAZORPAY_LIKE_SPEC
    empty = {"entity": "collection", "count": 0, "items": []}
    assert tag_of(GenericAdapter(spec).translate(answer("requery", 200, empty))) == "requery_not_found"
    ten = {"entity": "collection", "count": 10, "items": []}
    assert tag_of(GenericAdapter(spec).translate(answer("requery", 200, ten))) == "requery_failed"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"outcome": "charge_rejected", "contains": "x", "status": 503}, "cannot match HTTP 503"),
        ({"outcome": "charge_rejected", "contains": "x", "status": 429}, "cannot match HTTP 429"),
        ({"outcome": "not_processed", "contains": "x", "status": 502}, "cannot match HTTP 502"),
        ({"outcome": "not_processed", "contains": "x", "status": 200}, "cannot match HTTP 200"),
        ({"outcome": "requery_not_found", "contains": "x", "status": 500}, "cannot match HTTP 500"),
        ({"outcome": "requery_not_found", "contains": "x", "status": 301}, "cannot match HTTP 301"),
        ({"outcome": "charge_duplicate", "contains": "x", "status": 999}, "HTTP status"),
        ({"outcome": "requery_confirmed", "contains": "x"}, "outcome must be one of"),
        ({"outcome": "charge_duplicate"}, "exactly one of"),
        ({"outcome": "charge_duplicate", "contains": "a", "equals": "b"}, "exactly one of"),
    ],
)
def test_unsafe_or_malformed_rules_are_refused(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        MessageRule(**kwargs)


def test_a_rule_needs_somewhere_to_read() -> None:
    with pytest.raises(ValueError, match="no paths"):
        ReferenceApiSpec(
            name="x",
            base_url="https://x.test",
            error_code_paths=(),
            error_message_paths=(),
            message_rules=(MessageRule(outcome="charge_duplicate", contains="dup"),),
        )


# --- properties ----------------------------------------------------------------------------------------------------

WORDS = ("duplicate", "reference", "not found", "declined", "success", "failed", "0", "limit", "error", "paid")
RULE_OUTCOMES = ("charge_duplicate", "not_processed", "charge_rejected", "requery_not_found", "requery_failed")
AMBIGUOUS_STATUSES = (*range(100, 104), *range(300, 309), 408, 425, 429, *range(500, 512), 520, 522, 524)
VERDICTS = frozenset(("charge_rejected", "charge_declined", "requery_confirmed", "requery_declined"))
SPECS = (EXAMPLE_SPEC, PAYSTACK_LIKE_SPEC, RAZORPAY_LIKE_SPEC)
PATHS = ("message", "error.message", "error.description", "error.code", "data.status", "count", "status")


def _nest(flat: Mapping[str, object]) -> dict[str, object]:
    """``{"error.code": "x"}`` as ``{"error": {"code": "x"}}`` (a dotted key under a scalar is dropped)."""
    nested: dict[str, object] = {}
    for path, leaf in flat.items():
        *parents, last = path.split(".")
        node = nested
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[last] = leaf
    return nested


rules = st.builds(
    MessageRule,
    outcome=st.sampled_from(RULE_OUTCOMES),
    contains=st.sampled_from(WORDS),
    paths=st.sampled_from(((), ("message",), ("error.description",), ("count",), ("data.status", "status"))),
)
texts = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join) | st.sampled_from(
    ("Duplicate Transaction Reference", "Transaction reference not found", "Invalid key")
)
leaves = texts | st.integers(0, 3) | st.booleans() | st.none()
bodies = st.dictionaries(st.sampled_from(PATHS), leaves, max_size=4).map(_nest)
statuses = st.sampled_from(AMBIGUOUS_STATUSES) | st.integers(100, 599)


def _ambiguous(status: int) -> bool:
    """Written from DESIGN: only the provider's 2xx or its non-"try later" client errors are evidence."""
    return not (200 <= status < 300 or 400 <= status < 500) or status in (408, 425, 429)


@settings(max_examples=examples(5_000), deadline=None)
@given(
    spec=st.sampled_from(SPECS),
    added=st.lists(rules, max_size=4),
    operation=st.sampled_from(("charge", "requery", "validate")),
    status=statuses,
    body=bodies,
)
def test_no_message_rule_turns_an_answer_into_a_verdict_or_a_resend_it_could_not_be(
    spec: ReferenceApiSpec, added: list[MessageRule], operation: str, status: int, body: dict[str, object]
) -> None:
    wire = answer(operation, status, body)
    plain = GenericAdapter(msgspec.structs.replace(spec, message_rules=()))
    ruled = GenericAdapter(msgspec.structs.replace(spec, message_rules=(*spec.message_rules, *added)))
    before, after = tag_of(plain.translate(wire)), tag_of(ruled.translate(wire))
    if after == before:
        return
    assert after in RULE_OUTCOMES, f"a rule produced {after} (was {before})"
    if _ambiguous(status):
        assert after in ("charge_duplicate", "requery_failed"), f"HTTP {status}: {before} became {after}"
    assert after not in VERDICTS or 400 <= status < 500, f"HTTP {status}: a verdict {after} from a rule"
    if after == "not_processed":
        assert 400 <= status < 500
    if after in ("charge_duplicate", "not_processed", "charge_rejected"):
        assert operation in ("charge", "validate")
    else:
        assert operation == "requery"


@settings(max_examples=examples(2_000), deadline=None)
@given(
    status=st.integers(400, 499).filter(lambda s: s not in (404, 429)),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
    case=st.sampled_from((str.lower, str.upper, str.title, str)),
)
def test_duplicate_by_message_on_any_4xx_is_a_duplicate(status: int, before: str, after: str, case: Any) -> None:
    message = f"{before}{case('Duplicate Transaction Reference')}{after}"
    event = paystack_like.translate(answer("charge", status, {"status": False, "message": message}))
    assert tag_of(event) == "charge_duplicate"


@settings(max_examples=examples(2_000), deadline=None)
@given(
    status=st.sampled_from((200, 400, 404, 410, 422)) | st.sampled_from(AMBIGUOUS_STATUSES),
    case=st.sampled_from((str.lower, str.upper, str.title, str)),
    tail=st.sampled_from(("", ".", " for this integration")),
)
def test_not_found_by_message_counts_only_from_the_status_api_itself(status: int, case: Any, tail: str) -> None:
    body = {"status": False, "message": case("Transaction reference not found") + tail}
    tag = tag_of(paystack_like.translate(answer("requery", status, body)))
    assert tag == ("requery_failed" if _ambiguous(status) else "requery_not_found")


@settings(max_examples=examples(2_000), deadline=None)
@given(status=st.integers(400, 499), message=texts.filter(lambda t: "duplicate transaction reference" not in t.lower()))
def test_a_4xx_message_no_rule_names_means_what_it_meant_before(status: int, message: str) -> None:
    wire = answer("charge", status, {"status": False, "message": message})
    assert tag_of(paystack_like.translate(wire)) == tag_of(PAYSTACK_WITHOUT_RULES.translate(wire))


@settings(max_examples=examples(1_000), deadline=None)
@given(status=st.integers(300, 399), body=bodies, spec=st.sampled_from(SPECS))
def test_no_3xx_is_ever_a_payment_page(status: int, body: dict[str, object], spec: ReferenceApiSpec) -> None:
    body = {**body, "data": {"authorization_url": "https://pay.test/x"}, "redirect_url": "https://pay.test/y"}
    event = GenericAdapter(spec).translate(answer("charge", status, body))
    assert tag_of(event) in ("outcome_unknown", "charge_duplicate"), event
