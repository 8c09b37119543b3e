"""The ``Runner`` class: one or many payments driven from the log to a verdict (see the package docstring)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Mapping
from datetime import timedelta

import httpx
import msgspec

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
    next_step,
    tag_of,
)
from payfold._store import EventStore
from payfold.adapters.runner._cache import DEFAULT_CAPACITY, StateCache
from payfold.adapters.runner._committer import GroupCommitter
from payfold.adapters.runner._loop import serve_due_work
from payfold.adapters.runner._payments import PaymentLog
from payfold.adapters.runner._streams import (
    CONFLICT_RETRIES,
    StreamBroken,
    adapter_error,
    too_many_conflicts,
)
from payfold.adapters.runner._wake import Alarm
from payfold.adapters.runner.clock import Clock, SystemClock
from payfold.adapters.runner.observe import adapter_failed, exchanged, lost_race, recorded
from payfold.adapters.runner.provider import Provider
from payfold.adapters.runner.stats import RunnerStats
from payfold.adapters.runner.telemetry import Exchange, Telemetry, default_telemetry
from payfold.adapters.runner.transport import Transport
from payfold.adapters.wire.redact import redact_url


class Runner:
    """Drives payments stored in ``store`` through their providers. See docs/runner.md.

    ``worker`` names this runner in leases and, with ``nonce`` (default: random), in every ``RequestSent`` it
    writes (``sender``); a deterministic simulation passes its own nonce. ``cached`` bounds the folded states kept
    besides the payments being advanced (each exchange then reads only the events after the version it holds).
    ``telemetry`` receives every exchange (default: OpenTelemetry when its API is installed, else nothing; see
    docs/observability.md).
    """

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
        nonce: str | None = None,
        cached: int = DEFAULT_CAPACITY,
        telemetry: Telemetry | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.store = store
        self.providers = dict(providers)
        self.clock: Clock = clock or SystemClock()
        self._transport = Transport(client, concurrency)
        self.concurrency = concurrency
        self.worker = worker
        self.sender = f"{worker}:{secrets.token_hex(4) if nonce is None else nonce}"
        self.lease_for = lease_for
        self._committer = GroupCommitter(store) if group_commit else None
        self._cache = StateCache(cached)
        self._log = PaymentLog(store, self._committer, self._policy_of, self._count_conflict, self._cache)
        self._stopping = asyncio.Event()
        self._alarm = Alarm(store)
        self.telemetry: Telemetry = default_telemetry() if telemetry is None else telemetry
        self.stats = RunnerStats()
        self._load = self._log.load
        self._append = self._log.append

    # --- what an app calls ------------------------------------------------------------------------------------

    async def create(self, created: PaymentCreated) -> Payment:
        """Record a new payment; its first charge is due at ``created.at`` (a running loop wakes for it)."""
        provider = self._provider(created.provider)
        if created.policy is None:  # record the policy it runs under: audits judge it by these numbers
            policy = provider.effective_policy
            named = policy if policy.name else msgspec.structs.replace(policy, name=created.provider)
            created = msgspec.structs.replace(created, policy=named)
        state = evolve(None, created)
        await self._append(created.payment_id, [created], 0, state)
        await self._alarm.announce()
        return state

    async def payment(self, payment_id: str) -> Payment:
        """The payment's current state, folded from the store (``StreamBroken`` when its log has a gap)."""
        return await self._load(payment_id)

    async def advance(self, payment_id: str) -> Step:
        """Do what is due now for one payment (at most one request), and return the step that follows.

        ``payment_id`` names the stream; every append goes to that stream. A lost race is re-read and decided
        again, at most ``CONFLICT_RETRIES`` times in a row; then ``StreamBroken`` names the stream.
        """
        last: ConcurrencyConflict | None = None
        with self._cache.hold(payment_id):
            for _ in range(CONFLICT_RETRIES):
                try:
                    return await self._advance_once(payment_id)
                except ConcurrencyConflict as conflict:
                    self._count_conflict(conflict, "deciding again")  # re-read (their events), re-decide
                    last = conflict
        raise too_many_conflicts(payment_id, last)

    async def validate(self, payment_id: str, otp: str) -> Event:
        """The app's own action: submit the customer's OTP (a ``validate`` request) and record the answer; a
        running loop wakes for the step that follows."""
        state = await self._load(payment_id)
        event, _ = await self._exchange(payment_id, state, Validate(otp=otp), "validate")
        await self._alarm.announce()
        return event

    async def deliver_webhook(
        self, payment_id: str, headers: tuple[tuple[str, str], ...], body: bytes
    ) -> WebhookReceived:
        """Record a provider callback for ``payment_id``: a hint that can only move the next requery earlier (a
        running loop wakes for a valid one)."""
        state = await self._load(payment_id)
        provider = self._provider(state.provider)
        event = provider.adapter.webhook(headers, body, provider.secret_for_webhooks(), at=self.clock.now())
        return await self._record_webhook(payment_id, event, state)

    async def route_webhook(
        self, provider: str, headers: tuple[tuple[str, str], ...], body: bytes
    ) -> WebhookReceived | None:
        """Record a callback from ``provider`` for the payment it names: the adapter reads the merchant reference
        (``WebhookReceived.reference``) and the store finds the payment by it. None, recording nothing, when the
        callback names no payment of this log."""
        binding = self._provider(provider)
        event = binding.adapter.webhook(headers, body, binding.secret_for_webhooks(), at=self.clock.now())
        payment_id = await self.store.find(provider, event.reference) if event.reference else None
        if payment_id is None:
            return None
        return await self._record_webhook(payment_id, event, await self._load(payment_id))

    async def _record_webhook(self, payment_id: str, event: WebhookReceived, state: Payment) -> WebhookReceived:
        after = await self._log.record_fact(payment_id, event, state)
        outcome = "webhook_received" if event.signature_valid else "webhook_signature_invalid"
        recorded(payment_id, state.provider, "webhook", outcome, after.version)
        if event.signature_valid:
            await self._alarm.announce()
        return event

    def wake(self) -> None:
        """Tell a running loop that work may be due now (``create``, ``deliver_webhook`` and ``validate`` do it
        themselves; call it after writing to the store some other way in this process)."""
        self._alarm.ring()

    async def run(self, *, until_idle: bool = True) -> RunnerStats:
        """Serve due work until stopped (or, with ``until_idle``, until no payment has anything left to do).

        A stream the runner cannot advance (``StreamBroken``) is logged, recorded in ``stats.broken`` and skipped
        for the rest of this run; any other error in a payment's step ends the run (a bug must not pass silently).
        Idle, it sleeps until the next due time or until work arrives (``wake``; docs/runner.md, "Wake-ups").
        """
        async with self._alarm.watching():
            await serve_due_work(self, self._log, self._alarm, self._stopping, until_idle=until_idle)
        return self.stats

    def stop(self) -> None:
        """Stop gracefully: no new work starts; requests in flight finish and are recorded."""
        self._stopping.set()

    async def close(self) -> None:
        """Close the HTTP client the runner made (a client passed in is the caller's to close)."""
        await self._transport.aclose()

    # --- one payment ----------------------------------------------------------------------------------------

    async def _advance_once(self, stream: str) -> Step:
        state = await self._load(stream)
        policy = self._policy_of(state)
        step = next_step(state, policy)
        now = self.clock.now()
        if isinstance(step, Done) or step.due > now:
            await self._append(stream, [], state.version, state)  # a stale due entry: write the true one
            return step
        if isinstance(step, Conclude):
            after = evolve(state, step.event)
            await self._append(stream, [step.event], state.version, after)
            self.stats.concluded += 1
            recorded(stream, state.provider, "conclude", tag_of(step.event), after.version)
            return next_step(after, policy)
        operation: Operation = (
            "charge" if isinstance(step, SendCharge) else "poll" if isinstance(step, Poll) else "requery"
        )
        _, after = await self._exchange(stream, state, step, operation)
        return next_step(after, policy)

    async def _exchange(
        self, stream: str, state: Payment, action: SendCharge | Poll | Requery | Validate, operation: Operation
    ) -> tuple[Event, Payment]:
        """Claim the request (``RequestSent``, before the I/O), send it, translate the answer and record it;
        return the answer and the state right after it."""
        provider = self._provider(state.provider)
        try:
            request = provider.adapter.request(action, state, provider.credentials)
        except (ValueError, KeyError, TypeError) as exc:  # nothing was sent: the payment's own data is at fault
            raise StreamBroken(stream, f"the adapter cannot build the {operation} request: {exc!r}") from exc
        sent = RequestSent(
            at=self.clock.now(),
            operation=operation,
            attempt=state.next_attempt(operation),
            url=redact_url(request.url),
            sender=self.sender,
        )
        in_flight = evolve(state, sent)
        claimed = await self._append(stream, [sent], state.version, in_flight)
        if claimed.appended == 0:  # the very same bytes were already stored: whoever stored them sends it
            raise ConcurrencyConflict(stream, state.version, claimed.version)
        self.stats.requests[operation] += 1
        exchange = Exchange(payment_id=stream, provider=state.provider, operation=operation, attempt=sent.attempt)
        try:
            with self.telemetry.exchange(exchange):
                started = time.perf_counter()
                timeout = self.clock.real_seconds(provider.effective_policy.timeout)
                wire = await self._transport.exchange(request, operation, sent.at, timeout, self.clock.now)
                exchange.latency_ms = round((time.perf_counter() - started) * 1000, 3)
                if wire.error is not None:
                    self.stats.transport_errors[wire.error] += 1
                exchange.status, exchange.error = wire.status, wire.error
                event = self._translate(exchange, provider, wire)
                exchange.outcome, exchange.cause = tag_of(event), getattr(event, "cause", "")
                after = await self._log.record_fact(stream, event, in_flight)
                exchange.version = after.version
        finally:
            exchanged(exchange)
        return event, after

    def _translate(self, exchange: Exchange, provider: Provider, wire: Wire) -> Event:
        """The adapter's event for ``wire``; an adapter that raises gets its answer recorded as ambiguous."""
        try:
            return provider.adapter.translate(wire)
        except Exception as exc:
            where = f"{wire.method} {redact_url(wire.url)}"
            adapter_failed(exchange.payment_id, exchange.provider, wire.operation, wire.status, exc, where)
            self.stats.adapter_errors += 1
            return adapter_error(wire)

    def _count_conflict(self, conflict: ConcurrencyConflict, then: str) -> None:
        self.stats.conflicts += 1
        lost_race(conflict.stream, conflict.expected, then)

    # --- plumbing -------------------------------------------------------------------------------------------

    def _provider(self, name: str) -> Provider:
        try:
            return self.providers[name]
        except KeyError:
            known = ", ".join(sorted(self.providers)) or "none"
            raise KeyError(f"no provider {name!r} configured in this runner (configured: {known})") from None

    def _policy_of(self, state: Payment) -> Policy:
        """The policy the payment recorded at creation; its provider's for a payment created without one."""
        return state.policy if state.policy is not None else self._provider(state.provider).effective_policy
