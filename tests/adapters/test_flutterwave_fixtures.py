"""Rave v2 answers written for payfold's tests from the documented facts (no tests here: shared fixtures).

Each constant is named after the case it stands for. Values are made up; shapes follow the cited sources.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from payfold import Operation, Wire

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2024, 5, 1, 12, 0, 9, tzinfo=UTC)
TXREF = "PF-ORDER-1001"
FLWREF = "FLW-PF-7f3a91"
SECKEY = "FLWSECK-0123456789abcdef0123456789abcdef-X"
PUBKEY = "FLWPUBK-fedcba9876543210fedcba9876543210-X"
VISA = "4111111111111111"  # Luhn-valid test PAN

Json = dict[str, Any]


def wire(
    operation: Operation,
    status: int | None = 200,
    body: Json | list[Any] | bytes = b"",
    *,
    headers: tuple[tuple[str, str], ...] = (),
    error: str | None = None,
) -> Wire:
    """A wire answered at ``T1`` for a request sent at ``T0``; dict bodies are JSON-encoded."""
    raw = body if isinstance(body, bytes) else msgspec.json.encode(body)
    return Wire(operation=operation, sent_at=T0, received_at=T1, status=status, headers=headers, body=raw, error=error)


def _tx(**fields: Any) -> Json:
    """A charge transaction in Rave's camelCase charge shape."""
    base: Json = {
        "id": 51001,
        "txRef": TXREF,
        "flwRef": FLWREF,
        "amount": 4500,
        "charged_amount": 4562.5,
        "appfee": 62.5,
        "currency": "NGN",
        "narration": "payfold test",
        "paymentType": "card",
        "createdAt": "2024-05-01T12:00:03.000Z",
    }
    return base | fields


# --- charge answers -----------------------------------------------------------------------------------------

CHARGE_00: Json = {
    "status": "success",
    "message": "Charge Complete",
    "data": _tx(chargeResponseCode="00", authModelUsed="NOAUTH", status="successful", authurl="N/A"),
}
CHARGE_0_NUMBER: Json = {"status": "success", "message": "Charge Complete", "data": _tx(chargeResponseCode=0)}
CHARGE_02_PIN_OTP: Json = {
    "status": "success",
    "message": "V-COMP",
    "data": _tx(
        chargeResponseCode="02",
        chargeResponseMessage="Success-Pending-otp-validation",
        authModelUsed="PIN",
        authurl="N/A",
        status="success-pending-validation",
    ),
}
CHARGE_02_ACCOUNT_AUTH: Json = {
    "status": "success",
    "message": "V-COMP",
    "data": _tx(
        chargeResponseCode="02",
        authModelUsed="AUTH",
        authurl="NO-URL",
        paymentType="account",
        status="success-pending-validation",
        validateInstructions={"valparams": ["OTP"], "instruction": "Enter the OTP sent to you"},
    ),
}
CHARGE_02_3DS_REDIRECT: Json = {
    "status": "success",
    "message": "V-COMP",
    "data": _tx(
        chargeResponseCode="02",
        authModelUsed="VBVSECURECODE",
        authurl="https://ravesandboxapi.flutterwave.com/mockvbvpage?ref=FLW-PF-7f3a91&code=00",
        status="success-pending-validation",
    ),
}
CHARGE_02_MOBILEMONEY: Json = {
    "status": "success",
    "message": "V-COMP",
    "data": _tx(
        chargeResponseCode="02",
        chargeResponseMessage="pending charge processing",
        authModelUsed="MOBILEMONEY",
        authurl="NO-URL",
        currency="GHS",
        status="success-pending-validation",
    ),
}
CHARGE_02_NO_MODEL: Json = {"status": "success", "message": "V-COMP", "data": _tx(chargeResponseCode="02")}
CHARGE_02_NESTED: Json = {
    "status": "success",
    "message": "V-COMP",
    "data": {"data": {"flw_reference": FLWREF, "response_code": "x", "chargeResponseCode": "02", "authurl": "N/A"}},
}
CHARGE_MPESA_PENDING: Json = {
    "status": "success",
    "message": "V-COMP",
    "data": {
        "status": "pending",
        "authModelUsed": "VBVSECURECODE",
        "flwRef": "N/A",
        "txRef": TXREF,
        "amount": 300,
        "currency": "KES",
        "paymentType": "mpesa",
        "business_number": "637747",
    },
}
CHARGE_AUTH_SUGGESTION_PIN: Json = {
    "status": "success",
    "message": "AUTH_SUGGESTION",
    "data": {"suggested_auth": "PIN"},
}
CHARGE_AUTH_SUGGESTION_AVS: Json = {
    "status": "success",
    "message": "AUTH_SUGGESTION",
    "data": {"suggested_auth": "AVS_VBVSECURECODE"},
}
CHARGE_FAILED_RR: Json = {
    "status": "success",
    "message": "V-COMP",
    "data": _tx(chargeResponseCode="RR", chargeResponseMessage="Insufficient funds", status="failed"),
}
CHARGE_ERROR_BIN: Json = {
    "status": "error",
    "message": "BIN not Found",
    "data": {"code": "BIN_ERR", "message": "BIN not Found"},
}
CHARGE_ERROR_CARDNO_REQUIRED: Json = {"status": "error", "message": "Cardno is required", "data": None}
CHARGE_ERROR_EMPTY_DATA: Json = {"status": "error", "message": "accountnumber is required", "data": {}}
LONG_REQ: Json = {
    "status": "success",
    "message": "LONG-REQ",
    "data": {
        "ping_url": "https://api.ravepay.co/flwv3-pug/getpaidx/api/requests/RCORE_CHREQ_PF0001",
        "message": "The request is taking too long. Please poll the ping_url to get response",
        "REQUEST": "RCORE_CHREQ_PF0001",
        "wait": 7468,
    },
}
LONG_REQ_NESTED: Json = {
    "status": "success",
    "message": "LONG-REQ",
    "data": {"data": {"ping_url": "https://api.ravepay.co/ping/RQ2", "reqid": "RQ2", "wait": "1500"}},
}

