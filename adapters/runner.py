"""The runner: the imperative shell around payfold's pure core.

For each payment: read its events, fold, ask ``next_step``; when the step is due, append ``RequestSent`` (before
the I/O), call the provider over HTTP with the adapter's request and the policy's timeout, translate the answer
(a timeout or a reset becomes the wire's ``error``) and append the event with the expected version. A lost race
(``ConcurrencyConflict``) means another worker moved first: re-read and decide again. Every timer is derived from
the log (the store's due projection is written in the same transaction as the events), so the loop survives
restarts and several workers can share one store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

import httpx

from payfold import (
    Conclude,
    ConcurrencyConflict,
    Done,
    Event,
    Operation,
    Payment,
    PaymentCreated,
    Policy,
    Poll,
    Requery,
    RequestSent,
    SendCharge,
    Step,
    Validate,
    WebhookReceived,
    Wire,
    evolve,
    fold,
    next_step,
)
from payfold._store import EventStore, StreamAppend

from ._committer import GroupCommitter
from ._http import HttpRequest
from .clock import Clock, SystemClock

log = logging.getLogger("payfold.runner")

_FAR_FUTURE: Final = datetime(9999, 1, 1, tzinfo=UTC)
_IDLE_POLL: Final = 0.02


class ProviderAdapter(Protocol):
    """What the runner needs from a provider module (``payfold.adapters.tranzzo``, ``.flutterwave``, ...)."""

    POLICY: Policy

    def translate(self, wire: Wire) -> Event: ...

    def request(self, action: Any, payment: Payment, credentials: Any) -> HttpRequest: ...

    def webhook(self, headers: Any, body: bytes, secret: str, *, at: datetime) -> WebhookReceived: ...


@dataclass(frozen=True)
class Provider:
    """A provider as the runner uses it: its adapter, the merchant's credentials, the policy, the webhook secret."""

    adapter: ProviderAdapter
    credentials: Any
    policy: Policy | None = None
    webhook_secret: str = ""

    @property
    def effective_policy(self) -> Policy:
        """The policy in force: the one given, or the adapter's documented ``POLICY``."""
        return self.policy if self.policy is not None else self.adapter.POLICY


@dataclass
class RunnerStats:
    """What one runner did: requests by operation, transport errors, lost races, commits."""

    requests: Counter[str] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    concluded: int = 0


