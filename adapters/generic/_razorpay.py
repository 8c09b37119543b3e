"""``RAZORPAY_LIKE_SPEC``: a ``ReferenceApiSpec`` for an API shaped like Razorpay's Orders API.

Written from Razorpay's public documentation (Orders: entity, create, fetch all; "About Errors"; webhook
validation); it is an example of the spec, not a supported Razorpay integration, and nothing here was run
against Razorpay itself. Check each fact against the current docs before relying on it. The facts used:

- ``POST /v1/orders`` takes ``amount`` (an integer in the currency's smallest sub-unit: paise for INR; yen as
  they are; three-decimal currencies in thousandths ending in 0), ``currency`` and ``receipt`` (the merchant's
  reference, at most 40 characters), and answers the order entity: ``{"id": "order_…", "entity": "order",
  "amount": 50000, "amount_paid": 0, "amount_due": 50000, "currency": "INR", "receipt": "…", "status":
  "created", "attempts": 0, …}``. An order moves no money: the customer pays it in Razorpay Checkout, with the
  order id (``ChargeAccepted.provider_ref``).
- ``GET /v1/orders?receipt=…`` answers a collection, ``{"entity": "collection", "count": 1, "items": [order,
  …]}``; an unknown receipt gives ``"count": 0``.
- An order's ``status`` is ``created`` (no payment attempted), ``attempted`` (a payment was attempted and none
  captured yet; a customer whose payment failed may retry on the same order) or ``paid`` (a payment was
  captured; it stays ``paid`` even after a refund). A payment entity's ``status`` is ``created``,
  ``authorized``, ``captured``, ``refunded`` or ``failed``.
- Successful answers are HTTP 200; errors are ``{"error": {"code": "BAD_REQUEST_ERROR", "description": "…",
  "field", "source", "step", "reason", "metadata"}}`` (``SERVER_ERROR`` and ``GATEWAY_ERROR`` on 5xx).
- Requests use HTTP Basic authentication with the key id and key secret: pass
  ``base64("<key_id>:<key_secret>")`` as ``ReferenceApiCredentials.api_key``.
- Webhooks carry ``X-Razorpay-Signature``: the hex HMAC-SHA256 of the raw body under the webhook secret (not
  the API key secret).

Choices a payments engineer would expect, and why:

- Not found is ``"count": 0`` on a 200, read by a rule on the ``count`` field (``equals="0"``): the spec's
  rules read any text at any path, not only messages.
- ``paid`` (and a payment's ``captured``) is success, confirmed with ``amount_paid``: the money that moved, not
  the amount asked. ``created``, ``attempted`` and ``authorized`` are pending: an attempted order may still be
  paid, and an authorized payment is not captured. ``failed`` (a payment entity's) is a decline; an order itself
  never fails, so an order whose payments all failed stays pending until the deadline review.
- Razorpay does not refuse a repeated ``receipt`` (its own "fetch all" example lists two orders with the same
  one), so there is no duplicate to declare. A resent order creation makes a second order, which moves no money
  by itself; the status call reads the first order listed, and a payment on another one waits for the deadline
  review.
"""

from __future__ import annotations

from typing import Final

from payfold.adapters.generic._adapter import GenericAdapter
from payfold.adapters.generic._spec import MessageRule, ReferenceApiSpec

RAZORPAY_LIKE_SPEC: Final = ReferenceApiSpec(
    name="razorpay-like",
    base_url="https://api.razorpay.com",
    charge_path="/v1/orders",
    status_path="/v1/orders?receipt={reference}",
    reference_field="receipt",
    amount_in_minor_units=True,
    detail_fields=(),
    auth_value="Basic {api_key}",
    status_paths=("items.0.status", "status"),
    provider_ref_paths=("items.0.id", "id"),
    reference_paths=("items.0.receipt", "receipt"),
    amount_paths=("items.0.amount_paid", "amount_paid"),
    currency_paths=("items.0.currency", "currency"),
    redirect_paths=(),
    error_code_paths=("error.code",),
    error_message_paths=("error.description",),
    success=frozenset(("paid", "captured")),
    failure=frozenset(("failed",)),
    pending=frozenset(("created", "attempted", "authorized")),
    not_found=frozenset(),
    duplicate=frozenset(),
    message_rules=(MessageRule(outcome="requery_not_found", equals="0", status=200, paths=("count",)),),
    rejected_statuses=frozenset((400, 401)),
    webhook_signature_header="x-razorpay-signature",
)
"""A Razorpay-shaped provider: create an order for a receipt, find it again by receipt, errors in ``error``."""

razorpay_like: Final = GenericAdapter(RAZORPAY_LIKE_SPEC)
"""The adapter for ``RAZORPAY_LIKE_SPEC``."""
