"""What to do next: values ``next_step`` returns and the runner carries out at ``due``."""

from __future__ import annotations

from typing import TypeAlias

import msgspec

from ._events import PaymentFailed, PaymentSettled, ReviewRequired
from ._time import UtcDatetime


class SendCharge(msgspec.Struct, frozen=True, kw_only=True):
    """Send the charge (the first time, or a resend with the same reference)."""

    due: UtcDatetime


class Poll(msgspec.Struct, frozen=True, kw_only=True):
    """Call the long request's ping URL."""

    url: str
    due: UtcDatetime


class Requery(msgspec.Struct, frozen=True, kw_only=True):
    """Ask the provider's status API."""

    due: UtcDatetime


class Conclude(msgspec.Struct, frozen=True, kw_only=True):
    """Append ``event`` (whose ``at`` equals ``due``): a verdict or a review."""

    event: PaymentSettled | PaymentFailed | ReviewRequired
    due: UtcDatetime


class Done(msgspec.Struct, frozen=True, kw_only=True):
    """Nothing to do until something new arrives."""


class Validate(msgspec.Struct, frozen=True, kw_only=True):
    """Not a step: the app's own action when the customer typed an OTP (``request`` builds it)."""

    otp: str

    def __repr__(self) -> str:
        return "Validate(otp='***')"


Step: TypeAlias = SendCharge | Poll | Requery | Conclude | Done
Action: TypeAlias = SendCharge | Poll | Requery | Validate
"""What an adapter's ``request`` builds an HTTP request for."""
