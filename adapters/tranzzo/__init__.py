"""Tranzzo (cpay.tranzzo.com, API v1): sans-I/O translation of wire answers into events, and request building.

Sources: docs.tranzzo.com (purchase API, payment cycle statuses, HTTP statuses, webhooks), cdn.tranzzo.com/
tranzzo-api/index.html, and the official plugins (tranzzo/wordpress-plugin, tranzzo/opencart-plugin,
tranzzo/bitrix-plugin). The mapping table is in docs/adapters.md; every row has a test in
tests/adapters/test_tranzzo.py.

Modules: ``_requests`` (``Credentials``, ``request``), ``_answers`` (error envelopes, the status array, requery
answers), ``_charge`` (charge answers, ``translate``), ``_webhooks`` (``sign``, ``webhook``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from payfold import Policy
from payfold.adapters.tranzzo._answers import (
    AUTH_HOLD,
    DUPLICATE,
    FAILED,
    PENDING,
    PURCHASE_OK,
    SUCCESS,
    pick_transaction,
)
from payfold.adapters.tranzzo._charge import translate
from payfold.adapters.tranzzo._requests import Credentials, request
from payfold.adapters.tranzzo._webhooks import sign, webhook

__all__ = [
    "AUTH_HOLD",
    "DUPLICATE",
    "FAILED",
    "NAME",
    "PENDING",
    "POLICY",
    "PURCHASE_OK",
    "SUCCESS",
    "Credentials",
    "pick_transaction",
    "request",
    "sign",
    "translate",
    "webhook",
]

NAME: Final = "tranzzo"

POLICY: Final = Policy(
    name="tranzzo",
    timeout=timedelta(seconds=40),
    ambiguity_delay=timedelta(seconds=60),
    verify_delay=timedelta(seconds=5),
    retry_delay=timedelta(seconds=5),
    requery_backoff=(
        timedelta(seconds=60),
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=6),
        timedelta(days=1),
    ),
)
"""Tranzzo's documented numbers: 500/503 -> "check status" (the 60 s rule applied to every ambiguity)."""