class Runner:
    """Drives payments stored in ``store`` through their providers. See docs/runner.md."""

    def __init__(
        self,
        store: EventStore,
        providers: Mapping[str, Provider],
        *,
        clock: Clock | None = None,
        client: httpx.AsyncClient | None = None,
        concurrency: int = 32,
        worker: str = "runner",
        lease_for: timedelta = timedelta(minutes=5),
        group_commit: bool = True,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.store = store
        self.providers = dict(providers)
        self.clock: Clock = clock or SystemClock()
        self._client = client
        self._own_client = client is None
        self.concurrency = concurrency
        self.worker = worker
        self.lease_for = lease_for
        self._committer = GroupCommitter(store) if group_commit else None
        self._stopping = asyncio.Event()
        self.stats = RunnerStats()

    # --- what an app calls ------------------------------------------------------------------------------------

    async def create(self, created: PaymentCreated) -> Payment:
        """Record a new payment; its first charge is due at ``created.at``."""
        self._provider(created.provider)
        state = evolve(None, created)
        await self._append(created.payment_id, [created], 0, state)
        return state

    async def payment(self, payment_id: str) -> Payment:
        """The payment's current state, folded from the store."""
        events = await self.store.read(payment_id)
        if not events:
            raise KeyError(f"no payment {payment_id!r} in the store")
        return fold(events)

    async def advance(self, payment_id: str) -> Step:
        """Do what is due now for one payment (at most one request), and return the step that follows."""
        while True:
            try:
                return await self._advance_once(payment_id)
            except ConcurrencyConflict:
                self.stats.conflicts += 1  # another worker moved first: re-read, re-decide

    async def validate(self, payment_id: str, otp: str) -> Event:
        """The app's own action: submit the customer's OTP (a ``validate`` request) and record the answer."""
        state = await self.payment(payment_id)
        return await self._exchange(state, Validate(otp=otp), "validate")

    async def deliver_webhook(self, payment_id: str, headers: tuple[tuple[str, str], ...], body: bytes) -> Event:
        """Record a provider callback for ``payment_id``: a hint that can only move the next requery earlier."""
        for _ in range(8):
            state = await self.payment(payment_id)
            provider = self._provider(state.provider)
            event = provider.adapter.webhook(headers, body, provider.webhook_secret, at=self.clock.now())
            try:
                await self._append(payment_id, [event], state.version, evolve(state, event))
            except ConcurrencyConflict:
                self.stats.conflicts += 1
                continue
            return event
        raise ConcurrencyConflict(payment_id, state.version, -1)

    async def run(self, *, until_idle: bool = True) -> RunnerStats:
        """Serve due work until stopped (or, with ``until_idle``, until no payment has anything left to do)."""
        active: dict[str, asyncio.Task[Step]] = {}
        try:
            while not self._stopping.is_set():
                now = self.clock.now()
                free = self.concurrency - len(active)
                if free > 0:
                    for due in await self._due(now, free + len(active)):
                        if due.stream not in active and len(active) < self.concurrency:
                            active[due.stream] = asyncio.create_task(self.advance(due.stream))
                if not active:
                    upcoming = await self.store.due(_FAR_FUTURE, 1)
                    if not upcoming:
                        if until_idle:
                            break
                        await self._pause(1.0)
                        continue
                    await self._wait_until(upcoming[0].at)
                    continue
                done, _ = await asyncio.wait(active.values(), timeout=_IDLE_POLL, return_when=asyncio.FIRST_COMPLETED)
                for stream in [s for s, task in active.items() if task in done]:
                    active.pop(stream).result()  # a bug in a payment's step must not pass silently
        finally:
            if active:
                await asyncio.gather(*active.values(), return_exceptions=True)  # in-flight requests are recorded
        return self.stats

    def stop(self) -> None:
        """Stop gracefully: no new work starts; requests in flight finish and are recorded."""
        self._stopping.set()

    async def close(self) -> None:
        """Close the HTTP client the runner made (a client passed in is the caller's to close)."""
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None

    # --- one payment ----------------------------------------------------------------------------------------

    async def _advance_once(self, payment_id: str) -> Step:
        state = await self.payment(payment_id)
        policy = self._policy_of(state)
        step = next_step(state, policy)
        now = self.clock.now()
        if isinstance(step, Done) or step.due > now:
            await self._append(payment_id, [], state.version, state)  # a stale due entry: write the true one
            return step
        if isinstance(step, Conclude):
            after = evolve(state, step.event)
            await self._append(payment_id, [step.event], state.version, after)
            self.stats.concluded += 1
            return next_step(after, policy)
        operation: Operation = (
            "charge" if isinstance(step, SendCharge) else "poll" if isinstance(step, Poll) else "requery"
        )
        await self._exchange(state, step, operation)
        return next_step(await self.payment(payment_id), policy)

    async def _exchange(
        self, state: Payment, action: SendCharge | Poll | Requery | Validate, operation: Operation
    ) -> Event:
        provider = self._provider(state.provider)
        policy = provider.effective_policy
        request = provider.adapter.request(action, state, provider.credentials)
        sent_at = self.clock.now()
        sent = RequestSent(at=sent_at, operation=operation, attempt=state.next_attempt(operation), url=request.url)
        in_flight = evolve(state, sent)
        await self._append(state.payment_id, [sent], state.version, in_flight)  # before the I/O
        self.stats.requests[operation] += 1
        status, headers, body, error = await self._send(request, self.clock.real_seconds(policy.timeout))
        if error is not None:
            self.stats.transport_errors[error] += 1
        wire = Wire(
            operation=operation,
            status=status,
            headers=headers,
            body=body,
            error=error,
            sent_at=sent_at,
            received_at=max(self.clock.now(), sent_at),
            url=request.url,
            method=request.method,
        )
        event = provider.adapter.translate(wire)
        await self._append(state.payment_id, [event], in_flight.version, evolve(in_flight, event))
        return event

    async def _send(
        self, request: HttpRequest, timeout: float
    ) -> tuple[int | None, tuple[tuple[str, str], ...], bytes, str | None]:
        client = self._http()
        try:
            response = await client.request(
                request.method, request.url, headers=list(request.headers), content=request.body, timeout=timeout
            )
        except (httpx.ConnectError, httpx.ConnectTimeout):
            return None, (), b"", "connect"  # nothing left the client
        except httpx.TimeoutException:
            return None, (), b"", "timeout"
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            return None, (), b"", "reset"
        except httpx.HTTPError as exc:
            log.warning("transport error %s on %s %s", type(exc).__name__, request.method, request.url)
            return None, (), b"", "transport"
        headers = tuple((name.lower(), value) for name, value in response.headers.multi_items())
        return response.status_code, headers, response.content, None

    # --- plumbing -------------------------------------------------------------------------------------------

    async def _append(self, stream: str, events: list[Event], expected_version: int, after: Payment) -> None:
        step = next_step(after, self._policy_of(after))
        due = None if isinstance(step, Done) else step.due
        item = StreamAppend(stream=stream, events=events, expected_version=expected_version, due=due)
        if self._committer is not None:
            await self._committer.append(item)
        else:
            await self.store.append(stream, events, expected_version, due=due)

    async def _due(self, now: datetime, limit: int) -> list[Any]:
        lease = getattr(self.store, "lease_due", None)
        if lease is not None:
            leased: list[Any] = await lease(now, self.worker, limit, self.lease_for)
            return leased
        return await self.store.due(now, limit)

    async def _wait_until(self, when: datetime) -> None:
        sleeper = asyncio.create_task(self.clock.sleep_until(when))
        stopper = asyncio.create_task(self._stopping.wait())
        await asyncio.wait((sleeper, stopper), timeout=None, return_when=asyncio.FIRST_COMPLETED)
        for task in (sleeper, stopper):
            task.cancel()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
            self._client = httpx.AsyncClient(limits=limits)
        return self._client

    def _provider(self, name: str) -> Provider:
        try:
            return self.providers[name]
        except KeyError:
            known = ", ".join(sorted(self.providers)) or "none"
            raise KeyError(f"no provider {name!r} configured in this runner (configured: {known})") from None

    def _policy_of(self, state: Payment) -> Policy:
        return self._provider(state.provider).effective_policy
