"""Flutterwave Rave v2: one test per wire signal (DESIGN §2 and §5), requests, webhooks and the polling flow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

import msgspec
import pytest

import payfold
from payfold import (
    ActionRequired,
    ChargeAccepted,
    ChargeDeclined,
    ChargeRejected,
    InvalidPayment,
    LongRequestStarted,
    NotProcessed,
    OutcomeUnknown,
    PaymentCreated,
    Poll,
    PollCompleted,
    PollFailed,
    PollPending,
    Requery,
    RequeryConfirmed,
    RequeryDeclined,
    RequeryFailed,
    RequeryNotFound,
    RequeryPending,
    RequestSent,
    SendCharge,
    Status,
    Validate,
    WebhookReceived,
)
from payfold.adapters import flutterwave
from payfold.testing import AdapterContract
from tests._settings import examples
from tests.adapters.test_flutterwave_fixtures import (
    CHARGE_0_NUMBER,
    CHARGE_00,
    CHARGE_02_3DS_REDIRECT,
    CHARGE_02_ACCOUNT_AUTH,
    CHARGE_02_MOBILEMONEY,
    CHARGE_02_NESTED,
    CHARGE_02_NO_MODEL,
    CHARGE_02_PIN_OTP,
    CHARGE_AUTH_SUGGESTION_AVS,
    CHARGE_AUTH_SUGGESTION_PIN,
    CHARGE_ERROR_BIN,
    CHARGE_ERROR_CARDNO_REQUIRED,
    CHARGE_ERROR_EMPTY_DATA,
    CHARGE_FAILED_RR,
    CHARGE_MPESA_PENDING,
    FLWREF,
    LONG_REQ,
    LONG_REQ_NESTED,
    POLL_COMPLETED,
    POLL_COMPLETED_BROKEN,
    POLL_PENDING,
    PUBKEY,
    SECKEY,
    T0,
    T1,
    TIMEOUT_CONTACT_SUPPORT,
    TIMEOUT_FLW_ERR_NR,
    TIMEOUT_NGINX_503,
    TIMEOUT_R0_REQUERY,
    TXREF,
    VALIDATE_ACCOUNT_00,
    VALIDATE_CARD_00,
    VALIDATE_WRONG_OTP,
    VERIFY_NO_TX,
    VERIFY_NO_UNDERSCORE_TX,
    VISA,
    WEBHOOK_V2_FLAT,
    WEBHOOK_V3_ENVELOPE,
    verify_flat,
    verify_snake,
    wire,
)

SAMPLES: tuple[tuple[payfold.Operation, int | None, Any, str], ...] = (
    ("charge", 200, CHARGE_00, "charge_accepted"),
    ("charge", 200, CHARGE_02_PIN_OTP, "action_required"),
    ("charge", 200, CHARGE_02_3DS_REDIRECT, "action_required"),
    ("charge", 200, CHARGE_02_MOBILEMONEY, "charge_accepted"),
    ("charge", 200, CHARGE_MPESA_PENDING, "charge_accepted"),
    ("charge", 200, CHARGE_AUTH_SUGGESTION_PIN, "action_required"),
    ("charge", 200, CHARGE_FAILED_RR, "charge_declined"),
    ("charge", 400, CHARGE_ERROR_BIN, "charge_rejected"),
    ("charge", 200, TIMEOUT_FLW_ERR_NR, "outcome_unknown"),
    ("charge", 200, TIMEOUT_CONTACT_SUPPORT, "outcome_unknown"),
    ("charge", 200, TIMEOUT_R0_REQUERY, "outcome_unknown"),
    ("charge", 503, TIMEOUT_NGINX_503, "outcome_unknown"),
    ("charge", 429, b"", "not_processed"),
    ("charge", 200, LONG_REQ, "long_request"),
    ("validate", 200, VALIDATE_CARD_00, "charge_accepted"),
    ("validate", 200, VALIDATE_ACCOUNT_00, "charge_accepted"),
    ("poll", 200, POLL_PENDING, "poll_pending"),
    ("poll", 200, POLL_COMPLETED, "poll_completed"),
    ("poll", 200, POLL_COMPLETED_BROKEN, "poll_completed"),
    ("requery", 200, verify_flat(), "requery_confirmed"),
    ("requery", 200, verify_snake(), "requery_confirmed"),
    ("requery", 200, verify_flat(status="failed"), "requery_declined"),
    ("requery", 200, verify_snake(status="success-pending-validation"), "requery_pending"),
    ("requery", 404, VERIFY_NO_TX, "requery_not_found"),
    ("requery", 400, VERIFY_NO_UNDERSCORE_TX, "requery_not_found"),
    ("requery", 200, {"status": "success", "message": "Tx Fetched", "data": []}, "requery_failed"),
)
"""Documented meanings (operation, HTTP status, body, event tag), shared with the adapter contract."""


class TestFlutterwaveContract(AdapterContract):
    adapter: ClassVar[Any] = flutterwave
    samples = tuple((wire(op, status, body), tag) for op, status, body, tag in SAMPLES)
    webhook_samples = (
        ((("verif-hash", "wh-secret-hash"),), msgspec.json.encode(WEBHOOK_V2_FLAT), "wh-secret-hash", True),
        ((("Verif-Hash", "wh-secret-hash"),), msgspec.json.encode(WEBHOOK_V3_ENVELOPE), "wh-secret-hash", True),
        ((("verif-hash", "forged"),), msgspec.json.encode(WEBHOOK_V2_FLAT), "wh-secret-hash", False),
        ((), msgspec.json.encode(WEBHOOK_V2_FLAT), "wh-secret-hash", False),
    )
    secrets = (SECKEY, "FLWSECK_TEST-contract0secret")
    examples = examples(3_000)


CREDENTIALS = flutterwave.Credentials(public_key=PUBKEY, secret_key=SECKEY, base_url="https://rave.test/")
HTML = (("content-type", "text/html"),)


def translate(*args: Any, **kwargs: Any) -> payfold.Event:
    event = flutterwave.translate(wire(*args, **kwargs))
    assert event.at == T1
    return event


# --- charge answers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "provider_ref"),
    [
        (CHARGE_00, "00", FLWREF),
        (CHARGE_0_NUMBER, "0", FLWREF),
        (CHARGE_02_MOBILEMONEY, "02", FLWREF),
        (CHARGE_02_NO_MODEL, "02", FLWREF),
        (CHARGE_02_NESTED, "02", FLWREF),
        (CHARGE_MPESA_PENDING, "", None),
    ],
    ids=["00", "0-as-number", "02-mobilemoney", "02-no-model", "02-nested-data-data", "mpesa-pending-no-code"],
)
def test_charge_accepted(body: dict[str, Any], code: str, provider_ref: str | None) -> None:
    event = translate("charge", 200, body)
    assert isinstance(event, ChargeAccepted)
    assert (event.code, event.provider_ref) == (code, provider_ref)


def test_charge_02_with_a_pin_model_asks_for_an_otp() -> None:
    event = translate("charge", 200, CHARGE_02_PIN_OTP)
    assert isinstance(event, ActionRequired)
    assert (event.kind, event.url, event.provider_ref) == ("otp", None, FLWREF)


def test_charge_02_account_auth_model_asks_for_an_otp() -> None:
    event = translate("charge", 200, CHARGE_02_ACCOUNT_AUTH)
    assert isinstance(event, ActionRequired)
    assert event.kind == "otp"


def test_charge_02_with_an_http_authurl_is_a_redirect() -> None:
    event = translate("charge", 200, CHARGE_02_3DS_REDIRECT)
    assert isinstance(event, ActionRequired)
    assert event.kind == "redirect"
    assert event.url is not None and event.url.startswith("https://ravesandboxapi.flutterwave.com/mockvbvpage")


@pytest.mark.parametrize(("body", "kind"), [(CHARGE_AUTH_SUGGESTION_PIN, "pin"), (CHARGE_AUTH_SUGGESTION_AVS, "avs")])
def test_auth_suggestion_asks_for_pin_or_address(body: dict[str, Any], kind: str) -> None:
    event = translate("charge", 200, body)
    assert isinstance(event, ActionRequired)
    assert event.kind == kind


def test_auth_suggestion_nobody_knows_is_ambiguous() -> None:
    body = {"status": "success", "message": "AUTH_SUGGESTION", "data": {"suggested_auth": "BIOMETRIC"}}
    event = translate("charge", 200, body)
    assert isinstance(event, OutcomeUnknown)
    assert event.cause == "auth_suggestion"


def test_charge_failed_is_declined_not_final() -> None:
    event = translate("charge", 200, CHARGE_FAILED_RR)
    assert isinstance(event, ChargeDeclined)
    assert (event.code, event.reason) == ("RR", "Insufficient funds")


@pytest.mark.parametrize(
    ("body", "code", "reason"),
    [
        (CHARGE_ERROR_BIN, "BIN_ERR", "BIN not Found"),
        (CHARGE_ERROR_CARDNO_REQUIRED, "", "Cardno is required"),
        (CHARGE_ERROR_EMPTY_DATA, "", "accountnumber is required"),
    ],
    ids=["bin-error", "validation-data-null", "validation-data-empty"],
)
@pytest.mark.parametrize("status", [400, 401, 403, 422])
def test_error_with_a_4xx_is_rejected(body: dict[str, Any], code: str, reason: str, status: int) -> None:
    event = translate("charge", status, body)
    assert isinstance(event, ChargeRejected)
    assert (event.code, event.reason) == (code, reason)


@pytest.mark.parametrize(("status", "cause"), [(200, "provider_error"), (500, "server_error"), (503, "server_error")])
def test_error_with_a_2xx_or_5xx_is_ambiguous(status: int, cause: str) -> None:
    event = translate("charge", status, CHARGE_ERROR_BIN)
    assert isinstance(event, OutcomeUnknown)
    assert event.cause == cause


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        (TIMEOUT_FLW_ERR_NR, "flw_err"),
        (TIMEOUT_CONTACT_SUPPORT, "contact_support"),
        (TIMEOUT_R0_REQUERY, "requery_advised"),
    ],
    ids=["flw-err-nr", "contact-support", "r0-please-requery"],
)
@pytest.mark.parametrize("status", [200, 400, 401, 422, 500, 502, 504])
@pytest.mark.parametrize("operation", ["charge", "validate"])
def test_timeout_shapes_are_ambiguous_whatever_the_status(
    body: dict[str, Any], cause: str, status: int, operation: str
) -> None:
    event = translate(operation, status, body)
    assert isinstance(event, OutcomeUnknown)
    assert event.cause == cause


@pytest.mark.parametrize("status", [503, 200, 502])
def test_timeout_nginx_html_is_ambiguous(status: int) -> None:
    event = translate("charge", status, TIMEOUT_NGINX_503, headers=HTML)
    assert isinstance(event, OutcomeUnknown)
    assert event.cause == "nginx"
    assert event.wire.body == TIMEOUT_NGINX_503


@pytest.mark.parametrize(
    ("status", "body", "headers", "cause"),
    [
        (502, b"", (("server", "awselb/2.0"),), "awselb"),
        (504, b"", (), "empty"),
        (200, b"<html><body>maintenance</body></html>", HTML, "html"),
        (200, b"\x00\xff not json", (), "unreadable"),
        (200, b"[1, 2]", (), "unreadable"),
        (302, {"status": "success", "data": {"chargeResponseCode": "00"}}, (), "http_302"),
        (200, {"status": "success", "message": "what", "data": {"x": 1}}, (), "unrecognized"),
    ],
    ids=["alb-empty", "empty-504", "html-200", "binary", "json-array", "redirect-status", "unknown-2xx"],
)
def test_unreadable_charge_answers_are_ambiguous(
    status: int, body: bytes | dict[str, Any], headers: tuple[tuple[str, str], ...], cause: str
) -> None:
    event = translate("charge", status, body, headers=headers)
    assert isinstance(event, OutcomeUnknown)
    assert event.cause == cause


def test_429_is_not_processed_with_retry_after_seconds() -> None:
    event = translate("charge", 429, b"Too Many Requests", headers=(("retry-after", "12"),))
    assert isinstance(event, NotProcessed)
    assert event.retry_after == timedelta(seconds=12)


def test_429_retry_after_as_an_http_date_is_read_against_received_at() -> None:
    event = translate("charge", 429, b"", headers=(("retry-after", "Wed, 01 May 2024 12:01:09 GMT"),))
    assert isinstance(event, NotProcessed)
    assert event.retry_after == timedelta(minutes=1)


@pytest.mark.parametrize("value", ["soon", "-5", "", "Wed, 01 May 2024 11:00:00 GMT"])
def test_429_retry_after_unreadable_or_past(value: str) -> None:
    event = translate("charge", 429, b"", headers=(("retry-after", value),))
    assert isinstance(event, NotProcessed)
    assert event.retry_after in (None, timedelta(0))


@pytest.mark.parametrize("operation", ["charge", "validate"])
def test_404_on_charge_or_validate_is_not_processed_whatever_the_body(operation: str) -> None:
    event = translate(operation, 404, VERIFY_NO_TX)
    assert isinstance(event, NotProcessed)
    assert event.reason == "not_found"


def test_long_req_starts_polling() -> None:
    event = translate("charge", 200, LONG_REQ)
    assert isinstance(event, LongRequestStarted)
    assert event.ping_url == LONG_REQ["data"]["ping_url"]
    assert event.request_id == "RCORE_CHREQ_PF0001"
    assert event.wait == timedelta(milliseconds=7468)


def test_long_req_nested_under_data_data_with_text_wait() -> None:
    event = translate("validate", 200, LONG_REQ_NESTED)
    assert isinstance(event, LongRequestStarted)
    assert (event.ping_url, event.request_id, event.wait) == (
        "https://api.ravepay.co/ping/RQ2",
        "RQ2",
        timedelta(seconds=1.5),
    )


@pytest.mark.parametrize(
    ("wait", "expected"),
    [
        (None, timedelta(0)),
        (-3, timedelta(0)),
        (True, timedelta(0)),
        ("x", timedelta(0)),
        (1e300, timedelta(hours=1)),
        (10**400, timedelta(hours=1)),
        ("1e999", timedelta(0)),
    ],
)
def test_long_req_wait_is_never_negative_nor_absurd(wait: object, expected: timedelta) -> None:
    body = {"status": "success", "message": "LONG-REQ", "data": {"ping_url": "https://p.test/1", "wait": wait}}
    event = translate("charge", 200, body)
    assert isinstance(event, LongRequestStarted)
    assert event.wait == expected


@pytest.mark.parametrize("ping_url", [None, "", "javascript:alert(1)", 42])
def test_long_req_without_a_usable_ping_url_is_ambiguous(ping_url: object) -> None:
    body = {"status": "success", "message": "LONG-REQ", "data": {"ping_url": ping_url, "wait": 10}}
    event = translate("charge", 200, body)
    assert isinstance(event, OutcomeUnknown)
    assert event.cause == "long_request_without_ping_url"


# --- validate answers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [VALIDATE_CARD_00, VALIDATE_ACCOUNT_00], ids=["card-data-tx", "account-data"])
def test_validate_00_is_accepted_still_to_be_verified(body: dict[str, Any]) -> None:
    event = translate("validate", 200, body)
    assert isinstance(event, ChargeAccepted)
    assert (event.code, event.provider_ref) == ("00", FLWREF)


def test_validate_refused_asks_for_the_otp_again_and_fails_nothing() -> None:
    event = translate("validate", 400, VALIDATE_WRONG_OTP)
    assert isinstance(event, ActionRequired)
    assert event.kind == "otp"


# --- transport errors -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "error", "expected"),
    [
        ("charge", "connect", NotProcessed),
        ("validate", "connect", NotProcessed),
        ("charge", "timeout", OutcomeUnknown),
        ("charge", "reset", OutcomeUnknown),
        ("validate", "timeout", OutcomeUnknown),
        ("charge", None, OutcomeUnknown),
        ("poll", "connect", PollFailed),
        ("poll", "timeout", PollFailed),
        ("requery", "connect", RequeryFailed),
        ("requery", "timeout", RequeryFailed),
    ],
)
def test_transport_errors(operation: str, error: str | None, expected: type[payfold.ProviderAnswer]) -> None:
    event = translate(operation, None, b"", error=error)
    assert type(event) is expected
    word = getattr(event, "cause", None) or getattr(event, "reason", None)
    assert word == (error or "no_response")


# --- polling --------------------------------------------------------------------------------------------------------


def test_poll_pending() -> None:
    assert isinstance(translate("poll", 200, POLL_PENDING), PollPending)


def test_poll_completed_keeps_the_inner_response_string() -> None:
    event = translate("poll", 200, POLL_COMPLETED)
    assert isinstance(event, PollCompleted)
    assert event.response == POLL_COMPLETED["data"]["response"]
    assert msgspec.json.decode(event.response)["response_code"] == "02"


def test_poll_completed_keeps_a_broken_inner_response() -> None:
    event = translate("poll", 200, POLL_COMPLETED_BROKEN)
    assert isinstance(event, PollCompleted)
    assert event.response == '{"data": {"flw_ref'


def test_poll_completed_with_only_response_parsed_re_encodes_it() -> None:
    body = {"status": "success", "message": "REQSPONSE", "data": {"status": "completed", "response_parsed": {"a": 1}}}
    event = translate("poll", 200, body)
    assert isinstance(event, PollCompleted)
    assert event.response == '{"a":1}'


def test_poll_inner_response_secrets_are_redacted() -> None:
    inner = msgspec.json.encode({"otp": "123456", "SECKEY": SECKEY, "card": VISA}).decode()
    body = {"status": "success", "message": "REQSPONSE", "data": {"status": "completed", "response": inner}}
    event = translate("poll", 200, body)
    assert isinstance(event, PollCompleted)
    for secret in ("123456", SECKEY, VISA):
        assert secret not in event.response
        assert secret.encode() not in event.wire.body


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"status": "success", "message": "REQSPONSE", "data": {"status": "weird"}}),
        (200, {"status": "success", "message": "Charge Complete", "data": {"chargeResponseCode": "00"}}),
        (200, CHARGE_ERROR_BIN),
        (500, POLL_COMPLETED),
        (404, b"not found"),
        (502, TIMEOUT_NGINX_503),
        (200, b""),
    ],
    ids=["unknown-status", "not-reqsponse", "error", "5xx-completed", "404", "nginx", "empty"],
)
def test_anything_else_on_a_poll_is_a_failed_poll(status: int, body: bytes | dict[str, Any]) -> None:
    assert isinstance(translate("poll", status, body), PollFailed)


# --- requery --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [verify_flat, verify_snake], ids=["flat", "snake_case"])
def test_requery_successful_00_confirms_the_order_amount(shape: Any) -> None:
    event = translate("requery", 200, shape())
    assert isinstance(event, RequeryConfirmed)
    assert (event.provider_ref, event.reference, event.amount, event.currency) == (FLWREF, TXREF, 450000, "NGN")


@pytest.mark.parametrize(
    "body",
    [verify_flat(chargecode="0"), verify_flat(chargecode=0), verify_flat(chargecode=None), verify_snake(flwMeta={})],
    ids=["code-0", "code-0-number", "no-code-flat", "no-code-snake"],
)
def test_requery_successful_with_0_or_no_code_confirms(body: dict[str, Any]) -> None:
    assert isinstance(translate("requery", 200, body), RequeryConfirmed)


def test_requery_top_level_status_text_does_not_matter() -> None:
    body = verify_flat()
    body["status"] = "Transaction successfully fetched"
    assert isinstance(translate("requery", 200, body), RequeryConfirmed)


@pytest.mark.parametrize(
    "body",
    [
        verify_flat(amount="45.001"),
        verify_flat(amount="lots"),
        verify_flat(amount=None),
        verify_flat(currency="XXX"),
        verify_flat(currency=None),
        verify_snake(amount=-1),
        verify_flat(txref=None),
    ],
    ids=["extra-digits", "text", "missing", "unknown-currency", "no-currency", "negative", "no-txref"],
)
def test_requery_confirmation_with_unreadable_fields_is_a_failed_requery(body: dict[str, Any]) -> None:
    assert isinstance(translate("requery", 200, body), RequeryFailed)


def test_requery_never_reads_charged_amount() -> None:
    event = translate("requery", 200, verify_snake(amount="100.00", charged_amount="101.40"))
    assert isinstance(event, RequeryConfirmed)
    assert event.amount == 10000


@pytest.mark.parametrize(
    "body",
    [
        verify_flat(status="success-pending-validation", chargecode="02"),
        verify_snake(status="pending"),
        verify_flat(status="successful", chargecode="02"),
        verify_snake(flwMeta={"chargeResponse": "RR"}),
    ],
    ids=["pending-validation", "pending", "successful-02", "successful-RR"],
)
def test_requery_pending(body: dict[str, Any]) -> None:
    assert isinstance(translate("requery", 200, body), RequeryPending)


def test_requery_failed_is_declined() -> None:
    event = translate("requery", 200, verify_flat(status="failed", chargecode="RR", chargemessage="Declined"))
    assert isinstance(event, RequeryDeclined)
    assert (event.code, event.reason) == ("RR", "Declined")


@pytest.mark.parametrize("body", [VERIFY_NO_TX, VERIFY_NO_UNDERSCORE_TX], ids=["NO TX", "NO_TX"])
@pytest.mark.parametrize("status", [404, 400, 200])
def test_requery_no_tx_is_not_found(body: dict[str, Any], status: int) -> None:
    assert isinstance(translate("requery", status, body), RequeryNotFound)


def test_xrequery_array_takes_the_successful_attempt() -> None:
    attempts = [
        verify_flat(status="failed", txid=1)["data"],
        verify_flat(txid=2)["data"],
        verify_flat(status="pending", txid=3)["data"],
    ]
    event = translate("requery", 200, {"status": "success", "message": "Tx Fetched", "data": attempts})
    assert isinstance(event, RequeryConfirmed)


def test_xrequery_array_without_success_takes_the_latest_pending() -> None:
    attempts = [verify_flat(status="pending")["data"], "junk", verify_flat(status="failed")["data"]]
    event = translate("requery", 200, {"status": "success", "message": "Tx Fetched", "data": attempts})
    assert isinstance(event, RequeryPending)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"status": "success", "message": "Tx Fetched", "data": []}),
        (200, {"status": "success", "message": "Tx Fetched", "data": [1, "x"]}),
        (200, verify_flat(status="abandoned")),
        (200, TIMEOUT_R0_REQUERY),
        (200, TIMEOUT_CONTACT_SUPPORT),
        (500, verify_flat()),
        (404, b"<html>not found</html>"),
        (504, b""),
        (200, b"null"),
    ],
    ids=["empty-array", "array-of-junk", "unknown-status", "r0", "contact", "5xx-success", "front-404", "504", "null"],
)
def test_anything_else_on_a_requery_is_a_failed_requery(status: int, body: bytes | dict[str, Any]) -> None:
    assert isinstance(translate("requery", status, body), RequeryFailed)


# --- redaction -----------------------------------------------------------------------------------------------------


def test_secrets_and_pans_in_an_answer_never_reach_the_event() -> None:
    body = CHARGE_00 | {"SECKEY": SECKEY, "client": "3DESBLOB==", "data": CHARGE_00["data"] | {"cardno": VISA}}
    event = translate("charge", 200, body, headers=(("verif-hash", "hash-value"), ("set-cookie", "s=1")))
    stored = payfold.encode(event)
    decoded = payfold.decode(stored)
    assert isinstance(decoded, ChargeAccepted)
    for secret in (SECKEY, "3DESBLOB==", VISA, "hash-value", "s=1"):
        assert secret.encode() not in stored
        assert secret.encode() not in decoded.wire.body
        assert all(secret not in value for _, value in decoded.wire.headers)


# --- requests ------------------------------------------------------------------------------------------------------


def payment(**details: str) -> payfold.Payment:
    created = PaymentCreated(
        at=T0, payment_id="p-1", provider="flutterwave", amount=450000, currency="NGN", reference=TXREF, details=details
    )
    return payfold.fold([created])


def test_encrypted_card_charge_request() -> None:
    req = flutterwave.request(SendCharge(due=T0), payment(client="3DESBLOB=="), CREDENTIALS)
    assert (req.operation, req.method) == ("charge", "POST")
    assert req.url == "https://rave.test/flwv3-pug/getpaidx/api/charge?use_polling=1"
    assert msgspec.json.decode(req.body) == {"PBFPubKey": PUBKEY, "client": "3DESBLOB==", "alg": "3DES-24"}
    assert ("content-type", "application/json") in req.headers


def test_tokenized_charge_request_sends_decimal_amount_and_txref() -> None:
    req = flutterwave.request(SendCharge(due=T0), payment(token="flw-t1-pf", email="b@example.com"), CREDENTIALS)
    assert req.url == "https://rave.test/flwv3-pug/getpaidx/api/tokenized/charge?use_polling=1"
    assert msgspec.json.decode(req.body) == {
        "SECKEY": SECKEY,
        "token": "flw-t1-pf",
        "currency": "NGN",
        "amount": "4500.00",
        "txRef": TXREF,
        "email": "b@example.com",
    }


def test_charge_without_token_or_client_is_a_caller_error() -> None:
    with pytest.raises(InvalidPayment, match="client"):
        flutterwave.request(SendCharge(due=T0), payment(), CREDENTIALS)


def test_validate_card_request() -> None:
    req = flutterwave.request(Validate(otp="12345"), payment(flw_ref=FLWREF), CREDENTIALS)
    assert (req.operation, req.url) == (
        "validate",
        "https://rave.test/flwv3-pug/getpaidx/api/validatecharge?use_polling=1",
    )
    assert msgspec.json.decode(req.body) == {"PBFPubKey": PUBKEY, "transaction_reference": FLWREF, "otp": "12345"}


def test_validate_account_request() -> None:
    req = flutterwave.request(Validate(otp="12345"), payment(flw_ref=FLWREF, payment_type="account"), CREDENTIALS)
    assert req.url == "https://rave.test/flwv3-pug/getpaidx/api/validate?use_polling=1"
    assert msgspec.json.decode(req.body)["transactionreference"] == FLWREF


def test_validate_without_flw_ref_is_a_caller_error() -> None:
    with pytest.raises(InvalidPayment, match="flw_ref"):
        flutterwave.request(Validate(otp="1"), payment(), CREDENTIALS)


def test_validate_uses_the_flw_ref_folded_from_the_action_required_answer() -> None:
    answer = payfold.Wire(operation="charge", sent_at=T0, received_at=T0, status=200)
    otp = ActionRequired(at=T0, wire=answer, kind="otp", provider_ref=FLWREF)
    state = payfold.fold([RequestSent(at=T0, operation="charge"), otp], payment())
    assert state.provider_ref == FLWREF
    req = flutterwave.request(Validate(otp="12345"), state, CREDENTIALS)
    assert msgspec.json.decode(req.body)["transaction_reference"] == FLWREF


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://api.ravepay.co/flwv3-pug/getpaidx/api/requests/R1",
            "https://api.ravepay.co/flwv3-pug/getpaidx/api/requests/R1",
        ),
        ("/flwv3-pug/getpaidx/api/requests/R1", "https://rave.test/flwv3-pug/getpaidx/api/requests/R1"),
    ],
)
def test_poll_request_gets_the_ping_url(url: str, expected: str) -> None:
    req = flutterwave.request(Poll(url=url, due=T0), payment(), CREDENTIALS)
    assert (req.operation, req.method, req.url, req.body) == ("poll", "GET", expected, b"")


def test_requery_request_verifies_by_txref() -> None:
    req = flutterwave.request(Requery(due=T0), payment(), CREDENTIALS)
    assert (req.operation, req.method) == ("requery", "POST")
    assert req.url == "https://rave.test/flwv3-pug/getpaidx/api/v2/verify"
    assert msgspec.json.decode(req.body) == {"txref": TXREF, "SECKEY": SECKEY}


def test_credentials_repr_hides_the_secret_key() -> None:
    assert SECKEY not in repr(CREDENTIALS)
    assert PUBKEY in repr(CREDENTIALS)


def test_policy_timeout_outlasts_ravés_25_second_window() -> None:
    policy = flutterwave.POLICY
    assert policy.timeout > timedelta(seconds=25)
    assert policy.requery_backoff == (timedelta(seconds=3),) * 5 + (timedelta(minutes=15),)
    assert flutterwave.NAME == "flutterwave"


# --- webhooks ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [WEBHOOK_V2_FLAT, WEBHOOK_V3_ENVELOPE], ids=["v2-flat", "v3-envelope"])
def test_webhook_with_the_right_verif_hash(body: dict[str, Any]) -> None:
    event = flutterwave.webhook((("Verif-Hash", "s3cret-hash"),), msgspec.json.encode(body), "s3cret-hash", at=T1)
    assert isinstance(event, WebhookReceived)
    assert event.signature_valid
    assert event.payload == body
    assert (event.at, event.wire.sent_at, event.wire.received_at, event.wire.operation) == (T1, T1, T1, "webhook")
    assert b"s3cret-hash" not in payfold.encode(event)


@pytest.mark.parametrize(
    ("headers", "secret"),
    [((("verif-hash", "wrong"),), "s3cret-hash"), ((), "s3cret-hash"), ((("verif-hash", ""),), "s3cret-hash")],
    ids=["wrong", "missing", "empty-header"],
)
def test_webhook_with_a_wrong_or_missing_verif_hash(headers: tuple[tuple[str, str], ...], secret: str) -> None:
    event = flutterwave.webhook(headers, msgspec.json.encode(WEBHOOK_V2_FLAT), secret, at=T1)
    assert not event.signature_valid
    assert event.payload is not None


def test_an_empty_secret_hash_is_a_configuration_error() -> None:
    # With "" as the secret, an empty verif-hash header would pass the check: anyone could "sign" a webhook.
    with pytest.raises(ValueError, match="secret hash is empty"):
        flutterwave.webhook((("verif-hash", ""),), msgspec.json.encode(WEBHOOK_V2_FLAT), "", at=T1)


def test_webhook_unreadable_body_still_gives_an_event() -> None:
    event = flutterwave.webhook((("verif-hash", "h"),), b"\xff<not json " + VISA.encode(), "h", at=T1)
    assert event.payload is None
    assert event.signature_valid
    assert VISA.encode() not in event.wire.body


def test_webhook_payload_is_redacted() -> None:
    body = WEBHOOK_V2_FLAT | {"otp": "998877", "card_number": VISA, "note": f"card {VISA}"}
    event = flutterwave.webhook((), msgspec.json.encode(body), "h", at=T1)
    decoded = payfold.decode(payfold.encode(event))
    assert isinstance(decoded, WebhookReceived)
    for secret in ("998877", VISA):
        assert secret not in msgspec.json.encode(decoded.payload).decode()
        assert secret.encode() not in decoded.wire.body


def test_translate_of_a_webhook_wire_is_an_unsigned_hint() -> None:
    event = translate("webhook", None, WEBHOOK_V3_ENVELOPE)
    assert isinstance(event, WebhookReceived)
    assert not event.signature_valid
    assert event.payload == WEBHOOK_V3_ENVELOPE


# --- the polling flow through fold and next_step ---------------------------------------------------------------


def test_long_request_folds_to_polling_then_completed_poll_requeries() -> None:
    policy = msgspec.structs.replace(flutterwave.POLICY, jitter=0.0)
    created = PaymentCreated(
        at=T0, payment_id="p-1", provider="flutterwave", amount=450000, currency="NGN", reference=TXREF
    )
    long_req = flutterwave.translate(wire("charge", 200, LONG_REQ))
    state = payfold.fold([created, RequestSent(at=T0, operation="charge"), long_req])
    assert state.status is Status.POLLING
    step = payfold.next_step(state, policy)
    assert step == Poll(url=LONG_REQ["data"]["ping_url"], due=T1 + timedelta(milliseconds=7468))
    assert isinstance(step, Poll)

    sent = RequestSent(at=step.due, operation="poll", url=step.url)
    done_at = step.due + timedelta(seconds=1)
    completed = flutterwave.translate(
        msgspec.structs.replace(wire("poll", 200, POLL_COMPLETED), sent_at=step.due, received_at=done_at)
    )
    assert isinstance(completed, PollCompleted)
    state = payfold.fold([sent, completed], state)
    assert state.status is Status.POLLING
    assert payfold.next_step(state, policy) == Requery(due=done_at)
