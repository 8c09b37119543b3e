"""Every number the policy brain uses, in one frozen value. Each adapter exports its provider's ``POLICY``."""

from __future__ import annotations

from datetime import timedelta

import msgspec

from ._errors import InvalidPolicy

_ZERO = timedelta(0)


class Policy(msgspec.Struct, frozen=True, kw_only=True):
    """When to resend, poll, requery and give up. All spans are ``timedelta``; see docs/concepts.md."""

    name: str = ""
    """Which policy this is (``tranzzo``, ``flutterwave``, a team's own ``"tranzzo-slow-requery"``): recorded
    with each payment, shown by ``payfold show`` and the audit."""

    timeout: timedelta = timedelta(seconds=30)
    """The client timeout for one request."""
    in_flight_grace: timedelta = timedelta(seconds=30)
    """A request unanswered for ``timeout + in_flight_grace`` (a crash between send and record) is ambiguous."""
    ambiguity_delay: timedelta = timedelta(seconds=30)
    """After an ambiguous charge answer, the first requery waits this long."""
    verify_delay: timedelta = timedelta(seconds=5)
    """After an accepted, declined or duplicate charge answer, the requery that verifies it waits this long."""
    retry_delay: timedelta = timedelta(seconds=5)
    """Resend delay after ``not_processed`` when the provider advised none."""
    max_charge_attempts: int = 3
    """Charges sent at most, counting every resend."""
    poll_backoff: tuple[timedelta, ...] = (timedelta(seconds=2), timedelta(seconds=5), timedelta(seconds=10))
    """Delay before poll ``n + 1`` after poll ``n``'s answer, indexed by polls sent; the last repeats."""
    max_polls: int = 10
    requery_backoff: tuple[timedelta, ...] = (
        timedelta(seconds=30),
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(days=1),
    )
    """Delay before the next requery, indexed by requeries sent (anchors: Kill Bill 5m,1h,1d; Rave PHP 15 min)."""
    not_found_answers: int = 3
    """Consecutive not-found requery answers needed before a charge may be resent."""
    not_found_grace: timedelta = timedelta(minutes=10)
    """The latest of those answers must come at least this long after the last charge was sent."""
    customer_wait: timedelta = timedelta(minutes=15)
    """While the customer must act (OTP, redirect), requery this long after the request for action."""
    deadline: timedelta = timedelta(days=3)
    """No verdict this long after creation: raise a review, then keep requerying on the slowest cadence."""
    jitter: float = 0.1
    """A fraction of each delay added, a pure function of (payment, operation, count): replays reproduce it."""

    def __post_init__(self) -> None:
        for name in (
            "timeout",
            "in_flight_grace",
            "ambiguity_delay",
            "verify_delay",
            "retry_delay",
            "not_found_grace",
            "customer_wait",
            "deadline",
        ):
            if getattr(self, name) < _ZERO:
                raise InvalidPolicy(f"Policy.{name} must not be negative, got {getattr(self, name)}")
        for name in ("poll_backoff", "requery_backoff"):
            spans: tuple[timedelta, ...] = getattr(self, name)
            if not spans:
                raise InvalidPolicy(f"Policy.{name} must hold at least one delay")
            if any(span < _ZERO for span in spans):
                raise InvalidPolicy(f"Policy.{name} must not hold a negative delay, got {spans}")
        for name in ("max_charge_attempts", "max_polls", "not_found_answers"):
            if getattr(self, name) < 1:
                raise InvalidPolicy(f"Policy.{name} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.jitter <= 1.0:
            raise InvalidPolicy(f"Policy.jitter must be a fraction in [0, 1], got {self.jitter}")


DEFAULT_POLICY = Policy()
