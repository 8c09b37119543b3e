"""A description of one HTTP request: what an adapter's ``request`` builds and the runner sends."""

from __future__ import annotations

import msgspec

from payfold import Operation


class HttpRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Method, absolute URL, headers (lower-case names) and body. Holds credentials: never store it."""

    operation: Operation
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def __repr__(self) -> str:
        names = ", ".join(name for name, _ in self.headers)
        return f"HttpRequest({self.method} {self.url}, headers=[{names}], body={len(self.body)} bytes)"
