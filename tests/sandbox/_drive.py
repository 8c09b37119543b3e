"""Driving the sandbox through the real adapters: request() -> HTTP (in-process or TCP) -> Wire -> translate()."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import httpx

from payfold import Event, Payment, PaymentCreated, Poll, Requery, SendCharge, Wire, fold
from payfold.adapters import HttpRequest, flutterwave, tranzzo
from payfold.adapters.cli._sandboxed import credentials_for
from payfold.adapters.sandbox import DEFAULT_BASE_URL, ConnectionBroken, FaultPlan, Sandbox

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CHARGE = SendCharge(due=T0)
REQUERY = Requery(due=T0)
MODULES: dict[str, ModuleType] = {"tranzzo": tranzzo, "flutterwave": flutterwave}


@dataclass
class Clock:
    """A virtual clock: the sandbox reads it, tests move it."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, span: timedelta) -> None:
        self.now += span


def payment(provider: str, reference: str, amount: int = 450_000, **details: str) -> Payment:
    """A folded payment; Tranzzo charges are direct (``cc_token``) and Rave ones tokenized unless told."""
    currency = "UAH" if provider == "tranzzo" else "NGN"
    if not details:
        details = {"cc_token": f"tok-{reference}"} if provider == "tranzzo" else {"token": f"flw-t1nf-{reference}"}
    created = PaymentCreated(
        at=T0, payment_id=f"pay-{reference}", provider=provider, amount=amount, currency=currency,
        reference=reference, details=details,
    )  # fmt: skip
    return fold([created])


async def exchange(client: httpx.AsyncClient, request: HttpRequest, clock: Clock, timeout: float | None) -> Wire:
    """Send ``request``; a transport failure becomes the wire's ``error`` word, as a runner records it."""
    sent = clock()
    common: dict[str, Any] = {"operation": request.operation, "sent_at": sent, "url": request.url}
    try:
        async with asyncio.timeout(timeout):
            response = await client.request(request.method, request.url, headers=request.headers, content=request.body)
    except (TimeoutError, httpx.TimeoutException):
        return Wire(received_at=clock(), error="timeout", method=request.method, **common)
    except (ConnectionBroken, httpx.RemoteProtocolError, httpx.ReadError):
        return Wire(received_at=clock(), error="reset", method=request.method, **common)
    headers = tuple((name.lower(), value) for name, value in response.headers.items())
    return Wire(
        received_at=clock(), status=response.status_code, headers=headers, body=response.content,
        method=request.method, **common,
    )  # fmt: skip


@dataclass
class Rig:
    """A sandbox, an in-process client on it, and the clock they share."""

    sandbox: Sandbox
    client: httpx.AsyncClient
    clock: Clock
    timeout: float | None = 5.0
    wires: list[Wire] = field(default_factory=list)

    def credentials(self, provider: str) -> Any:
        """The adapter's credentials for the sandbox (its own keys, at ``sandbox.url``)."""
        tz, rave = credentials_for(self.sandbox)
        return tz if provider == "tranzzo" else rave

    async def act(self, action: SendCharge | Requery | Poll, pay: Payment, credentials: Any = None) -> Event:
        module = MODULES[pay.provider]
        request = module.request(action, pay, credentials or self.credentials(pay.provider))
        wire = await exchange(self.client, request, self.clock, self.timeout)
        self.wires.append(wire)
        event: Event = module.translate(wire)
        return event

    async def charge(self, pay: Payment, credentials: Any = None) -> Event:
        return await self.act(CHARGE, pay, credentials)

    async def requery(self, pay: Payment) -> Event:
        return await self.act(REQUERY, pay)

    async def poll(self, pay: Payment, url: str) -> Event:
        return await self.act(Poll(url=url, due=T0), pay)


@asynccontextmanager
async def rig(
    faults: FaultPlan | None = None, *, seed: int = 0, clock: Clock | None = None, **options: Any
) -> AsyncIterator[Rig]:
    clock = clock or Clock()
    sandbox = Sandbox(seed=seed, faults=faults or FaultPlan.none(), clock=clock, **options)
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url=DEFAULT_BASE_URL) as client:
        yield Rig(sandbox, client, clock)


def tags(events: list[Event]) -> list[str]:
    from payfold import tag_of

    return [tag_of(e) for e in events]
