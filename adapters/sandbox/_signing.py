"""How the emulated providers sign their callbacks, written from the provider docs (not from the adapters).

Tranzzo (docs.tranzzo.com "webhooks/structure"; research/wire-formats.md §2.6): a form POST with ``data``, the
operation JSON in Base64Url, and ``signature``, the Base64Url of the raw SHA-1 digest of ``API_SECRET + data +
API_SECRET``. Tranzzo's Base64Url is standard Base64 with ``+`` and ``/`` swapped for ``-`` and ``_``: the ``=``
padding is kept (the docs' vector: ``{"name":"Joe","age":20}`` and ``changeme`` sign as
``Bcj3hb-h00HrEMIoJ5nPW5ZHlVQ=``).

Rave v2 (research §1.7): no signature at all; the header ``verif-hash`` carries the dashboard's secret hash as is.

The adapters implement the receiving side on their own; tests/sandbox/test_signing.py checks that the two agree.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Final
from urllib.parse import urlencode

TRANZZO_FORM: Final = "application/x-www-form-urlencoded"
RAVE_HASH_HEADER: Final = "verif-hash"
_URL_ALPHABET: Final = bytes.maketrans(b"+/", b"-_")


def base64url(raw: bytes) -> str:
    """Tranzzo's Base64Url: standard Base64, ``+/`` replaced by ``-_``, padding kept."""
    return base64.b64encode(raw).translate(_URL_ALPHABET).decode("ascii")


def tranzzo_signature(data: str, api_secret: str) -> str:
    """The ``signature`` of the Base64Url ``data`` string, as Tranzzo computes it with ``api_secret``."""
    if not api_secret:
        raise ValueError("a Tranzzo webhook is never signed with an empty secret")
    digest = hashlib.sha1(f"{api_secret}{data}{api_secret}".encode(), usedforsecurity=False).digest()
    return base64url(digest)


def tranzzo_webhook(operation_json: bytes, api_secret: str) -> tuple[tuple[tuple[str, str], ...], bytes]:
    """Headers and form body of a Tranzzo callback carrying ``operation_json``."""
    data = base64url(operation_json)
    body = urlencode({"data": data, "signature": tranzzo_signature(data, api_secret)}).encode("ascii")
    return (("content-type", TRANZZO_FORM),), body


def rave_webhook_headers(secret_hash: str) -> tuple[tuple[str, str], ...]:
    """The headers of a Rave v2 callback: a JSON body and the merchant's secret hash in ``verif-hash``."""
    if not secret_hash:
        raise ValueError("a Rave webhook never carries an empty verif-hash")
    return (("content-type", "application/json"), (RAVE_HASH_HEADER, secret_hash))
