"""Flutterwave Rave v2 wire answers for the stories, written from shared/research/wire-formats.md §1 and §3 (the v2
docs' timeout page and its four timeout shapes, ``LONG-REQ`` / ``REQSPONSE``, the two verify shapes, ``NO TX``,
the charge codes of the official SDKs, ``verif-hash`` webhooks) and the gateway pages of §3.

Every answer is the envelope ``{"status", "message", "data"}``. Charges and validates go out with
``?use_polling=1``, so a long one is answered ``LONG-REQ`` and polled at its ``ping_url``; only ``v2/verify`` (by
``txref``) confirms or declines.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import msgspec

from payfold import Action, Event, Payment, WebhookReceived, Wire
from payfold.adapters import HttpRequest, flutterwave
from tests.stories._gateway_pages import GATEWAY
from tests.stories._machine import JSON, Answer, Facts, Headers, Kit, Sample, WebhookSample, weighted

CREDENTIALS: Final = flutterwave.Credentials(
    public_key="FLWPUBK_TEST-stories0123456789abcdef-X",
    secret_key="FLWSECK_TEST-stories0123456789abcdef-X",
    base_url="https://ravesandboxapi.flutterwave.test",
)
WEBHOOK_HASH: Final = "stories-verif-hash"
PING: Final = "https://ravesandboxapi.flutterwave.test/flwv3-pug/getpaidx/api/requests/RCORE_CHREQ_{ref}"


def _json(value: Any) -> bytes:
    return msgspec.json.encode(value)


def _answer(ok: bool, message: str, data: Any, http: int = 200) -> Answer:
    """An envelope answer: ``status`` is ``success`` or ``error``."""
    envelope = {"status": "success" if ok else "error", "message": message, "data": data}
    return Answer(status=http, body=_json(envelope), headers=JSON)


def _more(facts: Facts) -> str:
    return Facts(facts.reference, facts.amount + 100, facts.currency, facts.provider_ref).amount_text


def _other_currency(currency: str) -> str:
    return "GHS" if currency != "GHS" else "NGN"


def charge_tx(facts: Facts, **fields: Any) -> dict[str, Any]:
    """A charge transaction in Rave's camelCase charge shape (``data`` of a charge or validate answer)."""
    tx: dict[str, Any] = {
        "id": 71001,
        "txRef": facts.reference,
        "flwRef": facts.provider_ref,
        "orderRef": f"URF_{facts.provider_ref}",
        "amount": facts.amount_text,
        "charged_amount": facts.amount_text,
        "appfee": 0,
        "currency": facts.currency,
        "narration": "payfold stories",
        "paymentType": "card",
        "createdAt": "2026-03-02T08:00:01.000Z",
    }
    tx.update(fields)
    return tx


