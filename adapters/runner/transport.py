"""Sending one ``HttpRequest`` over httpx: an answer, or the short word for why none came.

httpcore walks its whole pool (every connection, and for each idle one the pool again) each time a request
starts or ends, so one pool sized to a runner's concurrency costs more per request as the concurrency grows. The
runner's own client is therefore a set of small pools (``POOL_SIZE`` connections each, enough pools for the
concurrency), and each request goes to the least busy one: no request waits for a connection, and the walk per
request stays as short at concurrency 256 as at 16.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Final

import httpx

from payfold import Operation, Wire
from payfold.adapters.wire.redact import redact_url
from payfold.adapters.wire.request import HttpRequest

log = logging.getLogger("payfold.runner")

Answer = tuple[int | None, tuple[tuple[str, str], ...], bytes, str | None]
"""``(status, headers, body, error)``: headers lower-cased; ``error`` is None, "timeout", "connect" (nothing
left the client), "reset" or "transport"."""


POOL_SIZE: Final = 16
"""Connections per httpx client the runner makes (measured: CPU per request stays flat up to this size)."""


class Transport:
    """The caller's httpx client, or clients made on first use: ``ceil(concurrency / POOL_SIZE)`` pools of
    ``POOL_SIZE`` connections, so ``concurrency`` requests in flight never wait for a connection."""

    def __init__(self, client: httpx.AsyncClient | None, concurrency: int) -> None:
        self._clients: list[httpx.AsyncClient] = [] if client is None else [client]
        self._busy: list[int] = [0] * len(self._clients)
        self._own_clients = client is None
        self._concurrency = concurrency

    async def exchange(
        self, request: HttpRequest, operation: Operation, sent_at: datetime, timeout: float, now: Callable[[], datetime]
    ) -> Wire:
        """Send ``request`` and return the exchange as a wire (untranslated, unredacted); ``now`` stamps when the
        answer or the failure was seen (never before ``sent_at``)."""
        status, headers, body, error = await self.send(request, timeout)
        return Wire(
            operation=operation,
            status=status,
            headers=headers,
            body=body,
            error=error,
            sent_at=sent_at,
            received_at=max(now(), sent_at),
            url=request.url,
            method=request.method,
        )

    async def send(self, request: HttpRequest, timeout: float) -> Answer:
        """Send ``request``; ``timeout`` (real seconds) bounds the whole exchange, not each read."""
        shard = self._least_busy()
        busy = self._busy
        busy[shard] += 1
        try:
            return await self._send(self._clients[shard], request, timeout)
        finally:
            busy[shard] -= 1

    async def _send(self, client: httpx.AsyncClient, request: HttpRequest, timeout: float) -> Answer:
        try:
            async with asyncio.timeout(timeout):  # the whole exchange: httpx's own timeout is per read
                response = await client.request(
                    request.method, request.url, headers=list(request.headers), content=request.body, timeout=timeout
                )
        except TimeoutError:
            return None, (), b"", "timeout"
        except (httpx.ConnectError, httpx.ConnectTimeout):
            return None, (), b"", "connect"  # nothing left the client
        except httpx.TimeoutException:
            return None, (), b"", "timeout"
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            return None, (), b"", "reset"
        except httpx.HTTPError as exc:
            url = redact_url(request.url)
            log.warning(
                "transport error %s on %s %s", type(exc).__name__, request.method, url, extra={"error": "transport"}
            )
            return None, (), b"", "transport"
        headers = tuple((name.lower(), value) for name, value in response.headers.multi_items())
        return response.status_code, headers, response.content, None

    async def aclose(self) -> None:
        """Close the clients this transport made (a client passed in is the caller's to close)."""
        if self._own_clients:
            clients, self._clients, self._busy = self._clients, [], []
            for client in clients:
                await client.aclose()

    def _least_busy(self) -> int:
        if not self._clients:
            size = min(POOL_SIZE, self._concurrency)
            limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
            pools = -(-self._concurrency // size)
            self._clients = [httpx.AsyncClient(limits=limits) for _ in range(pools)]
            self._busy = [0] * pools
        return min(range(len(self._busy)), key=self._busy.__getitem__)
