"""The credentials the emulated providers accept, as the sandbox's own values (it imports no provider module).

The fields are what the provider docs name (research/wire-formats.md): Tranzzo's ``POS_ID``, ``API_KEY``,
``API_SECRET`` and ``ENDPOINTS_KEY``; Rave's public and secret keys, and the dashboard's webhook "secret hash".
A caller pointing an adapter at the sandbox builds the adapter's own ``Credentials`` from these values and
``DEFAULT_BASE_URL`` (or the URL the sandbox is served on). No value may be empty: an empty secret would let an
emulator accept requests, or sign callbacks, that the real provider refuses.
"""

from __future__ import annotations

from typing import Final

import msgspec


def _refuse_empty(struct: msgspec.Struct) -> None:
    empty = [name for name in struct.__struct_fields__ if not getattr(struct, name)]
    if empty:
        raise ValueError(f"{type(struct).__name__}: {', '.join(empty)} must not be empty")


class TranzzoKeys(msgspec.Struct, frozen=True, kw_only=True):
    """What the emulated Tranzzo checks: ``X-API-AUTH: CPAY {api_key}:{api_secret}``, ``X-API-KEY:
    {endpoints_key}`` and the ``pos_id`` of a payment; ``api_secret`` also signs its webhooks."""

    pos_id: str
    api_key: str
    api_secret: str
    endpoints_key: str

    def __post_init__(self) -> None:
        _refuse_empty(self)


class RaveKeys(msgspec.Struct, frozen=True, kw_only=True):
    """What the emulated Rave v2 checks: ``SECKEY`` (tokenized charge, verify) or ``PBFPubKey`` (charge)."""

    public_key: str
    secret_key: str

    def __post_init__(self) -> None:
        _refuse_empty(self)


DEFAULT_BASE_URL: Final = "http://sandbox.payfold.test"
"""The base URL to give the adapters by default: any host works in-process (``httpx.ASGITransport``)."""
DEFAULT_TRANZZO: Final = TranzzoKeys(
    pos_id="sandbox-pos",
    api_key="sandbox-api-key",
    api_secret="sandbox-api-secret",
    endpoints_key="sandbox-endpoints-key",
)
DEFAULT_RAVE: Final = RaveKeys(public_key="FLWPUBK_TEST-sandbox-X", secret_key="FLWSECK_TEST-sandbox-X")
DEFAULT_RAVE_WEBHOOK_HASH: Final = "sandbox-verif-hash"
"""The secret hash the emulated Rave sends in ``verif-hash`` (pass it to ``flutterwave.webhook``)."""
