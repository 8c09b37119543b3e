"""The ``Sandbox``: both emulated providers behind one ASGI app, the fault plan between them and the client, the
ground-truth ledger, the optional journal and exchange log, and the outbox of webhooks the providers would send."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Final, NamedTuple

from payfold.adapters.sandbox._book import Book, Order
from payfold.adapters.sandbox._call import EXCHANGE_HEADER, Call, Effects, Exchange, Provider
from payfold.adapters.sandbox._faults import GATEWAY_KINDS, Fault, FaultPlan, draw, rng
from payfold.adapters.sandbox._http import (
    Headers,
    Message,
    Receive,
    Request,
    Response,
    Scope,
    Send,
    json_response,
    quiet_injected_resets,
    read_request,
    send_broken,
    send_dripping,
    send_response,
)
from payfold.adapters.sandbox._journal import Journal
from payfold.adapters.sandbox._keys import (
    DEFAULT_BASE_URL,
    DEFAULT_RAVE,
    DEFAULT_RAVE_WEBHOOK_HASH,
    DEFAULT_TRANZZO,
    RaveKeys,
    TranzzoKeys,
)
from payfold.adapters.sandbox._ledger import Ledger
from payfold.adapters.sandbox._pages import gateway_page
from payfold.adapters.sandbox._rave import RaveEmulator
from payfold.adapters.sandbox._tranzzo import TranzzoEmulator


def utc_now() -> datetime:
    """The wall clock, aware UTC (the default ``clock``)."""
    return datetime.now(UTC)


class Webhook(NamedTuple):
    """A callback the provider would POST: ``provider`` name, headers (lower-case names) and body."""

    provider: str
    headers: Headers
    body: bytes


class _Queued(NamedTuple):
    due: datetime
    seq: int
    webhook: Webhook


class Sandbox:
    """The emulated providers, their fault plan and the ground-truth ledger. ``app`` is the ASGI callable.

    ``clock`` is the caller's (possibly virtual) clock: late landings, ``created_at`` fields and webhook due
    times read it, never the wall clock. The keys it accepts default to ``DEFAULT_TRANZZO`` / ``DEFAULT_RAVE``
    (``tranzzo_keys``, ``rave_keys``; none may be empty, nor ``rave_webhook_hash``). ``base_url``: where it is
    served, used for ping and redirect URLs (otherwise the Host the client used); ``url`` is the base URL to give
    the adapters. ``journal``: a file that keeps the orders and the ledger across restarts (replayed when the
    sandbox starts, appended to as charges reach the origin). ``exchange_log``: number every answer (header
    ``x-sandbox-exchange``) and keep what it was in ``exchanges``. ``on_webhook`` is called each time a callback
    is queued. ``on_hang`` is called with the request's headers when a request meets a ``hang``, before the
    sandbox holds its answer: a client in the same process can give up at once instead of waiting out its timeout
    (the demo does, so its result cannot depend on how loaded the machine is).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        faults: FaultPlan | None = None,
        clock: Callable[[], datetime] = utc_now,
        tranzzo: TranzzoKeys = DEFAULT_TRANZZO,
        rave: RaveKeys = DEFAULT_RAVE,
        base_url: str = "",
        rave_webhook_hash: str = DEFAULT_RAVE_WEBHOOK_HASH,
        journal: str | os.PathLike[str] | None = None,
        exchange_log: bool = False,
        on_webhook: Callable[[], None] | None = None,
        on_hang: Callable[[Headers], None] | None = None,
    ) -> None:
        self.seed, self.faults, self.clock, self.base_url = seed, faults or FaultPlan(), clock, base_url.rstrip("/")
        if not rave_webhook_hash:
            raise ValueError("rave_webhook_hash must not be empty: Rave never sends an empty verif-hash")
        self.tranzzo_keys: Final = tranzzo
        self.rave_keys: Final = rave
        self.rave_webhook_hash: Final = rave_webhook_hash
        self.ledger: Final = Ledger()
        self.injected: Final[Counter[str]] = Counter()
        self.requests: Final[Counter[str]] = Counter()
        """Requests routed to a provider, by ``provider:operation``."""
        self.journal: Final = Journal(journal) if journal is not None else None
        self.book: Final = Book(
            seed=seed,
            ledger=self.ledger,
            on_landed=self._queue_webhooks,
            journal=self.journal.write if self.journal is not None else None,
        )
        if self.journal is not None:
            self.book.restore(self.journal.entries())
        self.on_webhook = on_webhook
        self.on_hang = on_hang
        self.exchange_log: Final = exchange_log
        self.exchanges: Final[list[Exchange]] = []
        """The answers sent, in order (only with ``exchange_log``); ``exchanges[n - 1].number == n``."""
        self._providers: dict[str, Provider] = {
            "tranzzo": TranzzoEmulator(tranzzo, book=self.book, clock=clock, seed=seed),
            "flutterwave": RaveEmulator(rave, webhook_hash=rave_webhook_hash, book=self.book, clock=clock, seed=seed),
        }
        self._attempts: Counter[tuple[str, str, str]] = Counter()
        self.app: Final = self._asgi()
        quiet_injected_resets()
        self._outbox: list[_Queued] = []
        self._queued = 0

    @property
    def url(self) -> str:
        """The base URL to give the adapters: ``base_url`` when given, else ``DEFAULT_BASE_URL`` (in-process)."""
        return self.base_url or DEFAULT_BASE_URL

    # --- ASGI -------------------------------------------------------------------------------------------------

    def _asgi(self) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            """The ASGI 3 application (``http``; ``lifespan`` is acknowledged)."""
            await self._app(scope, receive, send)

        # A plain coroutine function, not a bound method: uvicorn's ASGI 2/3 detection needs one.
        return app

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        request = await read_request(scope, receive, self.base_url)
        exchange = None
        if self.exchange_log:
            exchange = Exchange(number=len(self.exchanges) + 1, method=request.method, path=request.path)
            self.exchanges.append(exchange)
            send = _numbered(send, exchange.number)
        for provider in self._providers.values():
            routed = provider.route(request)
            if isinstance(routed, Response):
                await send_response(send, routed)
                return
            if routed is not None:
                if exchange is not None:
                    exchange.provider, exchange.operation, exchange.reference = (
                        routed.provider, routed.operation, routed.reference,
                    )  # fmt: skip
                await self._run(provider, routed, request, send, exchange)
                return
        await send_response(send, json_response(404, {"message": "Not Found", "path": request.path}))

    async def _run(
        self, provider: Provider, call: Call, request: Request, send: Send, exchange: Exchange | None
    ) -> None:
        key = (call.provider, call.reference, call.operation)
        self._attempts[key] += 1
        self.requests[f"{call.provider}:{call.operation}"] += 1
        fault = draw(
            self.faults, self.seed, provider=call.provider, reference=call.reference, operation=call.operation,
            attempt=self._attempts[key], polling=call.polling,
        )  # fmt: skip
        if fault is None:
            await send_response(send, call.origin(Effects()))
            return
        self.injected[fault.kind] += 1
        if exchange is not None:
            exchange.fault = fault.kind
        await self._faulty(provider, call, fault, request, send)

    async def _faulty(self, provider: Provider, call: Call, fault: Fault, request: Request, send: Send) -> None:
        kind = fault.kind
        if kind in GATEWAY_KINDS or kind in ("error_500", "rate_429"):
            if fault.applied:
                call.origin(Effects())
            if kind == "error_500":
                answer = provider.server_error(call, fault)
            elif kind == "rate_429":
                answer = provider.rate_limited(call, fault)
            else:
                host = request.base.split("://", 1)[-1]
                ray = f"{rng(self.seed, call.reference, call.operation, 'ray').getrandbits(64):016x}"
                answer = gateway_page(kind, host=host, ray=ray)
            await send_response(send, answer)
        elif kind == "hang":
            answer = call.origin(Effects())
            if self.on_hang is not None:
                self.on_hang(request.headers)
            await asyncio.sleep(self.faults.hang_seconds)
            await send_response(send, answer)
        elif kind == "reset":
            await send_broken(send, call.origin(Effects()))
        elif kind == "drip":
            answer = call.origin(Effects())
            await send_dripping(send, answer, seconds=self.faults.drip_seconds, chunks=self.faults.drip_chunks)
        elif kind == "decline":
            await send_response(send, call.origin(Effects(decline=True)))
        elif kind == "late_landing":
            call.origin(Effects(landing=self.faults.landing_delay))
            await send_response(send, provider.landing_timeout(call, fault))
        else:  # long_request
            await send_response(send, provider.long_request(call, fault, call.origin(Effects()), request))

    # --- webhooks ---------------------------------------------------------------------------------------------

    def _queue_webhooks(self, order: Order) -> None:
        headers, body = self._providers[order.provider].webhook(order)
        twice = rng(self.seed, order.provider, order.reference, "webhook").random() < self.faults.webhook_duplicates
        for _ in range(2 if twice else 1):
            self._queued += 1
            self._outbox.append(_Queued(order.visible_from, self._queued, Webhook(order.provider, headers, body)))
        if self.on_webhook is not None:
            self.on_webhook()

    def pending_webhooks(self) -> int:
        """How many callbacks are queued and not drained yet (due or not)."""
        return len(self._outbox)

    def next_webhook_at(self) -> datetime | None:
        """When the earliest queued callback falls due (None: none is queued)."""
        return min((queued.due for queued in self._outbox), default=None)

    def webhooks(self, *, until: datetime | None = None) -> list[tuple[str, Headers, bytes]]:
        """Drain the callbacks due by ``clock()`` (a late landing's only once it landed), duplicates included;
        ``until`` drains those due by another time (a later one: callbacks that arrive early).

        Each is a ``Webhook`` (provider, headers, body): Tranzzo's form ``data`` + ``signature`` (signed with
        ``tranzzo_keys.api_secret``), Rave's flat JSON with ``verif-hash: rave_webhook_hash``.
        """
        now = self.clock() if until is None else until
        due = sorted((q for q in self._outbox if q.due <= now), key=lambda q: (q.due, q.seq))
        self._outbox = [q for q in self._outbox if q.due > now]
        drained: list[tuple[str, Headers, bytes]] = [q.webhook for q in due]
        return drained


def _numbered(send: Send, number: int) -> Send:
    """``send`` adding ``x-sandbox-exchange: number`` to the response's headers."""

    async def numbered(message: Message) -> None:
        if message["type"] == "http.response.start":
            header = (EXCHANGE_HEADER.encode("latin-1"), str(number).encode("latin-1"))
            message = {**message, "headers": [*message.get("headers", ()), header]}
        await send(message)

    return numbered
