"""The adapters' credentials for a sandbox: the sandbox's own key values, pointed at where it is served.

The sandbox imports no provider module, so it hands out plain values (``TranzzoKeys``, ``RaveKeys``); this module,
which may import both sides, builds the adapters' ``Credentials`` from them for the demo, the simulation and tests.
"""

from __future__ import annotations

from typing import NamedTuple

from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.sandbox import DEFAULT_BASE_URL, DEFAULT_RAVE, DEFAULT_TRANZZO, RaveKeys, Sandbox, TranzzoKeys


class SandboxCredentials(NamedTuple):
    """Both adapters' credentials for one sandbox."""

    tranzzo: tranzzo.Credentials
    flutterwave: flutterwave.Credentials


def tranzzo_credentials(keys: TranzzoKeys = DEFAULT_TRANZZO, base_url: str = DEFAULT_BASE_URL) -> tranzzo.Credentials:
    """The Tranzzo adapter's credentials for a sandbox accepting ``keys``, served at ``base_url``."""
    return tranzzo.Credentials(
        pos_id=keys.pos_id,
        api_key=keys.api_key,
        api_secret=keys.api_secret,
        endpoints_key=keys.endpoints_key,
        base_url=base_url,
    )


def rave_credentials(keys: RaveKeys = DEFAULT_RAVE, base_url: str = DEFAULT_BASE_URL) -> flutterwave.Credentials:
    """The Rave adapter's credentials for a sandbox accepting ``keys``, served at ``base_url``."""
    return flutterwave.Credentials(public_key=keys.public_key, secret_key=keys.secret_key, base_url=base_url)


def credentials_for(sandbox: Sandbox, base_url: str | None = None) -> SandboxCredentials:
    """The adapters' credentials for ``sandbox``, at ``base_url`` (default: ``sandbox.url``)."""
    url = base_url or sandbox.url
    return SandboxCredentials(tranzzo_credentials(sandbox.tranzzo_keys, url), rave_credentials(sandbox.rave_keys, url))
