"""payfold's side of a sandbox: the adapters' credentials for it, and, for a sandbox in the same process, an HTTP
link and a clock that keep the machine's speed out of the result.

The sandbox imports no provider module, so it hands out plain values (``TranzzoKeys``, ``RaveKeys``); this module,
which may import both sides, builds the adapters' ``Credentials`` from them for the demo, the simulation and tests.
``SandboxLink`` is the demo's HTTP transport (real requests over loopback that give up on a hang at once) and
``StepClock`` its runner's clock (time that stands still while requests are in flight).
"""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Final, NamedTuple

import httpx

from payfold.adapters import flutterwave, tranzzo
from payfold.adapters.sandbox import DEFAULT_BASE_URL, DEFAULT_RAVE, DEFAULT_TRANZZO, RaveKeys, Sandbox, TranzzoKeys

TICK: Final = timedelta(seconds=1)
"""A ``StepClock`` moves in whole seconds by default: work due within one second is done together (as by a runner
that looks at its queue once a second), so a thousand payments share a few hundred steps of time."""
CALL_HEADER: Final = "x-payfold-call"
"""The request header that numbers each request a ``SandboxLink`` sends (how the sandbox names a held one)."""


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


class SandboxLink(httpx.AsyncBaseTransport):
    """HTTP to a sandbox served in the same process, which tells the link about hangs (``Sandbox(on_hang=
    link.hung)``): a request the sandbox holds past any timeout ends at once with the ``httpx.ReadTimeout`` the
    client's own timeout would raise later. A hang then costs no wall time, and whether a request timed out no
    longer depends on how loaded the machine is: only the sandbox's seeded draw decides.

    ``on_answer(request, hung)`` is called after each exchange, in the caller's task (the demo stamps its
    modelled latency there). Requests go out over ``pools`` connection pools of ``pool_size`` each, to the least
    busy (one large pool costs more per request; see ``payfold.adapters.runner.transport``).
    """

    def __init__(
        self, on_answer: Callable[[httpx.Request, bool], None], *, pools: int = 4, pool_size: int = 16
    ) -> None:
        limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
        self._pools = [httpx.AsyncHTTPTransport(limits=limits) for _ in range(pools)]
        self._busy = [0] * pools
        self._numbers = itertools.count(1)
        self._held: dict[str, asyncio.Future[None]] = {}
        self._on_answer = on_answer

    def hung(self, headers: tuple[tuple[str, str], ...]) -> None:
        """The sandbox holds the request with these headers (its ``on_hang``)."""
        number = next((value for name, value in headers if name == CALL_HEADER), "")
        held = self._held.get(number)
        if held is not None and not held.done():
            held.set_result(None)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        number = str(next(self._numbers))
        request.headers[CALL_HEADER] = number
        held: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._held[number] = held
        pool = min(range(len(self._pools)), key=self._busy.__getitem__)
        self._busy[pool] += 1
        answer = asyncio.ensure_future(self._pools[pool].handle_async_request(request))
        try:
            await asyncio.wait((answer, held), return_when=asyncio.FIRST_COMPLETED)
            if held.done():  # checked first: the sandbox said so before it could have answered
                answer.cancel()
                await asyncio.gather(answer, return_exceptions=True)
                self._on_answer(request, True)
                raise httpx.ReadTimeout("the sandbox holds this answer past the timeout", request=request)
            response = await answer
        finally:
            self._busy[pool] -= 1
            del self._held[number]
            if not answer.done():  # the caller was cancelled: leave no request behind
                answer.cancel()
        self._on_answer(request, False)
        return response

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


class StepClock:
    """The demo's ``Clock``: time stands still while work is in flight and moves only when the runner is idle.

    ``sleep_until(when)`` hands over to ``idle`` when one is set (the demo moves the clock there itself, hands
    over webhooks, or stops), else moves to ``when``; moves go to a whole ``tick`` from ``start``. ``spend`` adds
    time to the calling task only (a request's modelled latency: its answer is recorded that much later than its
    send), so no two tasks' timing can reach each other. HTTP timeouts are given in full (``real_seconds`` is
    the identity): only a hang may time out, and the sandbox link ends those at once.
    """

    def __init__(self, start: datetime, *, tick: timedelta = TICK) -> None:
        self.start, self.tick = start, tick
        self._now = start
        self._spent: ContextVar[timedelta] = ContextVar("spent", default=timedelta(0))
        self.idle: Callable[[datetime], Awaitable[None]] | None = None

    def now(self) -> datetime:
        return self._now + self._spent.get()

    def spend(self, span: timedelta) -> None:
        """Let ``span`` pass for the calling task (and the tasks it starts) alone."""
        self._spent.set(self._spent.get() + span)

    async def sleep_until(self, when: datetime) -> None:
        if self.idle is None:
            self.move_to(when)
        else:
            await self.idle(when)
        await asyncio.sleep(0)

    def move_to(self, when: datetime) -> None:
        """Move to the first whole tick at or after ``when`` (never backward)."""
        ticks = math.ceil((when - self.start) / self.tick)
        self._now = max(self._now, self.start + ticks * self.tick)

    def real_seconds(self, span: timedelta) -> float:
        return span.total_seconds()
