"""The declarative description of a reference-number provider: ``ReferenceApiSpec``, its ``MessageRule`` rows,
and the credentials its adapter is called with."""

from __future__ import annotations

from typing import Literal

import msgspec

from payfold import Policy
from payfold.adapters.generic._rules import CHARGE_OUTCOMES, REQUERY_OUTCOMES, RuleOutcome, check_rule_status

WebhookDigest = Literal["sha256", "sha512"]


class MessageRule(msgspec.Struct, frozen=True, kw_only=True):
    """One row of ``ReferenceApiSpec.message_rules``: when the text at one of ``paths`` holds ``contains`` (or is
    exactly ``equals``), compared without regard to case, the answer means ``outcome``.

    ``outcome`` names the event, and with it the operation the rule reads (see ``payfold.adapters.generic._rules``
    for why each is safe): on a charge ``charge_duplicate`` (any status), ``not_processed`` (a 4xx) or
    ``charge_rejected`` (a 4xx other than 408, 425, 429); on a requery ``requery_not_found`` (a 2xx or such a 4xx)
    or ``requery_failed`` (any status). ``status`` None lets the rule read every status its outcome allows; a
    status the outcome does not allow is refused here, with a ValueError. ``paths`` () reads the spec's
    ``error_message_paths`` and then its ``error_code_paths``.
    """

    outcome: RuleOutcome
    contains: str = ""
    """A case-insensitive substring of the text (``"duplicate transaction reference"``)."""
    equals: str = ""
    """The whole text, compared without regard to case or surrounding spaces (``"0"``, ``"BAD_REQUEST_ERROR"``)."""
    status: int | None = None
    paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.outcome not in CHARGE_OUTCOMES | REQUERY_OUTCOMES:
            known = ", ".join(sorted(CHARGE_OUTCOMES | REQUERY_OUTCOMES))
            raise ValueError(f"MessageRule: outcome must be one of {known}, got {self.outcome!r}")
        if bool(self.contains) == bool(self.equals):
            raise ValueError(f"MessageRule({self.outcome}): give exactly one of contains= or equals=")
        if self.status is not None:
            check_rule_status(self.outcome, self.status)

    def matches(self, found: str) -> bool:
        """True when ``found`` (one text read from the answer) is what this rule looks for."""
        if self.contains:
            return self.contains.casefold() in found.casefold()
        return self.equals.strip().casefold() == found.strip().casefold()


class ReferenceApiSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Where a reference-number provider keeps each fact, and which values mean what. Paths are dotted
    (``"payment.amount.value"``); each field lists alternatives, tried in order."""

    name: str
    """The provider name, as used in ``PaymentCreated.provider``."""
    base_url: str
    charge_method: str = "POST"
    charge_path: str = "/payments"
    """URL path of the charge call; ``{reference}`` is replaced by the (URL-quoted) merchant reference."""
    status_method: str = "GET"
    status_path: str = "/payments/{reference}"
    """URL path (and query) of the status call; must hold ``{reference}``."""
    reference_field: str = "reference"
    amount_field: str = "amount"
    currency_field: str = "currency"
    amount_in_minor_units: bool = False
    """True: amounts travel as JSON integers of the currency's minor units (kobo, paise, cents; yen as they are;
    three-decimal currencies in thousandths), in requests and answers alike; an answer's amount that is not a
    positive integer is unreadable. False: as decimal text (``"4500.00"``) or a JSON number, read by ``to_minor``
    (never rounded)."""
    detail_fields: tuple[str, ...] = ("description", "customer_email", "callback_url", "token")
    """``PaymentCreated.details`` keys copied into the charge body."""
    auth_header: str = "authorization"
    auth_value: str = "Bearer {api_key}"

    status_paths: tuple[str, ...] = ("status",)
    provider_ref_paths: tuple[str, ...] = ("id",)
    reference_paths: tuple[str, ...] = ("reference",)
    amount_paths: tuple[str, ...] = ("amount",)
    currency_paths: tuple[str, ...] = ("currency",)
    redirect_paths: tuple[str, ...] = ("redirect_url",)
    redirect_without_status: bool = False
    """True: a 2xx charge answer that names no payment status but holds an http(s) URL at ``redirect_paths`` asks
    the customer to act (``action_required``; Paystack's initialize answer). Never a 3xx: a redirect status on an
    API call is a proxy's or a load balancer's answer, not a payment page."""
    error_code_paths: tuple[str, ...] = ("error.code", "code")
    error_message_paths: tuple[str, ...] = ("error.message", "message")

    success: frozenset[str] = frozenset(("success", "successful", "paid", "completed"))
    failure: frozenset[str] = frozenset(("failed", "failure", "declined", "rejected", "cancelled"))
    pending: frozenset[str] = frozenset(("pending", "processing", "initiated", "created"))
    not_found: frozenset[str] = frozenset(("not_found",))
    """Status values or error codes meaning "no such payment" on a 200 or 404 (compared lower-case, like every
    value set)."""
    duplicate: frozenset[str] = frozenset(("duplicate_reference",))
    """Error codes meaning the reference already exists (any status)."""
    message_rules: tuple[MessageRule, ...] = ()
    """Outcomes read from message text (or any text at a path), on any HTTP status the rule's outcome allows;
    first match wins. They never override a payment status the spec recognises in a 2xx answer."""
    rejected_statuses: frozenset[int] = frozenset((400, 401, 403, 405, 406, 422))
    """HTTP statuses that, with the provider's own JSON error, mean the charge request was refused."""
    not_processed_statuses: frozenset[int] = frozenset((404, 429))
    """HTTP statuses that mean a charge was not processed (whatever the body) and may be resent."""
    webhook_signature_header: str = "x-signature"
    """The header holding the hex HMAC of the raw webhook body under the webhook secret."""
    webhook_digest: WebhookDigest = "sha256"
    """The HMAC's hash: ``"sha256"`` (the default) or ``"sha512"`` (Paystack's ``x-paystack-signature``)."""
    policy: Policy = msgspec.field(default_factory=Policy)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("ReferenceApiSpec.name must not be empty")
        if "{reference}" not in self.status_path:
            raise ValueError(f"ReferenceApiSpec.status_path must hold {{reference}}, got {self.status_path!r}")
        for field in ("status_paths", "amount_paths", "currency_paths", "reference_paths"):
            if not getattr(self, field):
                raise ValueError(f"ReferenceApiSpec.{field} must list at least one path")
        if self.webhook_digest not in ("sha256", "sha512"):
            raise ValueError(
                f"ReferenceApiSpec.webhook_digest must be 'sha256' or 'sha512', got {self.webhook_digest!r}"
            )
        if not self.error_message_paths and not self.error_code_paths:
            for rule in self.message_rules:
                if not rule.paths:
                    raise ValueError(
                        f"ReferenceApiSpec.message_rules: the {rule.outcome} rule has no paths= and the spec lists "
                        "no error_message_paths or error_code_paths to read"
                    )

    def rule_paths(self, rule: MessageRule) -> tuple[str, ...]:
        """Where ``rule`` reads its text: its own ``paths``, else the spec's message and then code paths."""
        return rule.paths or (*self.error_message_paths, *self.error_code_paths)


class ReferenceApiCredentials(msgspec.Struct, frozen=True, kw_only=True):
    """An API key for a reference-number provider; an empty ``base_url`` means the spec's. Never printed.

    ``webhook_secret``: the secret webhooks are signed with, kept beside the key for the app to hand to
    ``webhook``; None when the app does not take webhooks. An empty one is refused (ValueError): anyone can
    compute an HMAC under the empty key, so every forged callback would look signed.
    """

    api_key: str
    base_url: str = ""
    webhook_secret: str | None = None

    def __post_init__(self) -> None:
        check_webhook_secret(self.webhook_secret, "ReferenceApiCredentials.webhook_secret")

    def __repr__(self) -> str:
        hook = ", webhook_secret=***" if self.webhook_secret is not None else ""
        return f"ReferenceApiCredentials(base_url={self.base_url!r}, api_key=***{hook})"

    __str__ = __repr__


Credentials = ReferenceApiCredentials
"""The module-level name every adapter exposes."""


def check_webhook_secret(secret: str | None, where: str) -> None:
    """Refuse an empty webhook secret: a configuration error, never a quiet "every signature is valid"."""
    if secret is not None and not secret:
        raise ValueError(
            f"{where} is empty: an HMAC under an empty key can be computed by anyone, so every forged webhook "
            "would look signed; configure the secret the provider's dashboard shows (or leave it unset)"
        )
