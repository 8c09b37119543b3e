"""``PAYSTACK_LIKE_SPEC``: a ``ReferenceApiSpec`` for an API shaped like Paystack's transaction API.

Written from Paystack's public documentation (API reference "Transactions", the "Verify payments" guide, the
transaction error list, the webhook guide) and public SDK sources; it is an example of the spec, not a
supported Paystack integration, and nothing here was run against Paystack itself.
Check each fact against the current docs before relying on it. The facts used:

- ``POST /transaction/initialize`` takes ``email``, ``amount`` (in the currency's subunit: kobo, pesewas,
  cents), ``currency``, ``reference`` (letters, digits, ``-``, ``.``, ``=``) and ``callback_url``, and answers
  ``{"status": true, "message": "Authorization URL created", "data": {"authorization_url":
  "https://checkout.paystack.com/…", "access_code": "…", "reference": "…"}}``: no payment status, a page for the
  customer (hence ``redirect_without_status``).
- ``GET /transaction/verify/:reference`` answers ``{"status": true, "message": "Verification successful",
  "data": {"id": 4099260516, "status": "success", "reference": "…", "amount": 450000, "currency": "NGN",
  "gateway_response": "Successful", …}}``. ``data.status`` is one of ``abandoned`` (the customer has not
  completed the transaction), ``failed``, ``ongoing`` (waiting on the customer: an OTP, a transfer), ``pending``,
  ``processing`` (pending, for direct debit), ``queued`` (bulk charges), ``reversed`` (refunded or charged back)
  and ``success``.
- Errors are ``{"status": false, "message": "…"}`` with a 4xx and no code: initializing with a reference already
  used answers 400 ``"Duplicate Transaction Reference"``; verifying an unknown reference answers 400
  ``"Transaction reference not found"``.
- Webhooks carry ``x-paystack-signature``: the hex HMAC-SHA512 of the raw body under the secret key. (Paystack's
  newer snippets also show a timestamped ``t=…,v1=…`` header; that form is not modelled here.)

Choices a payments engineer would expect, and why:

- The duplicate and not-found answers are read from the message (``message_rules``), since Paystack sends no
  code: the duplicate becomes ``charge_duplicate`` (requery; never ``charge_rejected``, which would fail a payment
  that may be paid), the not-found ``requery_not_found`` (it counts toward the not-found rule; it is no proof of
  "never charged" on its own). Any other 4xx error on a charge stays a rejection, as before.
- ``abandoned`` is pending, not failed: the customer may still pay on the same checkout page, so only the
  deadline review ends it. ``reversed`` is left unmapped: money moved and came back, a case for a person
  (``requery_failed`` until the deadline review). ``failed`` is a decline, the one failure status Paystack names.
- Amounts are minor units both ways (``amount_in_minor_units``), as Paystack documents them.
"""

from __future__ import annotations

from typing import Final

from payfold.adapters.generic._adapter import GenericAdapter
from payfold.adapters.generic._spec import MessageRule, ReferenceApiSpec

PAYSTACK_LIKE_SPEC: Final = ReferenceApiSpec(
    name="paystack-like",
    base_url="https://api.paystack.co",
    charge_path="/transaction/initialize",
    status_path="/transaction/verify/{reference}",
    amount_in_minor_units=True,
    detail_fields=("email", "callback_url"),
    status_paths=("data.status",),
    provider_ref_paths=("data.id", "data.access_code"),
    reference_paths=("data.reference",),
    amount_paths=("data.amount",),
    currency_paths=("data.currency",),
    redirect_paths=("data.authorization_url",),
    redirect_without_status=True,
    error_code_paths=(),
    error_message_paths=("message",),
    success=frozenset(("success",)),
    failure=frozenset(("failed",)),
    pending=frozenset(("abandoned", "ongoing", "pending", "processing", "queued")),
    not_found=frozenset(),
    duplicate=frozenset(),
    message_rules=(
        MessageRule(outcome="charge_duplicate", contains="duplicate transaction reference"),
        MessageRule(outcome="requery_not_found", contains="transaction reference not found"),
    ),
    webhook_signature_header="x-paystack-signature",
    webhook_digest="sha512",
)
"""A Paystack-shaped provider: initialize (a checkout page), verify by reference, errors by message only."""

paystack_like: Final = GenericAdapter(PAYSTACK_LIKE_SPEC)
"""The adapter for ``PAYSTACK_LIKE_SPEC``."""
