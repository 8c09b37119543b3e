"""The simulated network between the workers and the sandbox: latency, per-read timeouts, kills, deliveries.

Each node's ``httpx.AsyncClient`` gets a ``Link``: the request waits a seeded latency (now and then a slow one),
then the sandbox's ASGI app runs in its own task, as a server would, and its messages come back one by one. A
link enforces httpx's own timeouts the way a socket would: the *read* timeout between one piece of the answer and
the next (so a dripping answer outlives it: only a timeout on the whole exchange stops one). A reset becomes
``httpx.RemoteProtocolError``, as over TCP.

An answer counts as delivered when the whole of it reached the node alive; the network remembers to whom, keyed
by the sandbox's ``x-sandbox-exchange`` number. The lost-answer check compares that with the log.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from payfold.adapters.sandbox._call import EXCHANGE_HEADER
from payfold.adapters.sandbox._faults import rng
from payfold.adapters.simulate._store import Node

_END: Final = object()


@dataclass(frozen=True)
class Delivery:
    """An answer that reached a node: which exchange, to whom, for what, and how long it took (virtual s)."""

    exchange: int
    node: str
    method: str
    url: str
    lasted: float
    timeout: float | None


@dataclass
class Network:
    """Latency and the deliveries of one seed's world. ``app`` is the sandbox's ASGI app."""

    app: Any
    seed: int
    deliveries: list[Delivery] = field(default_factory=list)
    servers: set[asyncio.Task[None]] = field(default_factory=set)
    exchanges: int = 0

    def client(self, node: Node) -> httpx.AsyncClient:
        """An HTTP client whose requests travel over this network as ``node``."""
        return httpx.AsyncClient(transport=Link(self, node))

    def latency(self, node: Node) -> float:
        """Virtual seconds before the request reaches the sandbox: mostly quick, one in ten slow."""
        self.exchanges += 1
        draw = rng(self.seed, "latency", node.name, self.exchanges)
        return draw.uniform(1.0, 4.0) if draw.random() < 0.1 else draw.uniform(0.01, 0.3)

    async def close(self) -> None:
        """Stop the sandbox tasks still answering requests nobody waits for any more."""
        for task in list(self.servers):
            task.cancel()
        await asyncio.gather(*self.servers, return_exceptions=True)


class Link(httpx.AsyncBaseTransport):
    """One node's way to the sandbox (see the module docstring)."""

    def __init__(self, network: Network, node: Node) -> None:
        self.network, self.node = network, node

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        what = f"{request.method} {request.url.path}"
        fire = self.node.enter(what)
        loop = asyncio.get_running_loop()
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        read, started = timeouts.get("read"), loop.time()
        try:
            response = await self._exchange(request, read)
        except httpx.HTTPError:
            self.node.leave(fire, what)  # a kill outranks the transport error
            raise
        self.node.leave(fire, what)  # killed after: the provider acted, the answer never arrives
        number = response.headers.get(EXCHANGE_HEADER)
        if number is not None and number.isdigit():
            lasted = loop.time() - started
            delivery = Delivery(int(number), self.node.name, request.method, str(request.url), lasted, read)
            self.network.deliveries.append(delivery)
        return response

    async def _exchange(self, request: httpx.Request, read: float | None) -> httpx.Response:
        body = await request.aread()
        await asyncio.sleep(self.network.latency(self.node))
        messages: asyncio.Queue[Any] = asyncio.Queue()
        server = asyncio.create_task(_serve(self.network.app, _scope(request), body, messages))
        self.network.servers.add(server)
        server.add_done_callback(self.network.servers.discard)
        first = await _next(messages, read, request, started=False)
        status, headers = first["status"], [(bytes(k), bytes(v)) for k, v in first.get("headers", ())]
        chunks: list[bytes] = []
        while True:
            message = await _next(messages, read, request, started=True)
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return httpx.Response(status, headers=headers, content=b"".join(chunks), request=request)


async def _next(messages: asyncio.Queue[Any], read: float | None, request: httpx.Request, *, started: bool) -> Any:
    """The app's next message within the read timeout; a broken app is a broken connection."""
    try:
        async with asyncio.timeout(read):
            message = await messages.get()
    except TimeoutError:
        raise httpx.ReadTimeout("simulated read timeout", request=request) from None
    if isinstance(message, BaseException) or message is _END:
        error = httpx.RemoteProtocolError if started else httpx.ReadError
        raise error("simulated connection reset", request=request)
    return message


async def _serve(app: Any, scope: dict[str, Any], body: bytes, messages: asyncio.Queue[Any]) -> None:
    """Run the ASGI app for one request, its messages into ``messages``; then ``_END`` or the app's exception."""
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        messages.put_nowait(message)

    try:
        await app(scope, receive, send)
    except Exception as exc:  # the sandbox's injected reset (ConnectionBroken), or a bug: the connection breaks
        messages.put_nowait(exc)
    else:
        messages.put_nowait(_END)


def _scope(request: httpx.Request) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": request.method,
        "headers": [(k.lower(), v) for k, v in request.headers.raw],
        "scheme": request.url.scheme,
        "path": request.url.path,
        "raw_path": request.url.raw_path.split(b"?")[0],
        "query_string": request.url.query,
        "server": (request.url.host, request.url.port),
        "client": ("127.0.0.1", 123),
        "root_path": "",
    }
