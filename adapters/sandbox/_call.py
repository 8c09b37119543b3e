"""What an emulated provider hands the sandbox for one routed request, and what the sandbox asks of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, NamedTuple, Protocol

from payfold.adapters.sandbox._book import Order
from payfold.adapters.sandbox._faults import Fault, SandboxOperation
from payfold.adapters.sandbox._http import Headers, Request, Response

EXCHANGE_HEADER: Final = "x-sandbox-exchange"
"""The response header that numbers each answer when the sandbox keeps an exchange log."""


@dataclass
class Exchange:
    """One answer the sandbox sent, as its exchange log keeps it (``Sandbox(exchange_log=True)``).

    ``provider``, ``operation`` and ``reference`` are empty for a request no emulated provider recognised (or one
    refused before routing, such as a bad credential); ``fault`` is the injected fault kind, or empty."""

    number: int
    method: str
    path: str
    provider: str = ""
    operation: str = ""
    reference: str = ""
    fault: str = ""


class Effects(NamedTuple):
    """How the origin treats a charge: declined (nothing charged), or landing ``landing`` after the call."""

    decline: bool = False
    landing: timedelta = timedelta(0)


class Call(NamedTuple):
    """A request the provider recognised. ``origin`` is the provider's own handling (for a charge: the moment
    the charge is applied or refused as a duplicate); the sandbox calls it only when the request reaches it."""

    provider: str
    operation: SandboxOperation
    reference: str
    origin: Callable[[Effects], Response]
    polling: bool = False
    """A Rave ``?use_polling=1`` charge (may be answered ``LONG-REQ``)."""


class Provider(Protocol):
    """One emulated provider: routing, its own shapes for the provider-made faults, and its webhooks."""

    name: str

    def route(self, request: Request) -> Call | Response | None:
        """A ``Call`` to run, a ``Response`` to send at once (auth or validation error), or None: not mine."""
        ...

    def server_error(self, call: Call, fault: Fault) -> Response: ...

    def rate_limited(self, call: Call, fault: Fault) -> Response: ...

    def landing_timeout(self, call: Call, fault: Fault) -> Response:
        """The answer to a charge that will land later: the provider's timeout shape."""
        ...

    def long_request(self, call: Call, fault: Fault, answer: Response, request: Request) -> Response:
        """``LONG-REQ`` for a charge whose real ``answer`` the ping URL will give once completed."""
        ...

    def webhook(self, order: Order) -> tuple[Headers, bytes]:
        """The callback the provider would POST once ``order`` lands."""
        ...
