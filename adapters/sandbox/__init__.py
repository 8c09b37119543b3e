"""payfold's provider sandbox: Tranzzo and Rave v2 emulated on one ASGI app, with seeded faults and a ledger.

The app answers the URLs ``payfold.adapters.tranzzo`` and ``payfold.adapters.flutterwave`` build when their
``Credentials.base_url`` points at it. A ``FaultPlan`` decides, per request and reproducibly from ``seed``,
whether the answer is the provider's own or a fault (gateway pages, 500s, 429s, hangs, resets, long requests,
late landings, drips, declines). The ``Ledger`` records what the sandbox really charged: reconciling a payment
log against it is the end-to-end truth test. With ``journal=PATH`` the orders and the ledger are kept in a file and
survive a restart; with ``exchange_log=True`` every answer carries a numbered ``x-sandbox-exchange`` header and
``Sandbox.exchanges`` records it. See docs/sandbox.md.

::

    sandbox = Sandbox(seed=7, faults=FaultPlan(rate=0.3), clock=runner_clock)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=sandbox.app), base_url=sandbox.url)
    keys = sandbox.tranzzo_keys  # the sandbox's own values: the caller builds the adapter's Credentials
    credentials = tranzzo.Credentials(
        pos_id=keys.pos_id, api_key=keys.api_key, api_secret=keys.api_secret, endpoints_key=keys.endpoints_key,
        base_url=sandbox.url,
    )

The sandbox imports no provider module: its credentials (``TranzzoKeys``, ``RaveKeys``), its webhook signing and
its wire constants are its own, written from the provider docs, so a mistake in an adapter cannot hide behind the
same mistake in the emulator.
"""

from __future__ import annotations

from payfold.adapters.sandbox._app import Sandbox, Webhook, utc_now
from payfold.adapters.sandbox._book import Order
from payfold.adapters.sandbox._call import EXCHANGE_HEADER, Exchange
from payfold.adapters.sandbox._faults import APPLIED, KINDS, FaultPlan
from payfold.adapters.sandbox._http import ConnectionBroken
from payfold.adapters.sandbox._keys import (
    DEFAULT_BASE_URL,
    DEFAULT_RAVE,
    DEFAULT_RAVE_WEBHOOK_HASH,
    DEFAULT_TRANZZO,
    RaveKeys,
    TranzzoKeys,
)
from payfold.adapters.sandbox._ledger import ChargeRecord, Ledger
from payfold.adapters.sandbox._serve import main, serve, served

__all__ = [
    "APPLIED",
    "DEFAULT_BASE_URL",
    "DEFAULT_RAVE",
    "DEFAULT_RAVE_WEBHOOK_HASH",
    "DEFAULT_TRANZZO",
    "EXCHANGE_HEADER",
    "KINDS",
    "ChargeRecord",
    "ConnectionBroken",
    "Exchange",
    "FaultPlan",
    "Ledger",
    "Order",
    "RaveKeys",
    "Sandbox",
    "TranzzoKeys",
    "Webhook",
    "main",
    "serve",
    "served",
    "utc_now",
]
