"""The emulated Tranzzo API v1: create a payment, read an order's transactions, sign webhooks.

Shapes follow research/wire-formats.md §2: ``X-API-AUTH: CPAY key:secret`` and ``X-API-KEY`` (else 401), ``POST
/api/v1/payment`` answering the operation JSON (``P-409`` for an order_id it already knows, whatever became of
it), ``GET /api/v1/pos/{pos_id}/orders/{order_id}`` answering an array of the order's transactions or
Tranzzo's own ``{message, args}`` 404, and form webhooks ``data`` + ``signature``.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Final
from urllib.parse import unquote

import msgspec

from payfold import CURRENCY_EXPONENTS, to_minor
from payfold.adapters.sandbox._book import Book, Order
from payfold.adapters.sandbox._call import Call, Effects
from payfold.adapters.sandbox._faults import Fault, rng
from payfold.adapters.sandbox._http import Headers, Request, Response, json_response
from payfold.adapters.sandbox._keys import TranzzoKeys
from payfold.adapters.sandbox._signing import tranzzo_webhook

NAME: Final = "tranzzo"
DUPLICATE: Final = "P-409"
"""``args.code`` of Tranzzo's answer to a create whose ``order_id`` it already knows (research §2.2)."""
_STATUS_PATH: Final = re.compile(r"^/api/v1/pos/([^/]+)/orders/([^/]+)/?$")
_UNREGISTERED: Final = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)
_decoder: Final = msgspec.json.Decoder()