def verify_flat(facts: Facts, status: str, **fields: Any) -> dict[str, Any]:
    """Verify shape A: flat lower-case keys (``txref, flwref, currency, chargecode``)."""
    data: dict[str, Any] = {
        "txid": 9911,
        "txref": facts.reference,
        "flwref": facts.provider_ref,
        "amount": facts.amount_text,
        "currency": facts.currency,
        "chargedamount": facts.amount_text,
        "appfee": 0,
        "chargecode": "00" if status == "successful" else "02" if "pending" in status else "RR",
        "chargemessage": "Approved" if status == "successful" else "pending" if "pending" in status else "Declined",
        "authmodel": "PIN",
        "status": status,
        "paymenttype": "card",
        "custemail": "buyer@shop.test",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def verify_snake(facts: Facts, status: str, **fields: Any) -> dict[str, Any]:
    """Verify shape B: snake_case with ``flwMeta.chargeResponse`` and ``transaction_currency``."""
    code = "00" if status == "successful" else "02" if "pending" in status else "RR"
    data: dict[str, Any] = {
        "id": 9912,
        "tx_ref": facts.reference,
        "flw_ref": facts.provider_ref,
        "status": status,
        "amount": float(facts.amount_text) if "." in facts.amount_text else int(facts.amount_text),
        "charged_amount": facts.amount_text,
        "transaction_currency": facts.currency,
        "customer.email": "buyer@shop.test",
        "flwMeta": {"chargeResponse": code, "chargeResponseMessage": "Approved" if code == "00" else "Pending"},
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def _ok(data: dict[str, Any], message: str = "Tx Fetched") -> Answer:
    return _answer(True, message, data)


def _long_req(facts: Facts, *, nested: bool = False, wait: int = 7468) -> Answer:
    inner = {
        "ping_url": PING.format(ref=facts.provider_ref),
        "message": "The request is taking too long. Please poll the ping_url to get response",
        "REQUEST": f"RCORE_CHREQ_{facts.provider_ref}",
        "wait": wait,
    }
    return _answer(True, "LONG-REQ", {"data": inner} if nested else inner)


def _reqsponse(state: str, response: Any = None, parsed: Any = None) -> Answer:
    data: dict[str, Any] = {"id": 31, "reqid": "RQ31", "status": state, "createdAt": "2026-03-02T08:00:05.000Z"}
    if response is not None:
        data["response"] = response
    if parsed is not None:
        data["response_parsed"] = parsed
    return _answer(True, "REQSPONSE", data)


def _inner(facts: Facts, code: str) -> dict[str, Any]:
    message = "Transaction in progress" if code == "02" else "Approved"
    return {"status": "success", "message": message, "data": charge_tx(facts, chargeResponseCode=code)}


_TIMEOUT_SHAPES: Final = (
    Sample(
        "FLW_ERR NR",
        lambda f: _answer(
            False,
            "Transaction timed out",
            {"code": "FLW_ERR", "message": "timeout", "err_tx": {"chargeResponseCode": "NR", "status": "failed"}},
        ),
    ),
    Sample("contact support", lambda f: _answer(False, "An error occured. Please contact support", None)),
    Sample(
        "R0 please requery",
        lambda f: _answer(
            False,
            "An error occured. Please contact support",
            {
                "responseCode": "R0",
                "responseMessage": "Please requery to confirm the status of the transaction",
                "txref": f.reference,
            },
        ),
    ),
    Sample("FLW_ERR 500", lambda f: _answer(False, "Request failed", {"code": "FLW_ERR", "message": "upstream"}, 500)),
)
_TRANSPORT: Final = (
    Sample("timeout", lambda f: Answer(status=None, error="timeout", latency=None)),
    Sample("reset", lambda f: Answer(status=None, error="reset")),
)

CHARGE: Final = weighted(
    *((1, sample) for sample in GATEWAY),
    *((2, sample) for sample in _TIMEOUT_SHAPES),
    *((1, sample) for sample in _TRANSPORT),
    (1, Sample("connect", lambda f: Answer(status=None, error="connect"))),
    (
        2,
        Sample(
            "00 charge complete",
            lambda f: _ok(
                charge_tx(f, chargeResponseCode="00", authModelUsed="NOAUTH", status="successful"), "Charge Complete"
            ),
        ),
    ),
    (
        4,
        Sample(
            "02 pin otp",
            lambda f: _ok(
                charge_tx(
                    f,
                    chargeResponseCode="02",
                    chargeResponseMessage="Success-Pending-otp-validation",
                    authModelUsed="PIN",
                    authurl="N/A",
                    status="success-pending-validation",
                ),
                "V-COMP",
            ),
        ),
    ),
    (
        2,
        Sample(
            "02 account auth otp",
            lambda f: _ok(
                charge_tx(
                    f,
                    chargeResponseCode="02",
                    chargeResponseMessage="Pending OTP validation",
                    authModelUsed="AUTH",
                    authurl="NO-URL",
                    paymentType="account",
                    validateInstructions={"valparams": ["OTP"], "instruction": "Please validate with the OTP"},
                ),
                "V-COMP",
            ),
        ),
    ),
    (
        1,
        Sample(
            "02 3ds redirect",
            lambda f: _ok(
                charge_tx(
                    f,
                    chargeResponseCode="02",
                    authModelUsed="VBVSECURECODE",
                    authurl=f"https://ravesandbox.flutterwave.test/mockvbvpage?ref={f.provider_ref}",
                    status="success-pending-validation",
                ),
                "V-COMP",
            ),
        ),
    ),
    (
        1,
        Sample(
            "02 mobile money",
            lambda f: _ok(
                charge_tx(f, chargeResponseCode="02", authModelUsed="MOBILEMONEY", status="pending"), "V-COMP"
            ),
        ),
    ),
    (
        1,
        Sample(
            "m-pesa pending",
            lambda f: _ok(charge_tx(f, flwRef="N/A", status="pending", business_number="340340"), "Charge initiated"),
        ),
    ),
    (1, Sample("auth suggestion pin", lambda f: _answer(True, "AUTH_SUGGESTION", {"suggested_auth": "PIN"}))),
    (
        1,
        Sample(
            "auth suggestion avs", lambda f: _answer(True, "AUTH_SUGGESTION", {"suggested_auth": "AVS_VBVSECURECODE"})
        ),
    ),
    (1, Sample("RR failed", lambda f: _ok(charge_tx(f, chargeResponseCode="RR", status="failed"), "Charge Complete"))),
    (
        1,
        Sample(
            "400 BIN_ERR", lambda f: _answer(False, "Card not supported", {"code": "BIN_ERR", "message": "bin"}, 400)
        ),
    ),
    (
        1,
        Sample(
            "400 token expired",
            lambda f: _answer(False, "Token expired", {"code": "ERR", "message": "Token expired"}, 400),
        ),
    ),
    (1, Sample("401 bad key", lambda f: _answer(False, "Invalid secret key passed", None, 401))),
    (2, Sample("429 retry-after 3", lambda f: Answer(status=429, body=b"", headers=(("retry-after", "3"),)))),
    (1, Sample("404 not found", lambda f: _answer(False, "Not found", None, 404))),
    (1, Sample("500 error json", lambda f: _answer(False, "Internal server error", None, 500))),
    (1, Sample("200 error json", lambda f: _answer(False, "Something went wrong", {"code": "ERR"}))),
    (1, Sample("200 unrecognised", lambda f: _answer(True, "Done", {"weird": True}))),
    (3, Sample("LONG-REQ", lambda f: _long_req(f))),
    (1, Sample("LONG-REQ nested, no wait", lambda f: _long_req(f, nested=True, wait=0))),
    (1, Sample("LONG-REQ without ping_url", lambda f: _answer(True, "LONG-REQ", {"wait": 100}))),
)

VALIDATE: Final = weighted(
    (1, GATEWAY[0]),
    (1, GATEWAY[3]),
    *((1, sample) for sample in _TIMEOUT_SHAPES[:2]),
    *((1, sample) for sample in _TRANSPORT),
    (1, Sample("connect", lambda f: Answer(status=None, error="connect"))),
    (
        3,
        Sample(
            "card validate 00",
            lambda f: _answer(
                True,
                "Charge Complete",
                {
                    "data": {"responsecode": "00", "responsemessage": "successful"},
                    "tx": charge_tx(f, chargeResponseCode="00", status="successful"),
                },
            ),
        ),
    ),
    (
        1,
        Sample(
            "account validate 00",
            lambda f: _ok(charge_tx(f, chargeResponseCode="00", acctvalrespcode="00"), "Charge Complete"),
        ),
    ),
    (
        2,
        Sample(
            "400 wrong otp",
            lambda f: _answer(False, "Invalid OTP", {"code": "ERR", "message": "OTP is incorrect"}, 400),
        ),
    ),
    (1, Sample("429", lambda f: Answer(status=429, body=b"", headers=(("retry-after", "2"),)))),
    (1, Sample("LONG-REQ", lambda f: _long_req(f))),
)

POLL: Final = weighted(
    *((1, sample) for sample in GATEWAY[:4]),
    *((1, sample) for sample in _TRANSPORT),
    (4, Sample("REQSPONSE pending", lambda f: _reqsponse("pending"))),
    (
        2,
        Sample(
            "REQSPONSE completed 00",
            lambda f: _reqsponse("completed", _json(_inner(f, "00")).decode(), _inner(f, "00")),
        ),
    ),
    (1, Sample("REQSPONSE completed 02", lambda f: _reqsponse("completed", _json(_inner(f, "02")).decode()))),
    (1, Sample("REQSPONSE completed, broken response", lambda f: _reqsponse("completed", '{"status":"success","da'))),
    (1, Sample("REQSPONSE completed, parsed only", lambda f: _reqsponse("completed", parsed=_inner(f, "00")))),
    (1, Sample("500 error json", lambda f: _answer(False, "Internal server error", None, 500))),
    (1, Sample("404 error json", lambda f: _answer(False, "Request not found", None, 404))),
    (1, Sample("200 other message", lambda f: _answer(True, "OK", {"status": "pending"}))),
)

REQUERY: Final = weighted(
    *((1, sample) for sample in GATEWAY),
    *((1, sample) for sample in _TRANSPORT),
    (1, Sample("500 error json", lambda f: _answer(False, "Internal server error", None, 500))),
    (1, Sample("200 error json", lambda f: _answer(False, "Invalid secret key passed", None))),
    (1, Sample("data empty array", lambda f: _answer(True, "Tx Fetched", []))),
    (
        6,
        Sample(
            "NO TX",
            lambda f: _answer(False, "No transaction found", {"code": "NO TX", "message": "No transaction found"}, 404),
        ),
    ),
    (1, Sample("NO_TX 400", lambda f: _answer(False, "No transaction found", {"code": "NO_TX"}, 400))),
    (3, Sample("flat successful 00", lambda f: _ok(verify_flat(f, "successful")))),
    (
        2,
        Sample("snake successful 00", lambda f: _ok(verify_snake(f, "successful"), "Transaction successfully fetched")),
    ),
    (1, Sample("flat successful, no code", lambda f: _ok(verify_flat(f, "successful", chargecode=None)))),
    (
        1,
        Sample(
            "xrequery [failed, successful]",
            lambda f: _answer(True, "Tx Fetched", [verify_flat(f, "failed"), verify_flat(f, "successful")]),
        ),
    ),
    (1, Sample("successful, other amount", lambda f: _ok(verify_flat(f, "successful", amount=_more(f))))),
    (
        1,
        Sample(
            "successful, other currency",
            lambda f: _ok(verify_flat(f, "successful", currency=_other_currency(f.currency))),
        ),
    ),
    (1, Sample("successful, other txref", lambda f: _ok(verify_snake(f, "successful", tx_ref=f"{f.reference}-2")))),
    (1, Sample("successful, unreadable amount", lambda f: _ok(verify_flat(f, "successful", amount="12.3456")))),
    (1, Sample("successful, chargecode 02", lambda f: _ok(verify_flat(f, "successful", chargecode="02")))),
    (2, Sample("success-pending-validation", lambda f: _ok(verify_snake(f, "success-pending-validation")))),
    (1, Sample("pending", lambda f: _ok(verify_flat(f, "pending")))),
    (2, Sample("flat failed", lambda f: _ok(verify_flat(f, "failed")))),
    (1, Sample("snake failed", lambda f: _ok(verify_snake(f, "failed")))),
)


def _hooked(body: dict[str, Any], hash_value: str | None) -> tuple[Headers, bytes]:
    headers: Headers = JSON if hash_value is None else (*JSON, ("verif-hash", hash_value))
    return headers, _json(body)


def webhook_v2(facts: Facts, status: str, **fields: Any) -> dict[str, Any]:
    """The v2 callback: a flat body, no envelope, a dotted ``event.type`` key."""
    body: dict[str, Any] = {
        "id": 71001,
        "txRef": facts.reference,
        "flwRef": facts.provider_ref,
        "orderRef": f"URF_{facts.provider_ref}",
        "amount": facts.amount_text,
        "charged_amount": facts.amount_text,
        "status": status,
        "currency": facts.currency,
        "customer": {"id": 3001, "email": "buyer@shop.test", "phone": "N/A"},
        "entity": {"card6": "539983", "card_last4": "8381"},
        "event.type": "CARD_TRANSACTION",
    }
    body.update(fields)
    return body


WEBHOOKS: Final = (
    WebhookSample("v2 successful, signed", lambda f, s: _hooked(webhook_v2(f, "successful"), s)),
    WebhookSample("v2 failed, signed", lambda f, s: _hooked(webhook_v2(f, "failed"), s)),
    WebhookSample(
        "v3 charge.completed, signed",
        lambda f, s: _hooked(
            {
                "event": "charge.completed",
                "data": {
                    "tx_ref": f.reference,
                    "flw_ref": f.provider_ref,
                    "amount": f.amount_text,
                    "currency": f.currency,
                    "status": "successful",
                },
            },
            s,
        ),
    ),
    WebhookSample("v2 successful, forged hash", lambda f, s: _hooked(webhook_v2(f, "successful"), "forged")),
    WebhookSample("v2 successful, no hash", lambda f, s: _hooked(webhook_v2(f, "successful"), None)),
    WebhookSample("v2 other amount, signed", lambda f, s: _hooked(webhook_v2(f, "successful", amount=_more(f)), s)),
    WebhookSample("garbage, signed", lambda f, s: ((("verif-hash", s),), b"\xff\x00not json")),
)


def _request(action: Action, payment: Payment) -> HttpRequest:
    return flutterwave.request(action, payment, CREDENTIALS)


def _webhook(headers: Headers, body: bytes, secret: str, at: datetime) -> WebhookReceived:
    return flutterwave.webhook(headers, body, secret, at=at)


def _translate(wire: Wire) -> Event:
    return flutterwave.translate(wire)


KIT: Final = Kit(
    name=flutterwave.NAME,
    policy=flutterwave.POLICY,
    translate=_translate,
    request=_request,
    webhook=_webhook,
    webhook_secret=WEBHOOK_HASH,
    charge=CHARGE,
    requery=REQUERY,
    poll=POLL,
    validate=VALIDATE,
    webhooks=WEBHOOKS,
    currencies=("NGN", "GHS", "KES", "USD", "UGX"),
    details=(
        {"token": "flw-t1nf-stories-m03k", "email": "buyer@shop.test", "firstname": "Ada"},
        {"client": "c3Rvcmllcy1lbmNyeXB0ZWQtY2FyZC1ibG9i", "email": "buyer@shop.test"},
        {"token": "flw-t1nf-stories-acct", "email": "buyer@shop.test", "payment_type": "account"},
    ),
)
