"""Rave v2's answer envelope ``{"status", "message", "data"}`` and the signals every operation reads from it.

Rave puts a field at ``data.X``, at ``data.data.X`` (the Android SDK's recursive shape) or, in a card
``validatecharge`` answer, at ``data.tx.X``; ``field`` looks in ``data.tx``, ``data``, ``data.data``, in that order.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final, NamedTuple

from payfold import Wire
from payfold.adapters.wire.fields import obj, scalar_text, text
from payfold.adapters.wire.gateway import recognize, too_deep
from payfold.adapters.wire.gateway import retry_after as read_retry_after

ANSWERED_OK: Final = range(200, 300)

_NOT_FOUND_CODES: Final = frozenset(("NO TX", "NO_TX", "NOTX"))


class Envelope(NamedTuple):
    """The top level of a Rave answer: ``status`` lower-cased, ``message`` as sent, ``data`` untouched."""

    status: str
    message: str
    data: object


def envelope(value: object) -> Envelope | None:
    """The envelope of a decoded JSON answer; None when the answer is not a JSON object."""
    top = obj(value)
    if top is None:
        return None
    status = text(top, "status") or ""
    return Envelope(status=status.strip().lower(), message=text(top, "message") or "", data=top.get("data"))


def scopes(value: object) -> tuple[dict[str, object], ...]:
    """The JSON objects ``data.tx``, ``data`` and ``data.data`` present in the answer ``value``, in that order."""
    data = value.get("data") if isinstance(value, dict) else None
    if not isinstance(data, dict):
        return ()
    tx, inner = data.get("tx"), data.get("data")
    if isinstance(tx, dict):
        return (tx, data, inner) if isinstance(inner, dict) else (tx, data)
    return (data, inner) if isinstance(inner, dict) else (data,)


def field(value: object, name: str) -> str | None:
    """The first non-empty scalar ``name`` in the ``scopes`` of the answer ``value``, as text (numbers as
    written, booleans refused)."""
    for scope in scopes(value):
        found = scalar_text(scope.get(name))
        if found is not None:
            return found
    return None


def error_code(value: object) -> str:
    """The error code Rave puts at ``data.code`` (``BIN_ERR``, ``FLW_ERR``, ``NO TX``), or ``""``."""
    return text(value, "data.code", "data.data.code") or ""


def is_not_found(value: object, answer: Envelope) -> bool:
    """Rave's own not-found answer: ``status: error`` with ``data.code`` ``NO TX`` (or ``NO_TX``)."""
    return answer.status == "error" and error_code(value).strip().upper() in _NOT_FOUND_CODES


def timeout_cause(value: object, answer: Envelope) -> str | None:
    """The cause word when the answer is one of Rave's documented timeout shapes, else None.

    ``flw_err``: ``data.code: FLW_ERR`` (the documented one carries ``err_tx.chargeResponseCode: NR``; any
    ``FLW_ERR`` names a transaction that exists, so none of them is a refusal). ``requery_advised``:
    ``data.responseCode: R0``, "Please requery". ``no_response``: a
    ``chargeResponseCode: NR`` outside ``FLW_ERR``. ``contact_support``: "An error occured. Please contact support".
    """
    code = error_code(value).strip().upper()
    if code == "FLW_ERR" or obj(value, "data.err_tx") is not None:
        return "flw_err"
    response_code = (text(value, "data.responseCode", "data.data.responseCode") or "").strip().upper()
    if response_code == "R0":
        return "requery_advised"
    if (field(value, "chargeResponseCode") or "").strip().upper() == "NR":
        return "no_response"
    if "contact support" in answer.message.lower():
        return "contact_support"
    return None


def retry_after(wire: Wire) -> timedelta | None:
    """The ``Retry-After`` advice of an answer, read by the reader every adapter shares (``_gateway.retry_after``:
    ASCII delta-seconds or an HTTP date against ``received_at``, at most a day; anything else is None)."""
    return read_retry_after(wire.headers, wire.received_at)


def gateway_cause(wire: Wire) -> str:
    """What answered when Rave's JSON did not: ``nginx``, ``cloudflare``, ``awselb``, ``html``, ``empty`` or
    ``unreadable`` (also for a JSON value that is not an envelope)."""
    if too_deep(wire.body):
        return "unreadable"
    return recognize(wire.status, wire.headers, wire.body) or "unreadable"