def decimal_number(amount: int, currency: str) -> int | float:
    """Minor units as the JSON number a provider sends (``4500`` or ``45.5``; floats print their shortest repr)."""
    value = Decimal(amount).scaleb(-CURRENCY_EXPONENTS[currency])
    return int(value) if value == value.to_integral_value() else float(value)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class TranzzoEmulator:
    """Routes ``/api/v1/...``; ``origin`` handlers touch the book only when the sandbox lets a request through."""

    name = NAME

    def __init__(self, keys: TranzzoKeys, *, book: Book, clock: Callable[[], datetime], seed: int):
        self.keys = keys
        self._book, self._clock, self._seed = book, clock, seed

    # --- routing --------------------------------------------------------------------------------------------

    def route(self, request: Request) -> Call | Response | None:
        if request.path == "/health" and request.method == "GET":
            return Response(status=200, headers=(("content-type", "text/plain"),), body=b"OK")
        if not request.path.startswith("/api/v1/"):
            return None
        denied = self._auth(request)
        if denied is not None:
            return denied
        if request.path.rstrip("/") == "/api/v1/payment" and request.method == "POST":
            return self._create(request)
        match = _STATUS_PATH.match(request.path)
        if match is not None and request.method == "GET":
            pos_id, order_id = unquote(match.group(1)), unquote(match.group(2))
            if not hmac.compare_digest(pos_id.encode(), self.keys.pos_id.encode()):
                return json_response(401, {"message": "Invalid pos_id field or credentials", "args": {"code": "S-401"}})
            return Call(NAME, "requery", order_id, lambda _: self._status(order_id))
        return json_response(404, {"code": 5, "message": "Method does not exist.", "details": []})

    def _auth(self, request: Request) -> Response | None:
        key = request.header("x-api-key")
        if not key:
            return json_response(401, {"code": 16, "message": _UNREGISTERED, "details": []})
        c = self.keys
        expected = f"CPAY {c.api_key}:{c.api_secret}"
        auth_ok = hmac.compare_digest(request.header("x-api-auth").encode(), expected.encode())
        if not (auth_ok and hmac.compare_digest(key.encode(), c.endpoints_key.encode())):
            return json_response(401, {"message": "Invalid pos_id field or credentials", "args": {"code": "S-401"}})
        return None

    def _create(self, request: Request) -> Call | Response:
        try:
            body = _decoder.decode(request.body)
        except msgspec.DecodeError:
            body = None
        if not isinstance(body, dict):
            return json_response(400, {"message": "Request body is not a JSON object", "args": {"code": "V-400"}})
        violations = [
            {"field_name": name, "violation": "must not be empty"}
            for name in ("pos_id", "amount", "currency", "order_id")
            if not isinstance(body.get(name), str) or not body[name]
        ]
        currency, order_id = str(body.get("currency", "")), str(body.get("order_id", ""))
        amount = to_minor(body.get("amount"), currency) if not violations else None
        if not violations and (amount is None or amount <= 0):
            violations.append({"field_name": "amount", "violation": "must be positive with at most 2 decimals"})
        if body.get("method", "purchase") != "purchase":
            violations.append({"field_name": "method", "violation": "only purchase is emulated"})
        if violations or amount is None:
            return json_response(400, {"message": "Validation failed", "args": violations})
        if body["pos_id"] != self.keys.pos_id:
            return json_response(401, {"message": "Invalid pos_id field or credentials", "args": {"code": "S-401"}})
        details = {"mode": str(body.get("mode", "hosted")), "base": request.base}
        return Call(
            NAME, "charge", order_id, lambda effects: self._charge(order_id, amount, currency, effects, details)
        )

    # --- the origin -----------------------------------------------------------------------------------------

    def _charge(self, order_id: str, amount: int, currency: str, effects: Effects, details: dict[str, str]) -> Response:
        now = self._clock()
        submitted = self._book.submit(
            NAME, order_id, amount=amount, currency=currency, now=now, decline=effects.decline,
            landing=effects.landing, details=details,
        )  # fmt: skip
        if not submitted.created:
            message = f"Order with order_id {order_id} already exists"
            return json_response(400, {"message": message, "args": {"code": DUPLICATE}})
        operation = self.operation(submitted.order, now=now)
        if details["mode"] == "hosted":
            # The emulated customer pays on the page at once: the order is charged, the answer is Tranzzo's.
            url = f"{details['base']}/h/{submitted.order.payment_id}"
            return json_response(200, {**operation, "status": "init", "status_code": 1001, "redirect_url": url})
        return json_response(200, operation)

    def _status(self, order_id: str) -> Response:
        order = self._book.get(NAME, order_id)
        now = self._clock()
        if order is None or not order.visible(now):
            return json_response(404, {"message": "Order not found", "args": {"order_id": order_id}})
        return json_response(200, [self.operation(order, now=now)])

    def operation(self, order: Order, *, now: datetime) -> dict[str, object]:
        """The transaction as Tranzzo reports it (status API, create answer, webhook ``data``)."""
        success = order.outcome == "success"
        return {
            "payment_id": order.payment_id,
            "transaction_id": order.provider_ref,
            "order_id": order.reference,
            "pos_id": self.keys.pos_id,
            "mode": order.details.get("mode", "hosted"),
            "method": "purchase",
            "amount": decimal_number(order.amount, order.currency),
            "currency": order.currency,
            "status": "success" if success else "failure",
            "status_code": 1000 if success else 2122,
            "status_description": "Transaction is successful" if success else "Declined by issuer",
            "created_at": _iso(order.created_at),
            "processing_time": _iso(max(order.visible_from, order.created_at)),
        }

    # --- the provider-made faults ---------------------------------------------------------------------------

    def server_error(self, call: Call, fault: Fault) -> Response:
        error_id = f"{rng(self._seed, call.reference, call.operation, 'error_id').getrandbits(64):016x}"
        return json_response(500, {"message": "Internal server error", "args": {"error_id": error_id}})

    def rate_limited(self, call: Call, fault: Fault) -> Response:
        headers = (("retry-after", str(fault.retry_after)),)
        return json_response(429, {"message": "Too many requests", "args": {"code": "R-429"}}, headers)

    def landing_timeout(self, call: Call, fault: Fault) -> Response:
        """Google Endpoints' DEADLINE_EXCEEDED: "may be returned even if the operation has completed"."""
        return json_response(504, {"code": 4, "message": "upstream request timeout", "details": []})

    def long_request(self, call: Call, fault: Fault, answer: Response, request: Request) -> Response:
        return answer  # Tranzzo has no long requests (the fault is never drawn for it)

    def webhook(self, order: Order) -> tuple[Headers, bytes]:
        """Form fields ``data`` (base64url JSON, padding kept) and ``signature`` (research §2.6)."""
        return tranzzo_webhook(msgspec.json.encode(self.operation(order, now=order.visible_from)), self.keys.api_secret)
