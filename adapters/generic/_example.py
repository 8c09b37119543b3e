"""``EXAMPLE_SPEC``: an **invented** reference-number provider that shows every knob of ``ReferenceApiSpec``.

There is no public wire format for the "CGI payment reference number API" of source (c) (see
shared/research/wire-formats.md §4), so this provider is made up and labelled as such.
"""

from __future__ import annotations

from typing import Final

from payfold.adapters.generic._adapter import GenericAdapter
from payfold.adapters.generic._spec import ReferenceApiSpec

EXAMPLE_SPEC: Final = ReferenceApiSpec(
    name="example-refnum",
    base_url="https://api.refnum.example",
    charge_path="/v1/payments",
    status_path="/v1/payments/{reference}",
    reference_field="reference",
    amount_field="amount",
    currency_field="currency",
    status_paths=("payment.status", "status"),
    provider_ref_paths=("payment.id", "id"),
    reference_paths=("payment.reference", "reference"),
    amount_paths=("payment.amount.value", "payment.amount"),
    currency_paths=("payment.amount.currency", "payment.currency"),
    redirect_paths=("payment.next_action.url", "payment.redirect_url"),
    error_code_paths=("error.code",),
    error_message_paths=("error.message", "message"),
    success=frozenset(("succeeded", "success")),
    failure=frozenset(("failed", "declined")),
    pending=frozenset(("pending", "processing", "requires_action")),
    not_found=frozenset(("payment_not_found",)),
    duplicate=frozenset(("duplicate_reference",)),
)
"""An **invented** reference-number provider (no public one exists, see the module docstring), answering::

    {"payment": {"id": "pm_1", "reference": "order-1", "status": "succeeded",
                 "amount": {"value": "4500.00", "currency": "NGN"}}}
    {"error": {"code": "payment_not_found", "message": "No payment with this reference"}}   (HTTP 404)
"""

example: Final = GenericAdapter(EXAMPLE_SPEC)
"""The adapter for ``EXAMPLE_SPEC``."""
