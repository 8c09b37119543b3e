"""The emulated Flutterwave Rave v2 API (``/flwv3-pug/getpaidx/api``): charge, LONG-REQ + ping, verify, webhooks.

Shapes follow research/wire-formats.md §1: the ``status/message/data`` envelope, ``00`` charges (``RR`` with
``status: failed`` for a decline), ``LONG-REQ`` with ``ping_url`` and ``wait`` (ms), ``REQSPONSE`` with
``response`` as a JSON *string* and ``response_parsed``, the flat ``v2/verify`` shape, ``NO TX`` with HTTP 404,
the timeout shapes, and ``verif-hash`` webhooks with the flat v2 body.

A charge with a txRef the emulator already knows moves no money: it replays the existing transaction (``00``
once landed, ``RR`` if declined, ``02`` pending before a late landing) rather than inventing an error code Rave
does not document. The encrypted ``charge`` call is accepted with any ``client`` blob the sandbox can read:
base64 of the charge JSON (or the JSON itself), since the sandbox does not do 3DES.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Final

import msgspec

from payfold import to_minor
from payfold.adapters.sandbox._book import Book, Order
from payfold.adapters.sandbox._call import Call, Effects
from payfold.adapters.sandbox._faults import Fault, rng
from payfold.adapters.sandbox._http import Headers, Request, Response, json_response
from payfold.adapters.sandbox._keys import RaveKeys
from payfold.adapters.sandbox._rave_shapes import NO_TX, charge_answer, iso, verify_answer, webhook_body
from payfold.adapters.sandbox._signing import rave_webhook_headers

NAME: Final = "flutterwave"
API: Final = "/flwv3-pug/getpaidx/api"
_PING: Final = re.compile(rf"^{API}/ping/([0-9a-f]+)/?$")
_CONTACT_SUPPORT: Final = "An error occured. Please contact support"
_decoder: Final = msgspec.json.Decoder()
_encoder: Final = msgspec.json.Encoder()


def _error(status: int, message: str, code: str | None = None) -> Response:
    return json_response(status, {"status": "error", "message": message, "data": {"code": code, "message": message}})


class _Ping(msgspec.Struct, kw_only=True):
    reference: str
    pending: int
    answer: bytes
    created_at: datetime


class RaveEmulator:
    """Routes ``/flwv3-pug/getpaidx/api/...``; checks ``SECKEY`` (tokenized charge, verify) or ``PBFPubKey``."""

    name = NAME

    def __init__(
        self, keys: RaveKeys, *, webhook_hash: str, book: Book, clock: Callable[[], datetime], seed: int
    ) -> None:
        self.keys, self.webhook_hash = keys, webhook_hash
        self._book, self._clock, self._seed = book, clock, seed
        self._pings: dict[str, _Ping] = {}
        self._ping_counts: Counter[str] = Counter()

    # --- routing --------------------------------------------------------------------------------------------

    def route(self, request: Request) -> Call | Response | None:
        if not request.path.startswith(API + "/"):
            return None
        path = request.path[len(API) :].rstrip("/")
        polling = request.query.get("use_polling") == "1"
        ping = _PING.match(request.path)
        if ping is not None and request.method == "GET":
            return self._ping_call(ping.group(1))
        if request.method != "POST":
            return _error(405, "Method not allowed")
        body = self._json(request.body)
        if body is None:
            return _error(400, "Request body must be a JSON object")
        match path:
            case "/tokenized/charge":
                return self._secret(body) or self._charge_call(body, polling)
            case "/charge":
                return self._public(body) or self._charge_call(self._client(body), polling)
            case "/v2/verify":
                return self._secret(body) or self._verify_call(body)
        return _error(404, "Route not found")

    @staticmethod
    def _json(raw: bytes) -> dict[str, object] | None:
        try:
            value = _decoder.decode(raw)
        except msgspec.DecodeError:
            return None
        return value if isinstance(value, dict) else None

    def _secret(self, body: dict[str, object]) -> Response | None:
        given = str(body.get("SECKEY", "")).encode("utf-8", "replace")
        if hmac.compare_digest(given, self.keys.secret_key.encode()):
            return None
        return _error(401, "Invalid secret key passed", "AUTH_ERR")

    def _public(self, body: dict[str, object]) -> Response | None:
        given = str(body.get("PBFPubKey", "")).encode("utf-8", "replace")
        if hmac.compare_digest(given, self.keys.public_key.encode()):
            return None
        return _error(401, "Invalid public key passed", "AUTH_ERR")

    def _client(self, body: dict[str, object]) -> dict[str, object]:
        """The charge inside ``client``: base64 JSON or plain JSON (the sandbox's stand-in for 3DES-24)."""
        blob = body.get("client")
        if not isinstance(blob, str):
            return {}
        try:
            raw = base64.b64decode(blob, validate=True)
        except (binascii.Error, ValueError):
            raw = blob.encode("utf-8", "replace")
        return self._json(raw) or {}

    def _charge_call(self, body: dict[str, object], polling: bool) -> Call | Response:
        reference, currency = body.get("txRef"), str(body.get("currency") or "NGN")
        if not isinstance(reference, str) or not reference:
            return _error(400, "txRef is required", "VALIDATION_ERR")
        amount = to_minor(body.get("amount"), currency)
        if amount is None or amount <= 0:
            return _error(400, "Invalid amount or currency", "VALIDATION_ERR")
        return Call(NAME, "charge", reference, lambda e: self._charge(reference, amount, currency, e), polling=polling)

    def _verify_call(self, body: dict[str, object]) -> Call | Response:
        reference = body.get("txref")
        if not isinstance(reference, str) or not reference:
            return _error(400, "txref is required", "VALIDATION_ERR")
        return Call(NAME, "requery", reference, lambda _: self._verify(reference))

    def _ping_call(self, ping_id: str) -> Call | Response:
        ping = self._pings.get(ping_id)
        if ping is None:
            return json_response(404, {"status": "error", "message": "Request not found", "data": None})
        return Call(NAME, "poll", ping.reference, lambda _: self._ping(ping_id))

    # --- the origin -----------------------------------------------------------------------------------------

    def _charge(self, reference: str, amount: int, currency: str, effects: Effects) -> Response:
        now = self._clock()
        submitted = self._book.submit(
            NAME, reference, amount=amount, currency=currency, now=now, decline=effects.decline,
            landing=effects.landing,
        )  # fmt: skip
        return json_response(200, charge_answer(submitted.order, landed=submitted.order.visible(now)))

    def _verify(self, reference: str) -> Response:
        order = self._book.get(NAME, reference)
        if order is None or not order.visible(self._clock()):
            return json_response(404, NO_TX)
        return json_response(200, verify_answer(order))

    def _ping(self, ping_id: str) -> Response:
        ping = self._pings[ping_id]
        now = self._clock()
        data: dict[str, object] = {
            "id": int(rng(self._seed, ping_id).randrange(10**5, 10**6)),
            "reqid": ping_id,
            "createdAt": iso(ping.created_at),
            "updatedAt": iso(now),
            "deletedAt": None,
        }
        if ping.pending > 0:
            ping.pending -= 1
            data.update(status="pending", response=None, response_parsed=None)
        else:
            data.update(status="completed", response=ping.answer.decode(), response_parsed=_decoder.decode(ping.answer))
        return json_response(200, {"status": "success", "message": "REQSPONSE", "data": data})

    # --- the provider-made faults ---------------------------------------------------------------------------

    def server_error(self, call: Call, fault: Fault) -> Response:
        """Two of Rave's documented timeout shapes: "contact support" with ``data: null`` (HTTP 500), or ``R0``
        "Please requery" (HTTP 200)."""
        if fault.variant == 0:
            return json_response(500, {"status": "error", "message": _CONTACT_SUPPORT, "data": None})
        data = {"responseCode": "R0", "responseMessage": "Please requery to confirm the status of the transaction"}
        return json_response(
            200, {"status": "error", "message": _CONTACT_SUPPORT, "data": {**data, "txref": call.reference}}
        )

    def rate_limited(self, call: Call, fault: Fault) -> Response:
        body = {"status": "error", "message": "Too many requests, please try again later", "data": None}
        return json_response(429, body, (("retry-after", str(fault.retry_after)),))

    def landing_timeout(self, call: Call, fault: Fault) -> Response:
        """The documented ``FLW_ERR`` timeout: ``err_tx.chargeResponseCode: NR`` (no response from the issuer)."""
        err_tx = {
            "txRef": call.reference,
            "chargeResponseCode": "NR",
            "chargeResponseMessage": "No response from issuer",
            "status": "failed",
            "vbvrespcode": "NR",
        }
        data = {"code": "FLW_ERR", "message": "Transaction timed out", "err_tx": err_tx}
        return json_response(400, {"status": "error", "message": "Transaction timed out", "data": data})

    def long_request(self, call: Call, fault: Fault, answer: Response, request: Request) -> Response:
        self._ping_counts[call.reference] += 1
        nth = self._ping_counts[call.reference]
        ping_id = f"{rng(self._seed, call.reference, 'ping', nth).getrandbits(64):016x}"
        self._pings[ping_id] = _Ping(
            reference=call.reference, pending=fault.pending_polls, answer=answer.body, created_at=self._clock()
        )
        data = {
            "message": "The request is taking too long. Please poll the ping_url to get response",
            "ping_url": f"{request.base}{API}/ping/{ping_id}",
            "REQUEST": ping_id,
            "wait": 250 * fault.retry_after,
        }
        return json_response(200, {"status": "success", "message": "LONG-REQ", "data": data})

    def webhook(self, order: Order) -> tuple[Headers, bytes]:
        """The flat v2 body with the ``verif-hash`` header (research §1.7)."""
        return rave_webhook_headers(self.webhook_hash), _encoder.encode(webhook_body(order))
