"""Readable event builders shared by the hand-built stories of the oracle, tally, findings and fold tests."""

from __future__ import annotations

from payfold import Event, OutcomeUnknown, PaymentSettled, RequeryConfirmed, RequeryNotFound, RequestSent
from payfold.testing import created, seconds, wire


def charge(at: float, attempt: int = 1) -> RequestSent:
    """A charge sent ``at`` seconds into the story."""
    return RequestSent(at=seconds(at), operation="charge", attempt=attempt)


def requery(at: float, attempt: int = 1) -> RequestSent:
    """A status query sent ``at`` seconds into the story."""
    return RequestSent(at=seconds(at), operation="requery", attempt=attempt)


def timeout(at: float) -> OutcomeUnknown:
    """The charge timed out: nobody knows whether money moved."""
    return OutcomeUnknown(
        at=seconds(at), wire=wire("charge", seconds(at), status=None, error="timeout"), cause="timeout"
    )


def not_found(at: float, body: bytes = b"") -> RequeryNotFound:
    """The status API's own not-found answer (a 404 with ``body``)."""
    return RequeryNotFound(at=seconds(at), wire=wire("requery", seconds(at), status=404, body=body))


def settled_history() -> list[Event]:
    """A payment settled by a requery confirming 4,500.00 XTS for ``order-1`` at +2 s."""
    return [
        created(),
        RequestSent(at=seconds(1), operation="requery"),
        RequeryConfirmed(
            at=seconds(2),
            wire=wire("requery", seconds(2)),
            provider_ref="1",
            reference="order-1",
            amount=450_000,
            currency="XTS",
        ),
        PaymentSettled(at=seconds(2)),
    ]
