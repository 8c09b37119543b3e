"""The little HTTP the sandbox needs on top of ASGI: a request, a response, sending it whole or broken."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final, TypeAlias
from urllib.parse import parse_qsl

import msgspec

Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
Headers: TypeAlias = tuple[tuple[str, str], ...]

_JSON: Final = (("content-type", "application/json"),)
_encoder: Final = msgspec.json.Encoder()


class ConnectionBroken(ConnectionResetError):
    """Raised by the app after a partial body (the ``reset`` fault): the server drops the connection.

    Under uvicorn the client sees a broken response (httpx ``RemoteProtocolError`` or ``ReadError``); under
    ``httpx.ASGITransport`` this exception reaches the client as it is.
    """


class Request(msgspec.Struct, frozen=True, kw_only=True):
    """One HTTP request as the sandbox reads it: header names lower-case, ``base`` the URL it was sent to."""

    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    body: bytes
    base: str

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key == name), "")


class Response(msgspec.Struct, frozen=True, kw_only=True):
    status: int
    headers: Headers = ()
    body: bytes = b""


def json_response(status: int, value: object, headers: Headers = ()) -> Response:
    return Response(status=status, headers=(*_JSON, *headers), body=_encoder.encode(value))


async def read_request(scope: Scope, receive: Receive, base_url: str) -> Request:
    """The whole request (body included); ``base`` is ``base_url`` or, when empty, the Host the client used."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    headers = tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope.get("headers", ()))
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    base = base_url.rstrip("/")
    if not base:
        host = next((v for k, v in headers if k == "host"), "")
        if not host and scope.get("server"):
            server_host, server_port = scope["server"]
            host = f"{server_host}:{server_port}"
        base = f"{scope.get('scheme', 'http')}://{host or 'localhost'}"
    return Request(
        method=scope["method"].upper(),
        path=scope["path"],
        query=query,
        headers=headers,
        body=b"".join(chunks),
        base=base,
    )


def _start(response: Response) -> Message:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
    headers.append((b"content-length", str(len(response.body)).encode()))
    return {"type": "http.response.start", "status": response.status, "headers": headers}


async def send_response(send: Send, response: Response) -> None:
    await send(_start(response))
    await send({"type": "http.response.body", "body": response.body, "more_body": False})


async def send_broken(send: Send, response: Response) -> None:
    """Start ``response``, send the first half of its body, then break off (``ConnectionBroken``)."""
    await send(_start(response))
    await send({"type": "http.response.body", "body": response.body[: len(response.body) // 2], "more_body": True})
    raise ConnectionBroken("sandbox fault: connection reset mid-response")


async def send_dripping(send: Send, response: Response, *, seconds: float, chunks: int) -> None:
    """Start ``response`` at once, then send its body in ``chunks`` pieces, one every ``seconds / chunks``."""
    await send(_start(response))
    body, pieces = response.body, max(1, min(chunks, len(response.body)))
    size = -(-len(body) // pieces)
    for index in range(pieces):
        await asyncio.sleep(seconds / pieces)
        last = index == pieces - 1
        await send(
            {"type": "http.response.body", "body": body[index * size : (index + 1) * size], "more_body": not last}
        )


class _DropInjectedResets(logging.Filter):
    """Drops the server's "Exception in ASGI application" record for a ``ConnectionBroken`` (a fault the
    sandbox injected on purpose, not a bug); every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        info = record.exc_info
        return not (info and isinstance(info[1], ConnectionBroken))


_FILTER: Final = _DropInjectedResets()


def quiet_injected_resets(logger_name: str = "uvicorn.error") -> None:
    """Keep injected resets out of the server log (idempotent)."""
    logger = logging.getLogger(logger_name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
