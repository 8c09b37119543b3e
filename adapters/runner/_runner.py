"""The ``Runner`` class: one or many payments driven from the log to a verdict (see the package docstring)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

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
    Wire,
    evolve,
    next_step,
)
from payfold._store import EventStore
from payfold.adapters.runner._cache import DEFAULT_CAPACITY, StateCache
from payfold.adapters.runner._committer import GroupCommitter
from payfold.adapters.runner._payments import PaymentLog
from payfold.adapters.runner._streams import (
    CONFLICT_RETRIES,
    StreamBroken,
    adapter_error,
    too_many_conflicts,
)
from payfold.adapters.runner.clock import Clock, SystemClock
from payfold.adapters.runner.provider import Provider
from payfold.adapters.runner.stats import RunnerStats
from payfold.adapters.runner.transport import Transport
from payfold.adapters.wire.redact import redact_url
from payfold.adapters.wire.request import HttpRequest

log = logging.getLogger("payfold.runner")

_FAR_FUTURE: Final = datetime(9999, 1, 1, tzinfo=UTC)
_IDLE_POLL: Final = 0.02


class Runner:
    """Drives payments stored in ``store`` through their providers. See docs/runner.md.

    ``worker`` names this runner in leases and, with ``nonce`` (default: random), in every ``RequestSent`` it
    writes (``sender``); a deterministic simulation passes its own nonce. ``cached`` bounds the folded states kept
    besides the payments being advanced (each exchange then reads only the events after the version it holds).
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
        self.stats = RunnerStats()
        self._load = self._log.load
        self._append = self._log.append

    # --- what an app calls ------------------------------------------------------------------------------------

    async def create(self, created: PaymentCreated) -> Payment:
        """Record a new payment; its first charge is due at ``created.at``."""
        self._provider(created.provider)
        state = evolve(None, created)
        await self._append(created.payment_id, [created], 0, state)
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
                    self._count_conflict()  # another worker moved first: re-read (their events), re-decide
                    last = conflict
        raise too_many_conflicts(payment_id, last)

    async def validate(self, payment_id: str, otp: str) -> Event:
        """The app's own action: submit the customer's OTP (a ``validate`` request) and record the answer."""
        state = await self._load(payment_id)
        event, _ = await self._exchange(payment_id, state, Validate(otp=otp), "validate")
        return event

    async def deliver_webhook(self, payment_id: str, headers: tuple[tuple[str, str], ...], body: bytes) -> Event:
        """Record a provider callback for ``payment_id``: a hint that can only move the next requery earlier."""
        state = await self._load(payment_id)
        provider = self._provider(state.provider)
        event = provider.adapter.webhook(headers, body, provider.secret_for_webhooks(), at=self.clock.now())
        await self._log.record_fact(payment_id, event, state)
        return event

    async def run(self, *, until_idle: bool = True) -> RunnerStats:
        """Serve due work until stopped (or, with ``until_idle``, until no payment has anything left to do).

        A stream the runner cannot advance (``StreamBroken``) is logged, recorded in ``stats.broken`` and skipped
        for the rest of this run; any other error in a payment's step ends the run (a bug must not pass silently).
        """
        active: dict[str, asyncio.Task[Step]] = {}
        skipped: set[str] = set()
        try:
            while not self._stopping.is_set():
                now = self.clock.now()
                free = self.concurrency - len(active)
                if free > 0:
                    for due in await self._log.due(now, free, skipped | set(active), self.worker, self.lease_for):
                        if due.stream not in active and len(active) < self.concurrency:
                            active[due.stream] = asyncio.create_task(self.advance(due.stream))
                if not active:
                    upcoming = await self._log.upcoming(skipped)
                    if upcoming is None:
                        if until_idle:
                            break
                        await self._pause(1.0)
                        continue
                    if upcoming.at <= now:  # due, but leased by another worker: look again shortly, not at once
                        await self._pause(_IDLE_POLL)
                        continue
                    await self._wait_until(upcoming.at)
                    continue
                done, _ = await asyncio.wait(active.values(), timeout=_IDLE_POLL, return_when=asyncio.FIRST_COMPLETED)
                for stream in [s for s, task in active.items() if task in done]:
                    self._finish(stream, active.pop(stream), skipped)
        finally:
            if active:
                await asyncio.gather(*active.values(), return_exceptions=True)  # in-flight requests are recorded
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
        wire = await self._call(request, operation, sent.at, provider.effective_policy)
        event = self._translate(provider, wire)
        return event, await self._log.record_fact(stream, event, in_flight)

    async def _call(self, request: HttpRequest, operation: Operation, sent_at: datetime, policy: Policy) -> Wire:
        """One exchange with the provider, as a wire (untranslated, unredacted)."""
        status, headers, body, error = await self._transport.send(request, self.clock.real_seconds(policy.timeout))
        if error is not None:
            self.stats.transport_errors[error] += 1
        return Wire(
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

    def _translate(self, provider: Provider, wire: Wire) -> Event:
        """The adapter's event for ``wire``; an adapter that raises gets its answer recorded as ambiguous."""
        try:
            return provider.adapter.translate(wire)
        except Exception:
            log.exception(
                "the adapter could not translate a %s answer (status %s) from %s %s: recorded as adapter_error",
                wire.operation,
                wire.status,
                wire.method,
                redact_url(wire.url),
            )
            self.stats.adapter_errors += 1
            return adapter_error(wire)

    def _count_conflict(self) -> None:
        self.stats.conflicts += 1

    # --- plumbing -------------------------------------------------------------------------------------------

    def _finish(self, stream: str, task: asyncio.Task[Step], skipped: set[str]) -> None:
        """Collect one payment's step: a broken stream is logged, recorded and skipped; any other error raises."""
        try:
            task.result()
        except StreamBroken as broken:
            log.error("skipping a broken stream for the rest of this run: %s", broken)
            self.stats.broken[stream] = str(broken)
            skipped.add(stream)

    async def _wait_until(self, when: datetime) -> None:
        sleeper = asyncio.create_task(self.clock.sleep_until(when))
        stopper = asyncio.create_task(self._stopping.wait())
        await asyncio.wait((sleeper, stopper), timeout=None, return_when=asyncio.FIRST_COMPLETED)
        for task in (sleeper, stopper):
            task.cancel()

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    def _provider(self, name: str) -> Provider:
        try:
            return self.providers[name]
        except KeyError:
            known = ", ".join(sorted(self.providers)) or "none"
            raise KeyError(f"no provider {name!r} configured in this runner (configured: {known})") from None

    def _policy_of(self, state: Payment) -> Policy:
        return self._provider(state.provider).effective_policy
