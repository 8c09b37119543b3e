"""Redaction: what an adapter does to a wire before any event holds it (DESIGN §6). The stable entry points.

The work is done by ``reading.read`` (parse once, fast path, one walk); this module keeps the names adapters,
``payfold.testing`` and older code call:

- ``redact_answer(wire, *, secret_fields, secrets, secret_params) -> (Wire, value | None)``: the redacted wire
  and its redacted JSON value (None when the body is not JSON);
- ``redact_wire``: only the wire;
- ``redact_json(value, secret_fields)``: a redacted copy of a decoded value and whether anything changed;
- ``redact_url(url)``: a URL without userinfo password or secret query values (also for ``RequestSent.url``);
- ``scrub_pans(bytes)``: card numbers masked in place; ``cut_body``: a body over ``MAX_BODY`` cut and redacted.

Names (``SECRET_FIELDS``, ``SECRET_HEADERS``, ``SECRET_PARAMS``) are normalized (``names.normalized``): a
caller's own set may use any spelling (``api_secret``, ``X-Api-Key``). The one list is in ``names``.
"""

from __future__ import annotations

from typing import Final

from payfold import Wire
from payfold.adapters.wire import walk
from payfold.adapters.wire.cards import scrub_pans, scrub_text
from payfold.adapters.wire.names import PARAM_NAMES, REDACTED, SECRET_NAMES, normalized_set
from payfold.adapters.wire.raw import cut_body as _cut_body
from payfold.adapters.wire.reading import read
from payfold.adapters.wire.urls import redact_url

__all__ = [
    "REDACTED",
    "SECRET_FIELDS",
    "SECRET_HEADERS",
    "SECRET_PARAMS",
    "cut_body",
    "redact_answer",
    "redact_json",
    "redact_url",
    "redact_wire",
    "scrub_pans",
    "scrub_text",
]

SECRET_FIELDS: Final = SECRET_NAMES
"""JSON keys and form fields whose value is redacted at any depth (normalized; ``names.SECRET_NAMES``)."""

SECRET_HEADERS: Final[frozenset[str]] = frozenset(
    ("seckey", "apikey", "apiauth", "authorization", "proxyauthorization", "verifhash", "cookie", "setcookie")
)
"""The header names providers and proxies put secrets in (normalized). Every name in ``SECRET_PARAMS`` is
redacted in a header too."""

SECRET_PARAMS: Final = PARAM_NAMES
"""Query parameter names whose value is redacted in a URL (normalized; ``names.PARAM_NAMES``)."""


def redact_answer(
    wire: Wire,
    *,
    secret_fields: frozenset[str] = SECRET_FIELDS,
    secrets: tuple[str, ...] = (),
    secret_params: frozenset[str] = SECRET_PARAMS,
) -> tuple[Wire, object | None]:
    """The redacted wire and the redacted JSON value of its body (None when not JSON), decoded once.

    Prefer ``reading.read``: it also gives the value as sent, for references and amounts."""
    reading = read(wire, secret_fields=secret_fields, secrets=secrets, secret_params=secret_params)
    return reading.wire, reading.safe_value


def redact_wire(
    wire: Wire,
    *,
    secret_fields: frozenset[str] = SECRET_FIELDS,
    secrets: tuple[str, ...] = (),
    secret_params: frozenset[str] = SECRET_PARAMS,
) -> Wire:
    """``wire`` with nothing secret left: headers, URL, JSON or form body fields, literal ``secrets``, PANs."""
    return read(wire, secret_fields=secret_fields, secrets=secrets, secret_params=secret_params).wire


def redact_json(value: object, secret_fields: frozenset[str] = SECRET_FIELDS) -> tuple[object, bool]:
    """A copy of ``value`` with secret fields (any depth) set to ``REDACTED``, card numbers masked (in strings
    and in numbers of any notation) and URL secrets redacted, and whether anything changed. Unchanged parts are
    shared, not copied."""
    fields = secret_fields if secret_fields is SECRET_FIELDS else normalized_set(secret_fields)
    return walk.redact_json(value, fields)


def cut_body(body: bytes, secret_fields: frozenset[str] = SECRET_FIELDS, secrets: tuple[str, ...] = ()) -> bytes:
    """A body over ``MAX_BODY``, as an event may hold it: its first ``MAX_BODY`` bytes redacted as bytes, then
    ``cut_marker(len(body))``. Never parsed."""
    fields = secret_fields if secret_fields is SECRET_FIELDS else normalized_set(secret_fields)
    return _cut_body(body, fields, secrets)
