"""Events: the stored format of payfold. Tags are permanent; new fields always get defaults.

Every class repeats ``frozen=True, kw_only=True`` (msgspec's ``kw_only`` does not carry over to a subclass's own
fields, and mypy needs ``frozen`` repeated). See docs/events.md for the schema-evolution rules.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Final, Literal, TypeAlias

import msgspec

from ._cards import check_no_card_data
from ._details import NO_DETAILS, Details, frozen_details
from ._money import check_money
from ._policy import Policy
from ._time import UtcDatetime, check_utc
from ._wire import Operation, Wire

ActionKind: TypeAlias = Literal["otp", "pin", "avs", "redirect"]
ReviewReason: TypeAlias = Literal[
    "amount_mismatch", "currency_mismatch", "reference_mismatch", "contradiction", "deadline"
]


class PaymentEvent(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", omit_defaults=True):
    """A fact about one payment. The stream it is stored in names the payment.

    Fields equal to their defaults are not encoded (``omit_defaults``): a field added later with a default leaves
    every earlier event's bytes, and so its id and hash, unchanged.
    """

    at: UtcDatetime

    def __post_init__(self) -> None:
        check_utc(self.at, f"{type(self).__name__}.at")


class ProviderAnswer(PaymentEvent, frozen=True, kw_only=True):
    """An event an adapter built from one provider exchange; ``wire`` is the (redacted) evidence."""

    wire: Wire


# --- the caller and the runner ------------------------------------------------------------------------------


class PaymentCreated(PaymentEvent, frozen=True, kw_only=True, tag="created"):
    """Always the first event. ``details`` holds non-secret charge parameters (token, email, callback URLs)."""

    payment_id: str
    provider: str
    amount: int
    currency: str
    reference: str
    details: dict[str, str] = NO_DETAILS
    """Read-only at run time (a ``payfold.Details``): an event is a fact, and the folded state shares it."""
    policy: Policy | None = None
    """The policy this payment runs under, recorded when it is created (the runner fills in its provider's): audits,
    ``explain`` and ``replay`` judge the payment by the numbers it really ran under, even after defaults change."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if type(self.details) is not Details:
            msgspec.structs.force_setattr(self, "details", frozen_details(self.details))
        check_money(self.amount, self.currency)
        check_no_card_data("PaymentCreated.details", self.details)
        if not self.payment_id:
            raise ValueError("PaymentCreated.payment_id must not be empty")
        if not self.reference:
            raise ValueError("PaymentCreated.reference must not be empty")
        if not self.provider:
            raise ValueError("PaymentCreated.provider must not be empty")


class RequestSent(PaymentEvent, frozen=True, kw_only=True, tag="request_sent"):
    """Recorded *before* the I/O: a request without an answer is in flight. ``attempt`` counts from 1."""

    operation: Operation
    attempt: int = 1
    url: str = ""
    sender: str = ""
    """Who sent it (the runner's worker name and a per-process nonce): two workers' requests never share bytes,
    so the store can never absorb one worker's ``request_sent`` as a duplicate of another's."""


# --- charge and validate answers ----------------------------------------------------------------------------


class ChargeAccepted(ProviderAnswer, frozen=True, kw_only=True, tag="charge_accepted"):
    """The provider took the charge and reports success or processing: still to be verified by a requery."""

    provider_ref: str | None = None
    code: str = ""
    message: str = ""


class ChargeDeclined(ProviderAnswer, frozen=True, kw_only=True, tag="charge_declined"):
    """The provider reports a decline on the charge call: still to be verified by a requery."""

    code: str = ""
    reason: str = ""


class ChargeRejected(ProviderAnswer, frozen=True, kw_only=True, tag="charge_rejected"):
    """The request itself was refused (validation, credentials, method): no transaction exists. Final."""

    reason: str
    code: str = ""


class ChargeDuplicate(ProviderAnswer, frozen=True, kw_only=True, tag="charge_duplicate"):
    """The reference already exists at the provider (Tranzzo ``P-409``): requery."""

    code: str = ""


class NotProcessed(ProviderAnswer, frozen=True, kw_only=True, tag="not_processed"):
    """A charge or validate the provider did not process (429, 404, nothing left the client): may be resent."""

    reason: str
    retry_after: timedelta | None = None


class ActionRequired(ProviderAnswer, frozen=True, kw_only=True, tag="action_required"):
    """The customer must act: an OTP, a PIN, an address check, or a redirect to ``url``."""

    kind: ActionKind
    url: str | None = None
    provider_ref: str | None = None


class OutcomeUnknown(ProviderAnswer, frozen=True, kw_only=True, tag="outcome_unknown"):
    """Nobody knows whether money moved; ``cause`` says what was seen ("timeout", "nginx", "html", ...)."""

    cause: str


# --- long requests (Rave ``?use_polling=1``) --------------------------------------------------------------


class LongRequestStarted(ProviderAnswer, frozen=True, kw_only=True, tag="long_request"):
    """Rave ``LONG-REQ``: poll ``ping_url`` after ``wait``."""

    ping_url: str
    request_id: str = ""
    wait: timedelta = timedelta(0)


class PollPending(ProviderAnswer, frozen=True, kw_only=True, tag="poll_pending"):
    """``REQSPONSE`` with ``status: pending``."""


class PollCompleted(ProviderAnswer, frozen=True, kw_only=True, tag="poll_completed"):
    """``REQSPONSE`` with ``status: completed``; ``response`` is the inner answer as sent, even when broken."""

    response: str = ""


class PollFailed(ProviderAnswer, frozen=True, kw_only=True, tag="poll_failed"):
    """The poll call itself failed: never a payment verdict."""

    reason: str = ""


# --- requery (status API) answers ---------------------------------------------------------------------------


class RequeryConfirmed(ProviderAnswer, frozen=True, kw_only=True, tag="requery_confirmed"):
    """The status API says the purchase succeeded, with the order amount as the provider reports it."""

    provider_ref: str
    reference: str
    amount: int
    currency: str


class RequeryDeclined(ProviderAnswer, frozen=True, kw_only=True, tag="requery_declined"):
    """The status API says the payment failed."""

    code: str = ""
    reason: str = ""


class RequeryPending(ProviderAnswer, frozen=True, kw_only=True, tag="requery_pending"):
    """The status API says the payment is still processing."""

    code: str = ""
    reason: str = ""


class RequeryNotFound(ProviderAnswer, frozen=True, kw_only=True, tag="requery_not_found"):
    """The status API's own not-found answer. Right after a timeout it is no proof of "never charged"."""


class RequeryFailed(ProviderAnswer, frozen=True, kw_only=True, tag="requery_failed"):
    """The requery itself failed (5xx, timeout, HTML, unreadable amount): ask again later."""

    reason: str = ""


# --- webhooks -------------------------------------------------------------------------------------------------


class WebhookReceived(ProviderAnswer, frozen=True, kw_only=True, tag="webhook_received"):
    """A callback: a hint that moves the next requery earlier when signed, never a verdict."""

    signature_valid: bool
    payload: Any = None
    reference: str = ""
    """The merchant reference the callback names (Tranzzo ``order_id``, Rave ``txRef``/``tx_ref``): what routes it
    to its payment (``EventStore.find``). Empty when the body names none."""


# --- verdicts and reviews (next_step) and operators ---------------------------------------------------------


class PaymentSettled(PaymentEvent, frozen=True, kw_only=True, tag="settled"):
    """Verdict: a requery confirmed the exact amount, currency and reference."""

    provider_ref: str = ""


class PaymentFailed(PaymentEvent, frozen=True, kw_only=True, tag="failed"):
    """Verdict: a requery declined, or the charge was never processed after the policy's resends."""

    reason: str


class ReviewRequired(PaymentEvent, frozen=True, kw_only=True, tag="review_required"):
    """A human must look; ``detail`` says what was compared."""

    reason: ReviewReason
    detail: str = ""


class SettledManually(PaymentEvent, frozen=True, kw_only=True, tag="settled_manually"):
    """An operator decided the payment succeeded."""

    operator: str
    note: str = ""


class FailedManually(PaymentEvent, frozen=True, kw_only=True, tag="failed_manually"):
    """An operator decided the payment failed."""

    operator: str
    note: str = ""


Event: TypeAlias = (
    PaymentCreated
    | RequestSent
    | ChargeAccepted
    | ChargeDeclined
    | ChargeRejected
    | ChargeDuplicate
    | NotProcessed
    | ActionRequired
    | OutcomeUnknown
    | LongRequestStarted
    | PollPending
    | PollCompleted
    | PollFailed
    | RequeryConfirmed
    | RequeryDeclined
    | RequeryPending
    | RequeryNotFound
    | RequeryFailed
    | WebhookReceived
    | PaymentSettled
    | PaymentFailed
    | ReviewRequired
    | SettledManually
    | FailedManually
)

EVENT_TYPES: Final[tuple[type[PaymentEvent], ...]] = Event.__args__

TAG_OF: Final[dict[type[PaymentEvent], str]] = {cls: str(cls.__struct_config__.tag) for cls in EVENT_TYPES}
"""Event class -> its permanent tag."""

TYPE_OF: Final[dict[str, type[PaymentEvent]]] = {tag: cls for cls, tag in TAG_OF.items()}
"""Permanent tag -> event class."""

PROVIDER_ANSWER_TAGS: Final[frozenset[str]] = frozenset(
    tag for cls, tag in TAG_OF.items() if issubclass(cls, ProviderAnswer)
)
"""Tags of the events that carry a provider's answer (a wire)."""


def tag_of(event: PaymentEvent) -> str:
    """The permanent tag of ``event``."""
    return TAG_OF[type(event)]
