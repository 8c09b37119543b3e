"""Readable event builders shared by the hand-built stories of the oracle, tally and findings tests."""

from __future__ import annotations

from payfold import OutcomeUnknown, RequeryNotFound, RequestSent
from payfold.testing import seconds, wire


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
