"""Sending one ``HttpRequest`` over httpx: an answer, or the short word for why none came."""

from __future__ import annotations

import asyncio
import logging

import httpx

from payfold.adapters.wire.redact import redact_url
from payfold.adapters.wire.request import HttpRequest

log = logging.getLogger("payfold.runner")

Answer = tuple[int | None, tuple[tuple[str, str], ...], bytes, str | None]
"""``(status, headers, body, error)``: headers lower-cased; ``error`` is None, "timeout", "connect" (nothing
left the client), "reset" or "transport"."""


class Transport:
    """One httpx client, made on first use (sized to ``concurrency``) unless the caller passes its own."""

    def __init__(self, client: httpx.AsyncClient | None, concurrency: int) -> None:
        self._client = client
        self._own_client = client is None
        self._concurrency = concurrency

    async def send(self, request: HttpRequest, timeout: float) -> Answer:
        """Send ``request``; ``timeout`` (real seconds) bounds the whole exchange, not each read."""
        client = self._http()
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
            log.warning("transport error %s on %s %s", type(exc).__name__, request.method, redact_url(request.url))
            return None, (), b"", "transport"
        headers = tuple((name.lower(), value) for name, value in response.headers.multi_items())
        return response.status_code, headers, response.content, None

    async def aclose(self) -> None:
        """Close the client this transport made (a client passed in is the caller's to close)."""
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            limits = httpx.Limits(max_connections=self._concurrency, max_keepalive_connections=self._concurrency)
            self._client = httpx.AsyncClient(limits=limits)
        return self._client
