"""A declarative adapter for the "payment reference number API" family: JSON REST providers that take a charge
for a merchant reference and answer status queries by that reference.

A ``ReferenceApiSpec`` says where things live (dotted paths, first match wins) and which values mean what;
``GenericAdapter(spec)`` exposes the same members as a provider module (``translate``, ``request``, ``webhook``,
``POLICY``, ``Credentials``, ``NAME``), so the runner and ``AdapterContract`` treat it like any other adapter.
``MessageRule`` rows read outcomes from message text (or any text at a path) on the statuses where that is safe:
a message alone never turns an ambiguous answer into a verdict (the table is in ``_rules``).

Three example specs ship: ``EXAMPLE_SPEC`` describes an **invented** provider that shows every knob (there is no
public wire format for the "CGI payment reference number API" of source (c), shared/research/wire-formats.md
§4); ``PAYSTACK_LIKE_SPEC`` and ``RAZORPAY_LIKE_SPEC`` are written from those providers' public docs. Gateway
pages (nginx, Cloudflare, ALB, empty, HTML, a proxy's 3xx) are always ambiguous on a charge, a Cloudflare 522
too: requery first, and the not-found rule decides any resend.

Modules: ``_spec`` (the spec, rules and credentials), ``_rules`` (what a rule may conclude, and from which
statuses), ``_answers`` (the charge and requery tables), ``_adapter`` (``GenericAdapter``), ``_example``,
``_paystack`` and ``_razorpay`` (the example specs).
"""

from __future__ import annotations

from payfold.adapters.generic._adapter import GenericAdapter, adapter_for
from payfold.adapters.generic._example import EXAMPLE_SPEC, example
from payfold.adapters.generic._paystack import PAYSTACK_LIKE_SPEC, paystack_like
from payfold.adapters.generic._razorpay import RAZORPAY_LIKE_SPEC, razorpay_like
from payfold.adapters.generic._rules import RuleOutcome
from payfold.adapters.generic._spec import (
    Credentials,
    MessageRule,
    ReferenceApiCredentials,
    ReferenceApiSpec,
    WebhookDigest,
)

__all__ = [
    "EXAMPLE_SPEC",
    "PAYSTACK_LIKE_SPEC",
    "RAZORPAY_LIKE_SPEC",
    "Credentials",
    "GenericAdapter",
    "MessageRule",
    "ReferenceApiCredentials",
    "ReferenceApiSpec",
    "RuleOutcome",
    "WebhookDigest",
    "adapter_for",
    "example",
    "paystack_like",
    "razorpay_like",
]