# --- the four documented timeout shapes ------------------------------------------------------------------------

TIMEOUT_FLW_ERR_NR: Json = {
    "status": "error",
    "message": "No Message",
    "data": {
        "code": "FLW_ERR",
        "message": "No Message",
        "err_tx": {"id": 90017, "chargeResponseCode": "NR", "status": "failed", "charged_amount": 4500.0},
    },
}
TIMEOUT_CONTACT_SUPPORT: Json = {"status": "error", "data": None, "message": "An error occured. Please contact support"}
TIMEOUT_R0_REQUERY: Json = {
    "status": "error",
    "data": {"responseCode": "R0", "responseMessage": "Please requery to confirm the status", "txref": TXREF},
    "message": "An error occured. Please contact support",
}
TIMEOUT_NGINX_503 = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx/1.16.1</center>\r\n"
    b"</body>\r\n</html>\r\n"
)

# --- validate answers -------------------------------------------------------------------------------------------

VALIDATE_CARD_00: Json = {
    "status": "success",
    "message": "Charge Complete",
    "data": {
        "data": {"responsecode": "00", "responsemessage": "successful"},
        "tx": _tx(chargeResponseCode="00", status="successful", chargeToken={"embed_token": "flw-t1-pf"}),
    },
}
VALIDATE_ACCOUNT_00: Json = {
    "status": "success",
    "message": "Charge Complete",
    "data": _tx(chargeResponseCode="00", acctvalrespcode="00", status="successful", paymentType="account"),
}
VALIDATE_WRONG_OTP: Json = {"status": "error", "message": "Invalid OTP supplied", "data": {"code": "OTP_ERR"}}

# --- polling ----------------------------------------------------------------------------------------------------

_INNER = {
    "data": {"flw_reference": FLWREF, "amount": "45.00"},
    "response_code": "02",
    "response_message": "In progress",
}
POLL_PENDING: Json = {
    "status": "success",
    "message": "REQSPONSE",
    "data": {"id": 7, "reqid": "RQ1", "status": "pending"},
}
POLL_COMPLETED: Json = {
    "status": "success",
    "message": "REQSPONSE",
    "data": {
        "id": 7,
        "reqid": "RQ1",
        "status": "completed",
        "response": msgspec.json.encode(_INNER).decode(),
        "response_parsed": _INNER,
    },
}
POLL_COMPLETED_BROKEN: Json = {
    "status": "success",
    "message": "REQSPONSE",
    "data": {"id": 7, "reqid": "RQ1", "status": "completed", "response": '{"data": {"flw_ref', "response_parsed": None},
}

# --- requery (verify) answers -------------------------------------------------------------------------------------


def verify_flat(**fields: Any) -> Json:
    """``/v2/verify`` in the flat lower-case shape (the v2 docs' sample keys)."""
    data: Json = {
        "txid": 51001,
        "txref": TXREF,
        "flwref": FLWREF,
        "amount": 4500,
        "currency": "NGN",
        "chargedamount": 4562.5,
        "appfee": 62.5,
        "chargecode": "00",
        "chargemessage": "Approved",
        "authmodel": "PIN",
        "status": "successful",
        "vbvcode": "00",
        "custemail": "buyer@example.com",
    }
    return {"status": "success", "message": "Tx Fetched", "data": data | fields}


def verify_snake(**fields: Any) -> Json:
    """``/v2/verify`` in the snake_case shape with ``flwMeta`` and dotted ``customer.*`` keys."""
    data: Json = {
        "id": 51001,
        "tx_ref": TXREF,
        "flw_ref": FLWREF,
        "status": "successful",
        "amount": "4500.00",
        "appfee": 62.5,
        "charged_amount": "4562.50",
        "transaction_currency": "NGN",
        "payment_entity": "card",
        "customer.id": 3001,
        "customer.email": "buyer@example.com",
        "flwMeta": {"chargeResponse": "00", "chargeResponseMessage": "Approved"},
    }
    return {"status": "Transaction successfully fetched", "message": "Tx Fetched", "data": data | fields}


VERIFY_NO_TX: Json = {
    "status": "error",
    "message": "No transaction found",
    "data": {"code": "NO TX", "message": "none"},
}
VERIFY_NO_UNDERSCORE_TX: Json = {"status": "error", "message": "No transaction found", "data": {"code": "NO_TX"}}

# --- webhooks -----------------------------------------------------------------------------------------------------

WEBHOOK_V2_FLAT: Json = {
    "id": 51001,
    "txRef": TXREF,
    "flwRef": FLWREF,
    "amount": 4500,
    "charged_amount": 4562.5,
    "status": "successful",
    "currency": "NGN",
    "customer": {"id": 3001, "email": "buyer@example.com"},
    "entity": {"card6": "411111", "card_last4": "1111"},
    "event.type": "CARD_TRANSACTION",
}
WEBHOOK_V3_ENVELOPE: Json = {
    "event": "charge.completed",
    "data": {"id": 51001, "tx_ref": TXREF, "flw_ref": FLWREF, "amount": 4500, "currency": "NGN", "status": "failed"},
    "event.type": "CARD_TRANSACTION",
}
