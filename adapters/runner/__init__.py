"""The runner: the imperative shell around payfold's pure core.

For each payment: read its events, fold, ask ``next_step``; when the step is due, append ``RequestSent`` (before
the I/O), call the provider over HTTP with the adapter's request and the policy's timeout on the whole exchange,
translate the answer (a timeout or a reset becomes the wire's ``error``) and append the event.

Decisions and facts are treated apart. A decision (``RequestSent``, a ``Conclude`` step) that loses a race
(``ConcurrencyConflict``) is dropped and derived again from a fresh read: another worker moved first. A fact (a
provider's answer, a webhook) is never dropped: it is appended at the stream's new head. Each ``RequestSent``
names its sender, so two workers' requests never share bytes; one the store absorbed as a duplicate is never sent.
Every timer is derived from the log (the store's due projection is written in the same transaction as the
events), so the loop survives restarts and several workers can share one store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

import httpx
import msgspec

from payfold import (
    AppendResult,
    Conclude,
    ConcurrencyConflict,
    Done,
    Due,
    Event,
    IllegalTransition,
    Operation,
    PayfoldError,
    Payment,
    PaymentCreated,
    Policy,
    Poll,
    Record,
    Requery,
    RequestSent,
    SendCharge,
    Step,
    UnreadableEvent,
    Validate,
    WebhookReceived,
    Wire,
    evolve,
    fold,
    next_step,
    tag_of,
)
from payfold._store import EventStore, StreamAppend
from payfold.adapters.runner._committer import GroupCommitter
from payfold.adapters.runner.clock import Clock, SystemClock
from payfold.adapters.wire.gateway import unanswered
from payfold.adapters.wire.request import HttpRequest

log = logging.getLogger("payfold.runner")

_FAR_FUTURE: Final = datetime(9999, 1, 1, tzinfo=UTC)
_IDLE_POLL: Final = 0.02
CONFLICT_RETRIES: Final = 16
"""Version conflicts in a row on one stream before the runner gives up on it with ``StreamBroken``."""


class StreamBroken(PayfoldError):
    """The runner cannot advance ``stream``: its stored versions have a gap, its events do not fold, or appends to
    it kept conflicting (``detail`` says which). ``Runner.run`` logs it and skips the stream for the rest of the run.
    """

    def __init__(self, stream: str, detail: str) -> None:
        super().__init__(f"stream {stream!r}: {detail}")
        self.stream = stream
        self.detail = detail


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
    """What one runner did: requests by operation, transport errors, lost races, commits, answers an adapter
    could not translate, and the streams it skipped as broken (stream -> why)."""

    requests: Counter[str] = field(default_factory=Counter)
    transport_errors: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    concluded: int = 0
    adapter_errors: int = 0
    broken: dict[str, str] = field(default_factory=dict)


class Runner:
    """Drives payments stored in ``store`` through their providers. See docs/runner.md.

    ``worker`` names this runner in leases and, with ``nonce`` (default: random), in every ``RequestSent`` it
    writes (``sender``); a deterministic simulation passes its own nonce.
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
        self.sender = f"{worker}:{secrets.token_hex(4) if nonce is None else nonce}"
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
        """The payment's current state, folded from the store (``StreamBroken`` when its log has a gap)."""
        return await self._load(payment_id)

    async def advance(self, payment_id: str) -> Step:
        """Do what is due now for one payment (at most one request), and return the step that follows.

        ``payment_id`` names the stream; every append goes to that stream. A lost race is re-read and decided
        again, at most ``CONFLICT_RETRIES`` times in a row; then ``StreamBroken`` names the stream.
        """
        last: ConcurrencyConflict | None = None
        for _ in range(CONFLICT_RETRIES):
            try:
                return await self._advance_once(payment_id)
            except ConcurrencyConflict as conflict:
                self.stats.conflicts += 1  # another worker moved first: re-read, re-decide
                last = conflict
        raise _too_many_conflicts(payment_id, last)

    async def validate(self, payment_id: str, otp: str) -> Event:
        """The app's own action: submit the customer's OTP (a ``validate`` request) and record the answer."""
        state = await self._load(payment_id)
        return await self._exchange(payment_id, state, Validate(otp=otp), "validate")

    async def deliver_webhook(self, payment_id: str, headers: tuple[tuple[str, str], ...], body: bytes) -> Event:
        """Record a provider callback for ``payment_id``: a hint that can only move the next requery earlier."""
        state = await self._load(payment_id)
        provider = self._provider(state.provider)
        event = provider.adapter.webhook(headers, body, provider.webhook_secret, at=self.clock.now())
        return await self._record_fact(payment_id, event, state)

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
                    for due in await self._due(now, free, skipped | set(active)):
                        if due.stream not in active and len(active) < self.concurrency:
                            active[due.stream] = asyncio.create_task(self.advance(due.stream))
                if not active:
                    upcoming = await self._upcoming(skipped)
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
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None

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
        await self._exchange(stream, state, step, operation)
        return next_step(await self._load(stream), policy)

    async def _exchange(
        self, stream: str, state: Payment, action: SendCharge | Poll | Requery | Validate, operation: Operation
    ) -> Event:
        """Claim the request (``RequestSent``, before the I/O), send it, translate the answer and record it."""
        provider = self._provider(state.provider)
        try:
            request = provider.adapter.request(action, state, provider.credentials)
        except (ValueError, KeyError, TypeError) as exc:  # nothing was sent: the payment's own data is at fault
            raise StreamBroken(stream, f"the adapter cannot build the {operation} request: {exc!r}") from exc
        sent = RequestSent(
            at=self.clock.now(),
            operation=operation,
            attempt=state.next_attempt(operation),
            url=request.url,
            sender=self.sender,
        )
        in_flight = evolve(state, sent)
        claimed = await self._append(stream, [sent], state.version, in_flight)
        if claimed.appended == 0:  # the very same bytes were already stored: whoever stored them sends it
            raise ConcurrencyConflict(stream, state.version, claimed.version)
        self.stats.requests[operation] += 1
        wire = await self._call(request, operation, sent.at, provider.effective_policy)
        event = self._translate(provider, wire)
        return await self._record_fact(stream, event, in_flight)

    async def _call(self, request: HttpRequest, operation: Operation, sent_at: datetime, policy: Policy) -> Wire:
        """One exchange with the provider, as a wire (untranslated, unredacted)."""
        status, headers, body, error = await self._send(request, self.clock.real_seconds(policy.timeout))
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

    async def _send(
        self, request: HttpRequest, timeout: float
    ) -> tuple[int | None, tuple[tuple[str, str], ...], bytes, str | None]:
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
            log.warning("transport error %s on %s %s", type(exc).__name__, request.method, request.url)
            return None, (), b"", "transport"
        headers = tuple((name.lower(), value) for name, value in response.headers.multi_items())
        return response.status_code, headers, response.content, None

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
                wire.url,
            )
            self.stats.adapter_errors += 1
            return adapter_error(wire)

    async def _record_fact(self, stream: str, event: Event, state: Payment) -> Event:
        """Append a fact (an answer, a webhook) at the head of ``stream``, ``state`` being what was read last.

        A conflict only means someone else wrote meanwhile: re-read and append the fact after theirs. A fact is
        never dropped; only a stream that keeps refusing it raises ``StreamBroken``.
        """
        last: ConcurrencyConflict | None = None
        try:
            for _ in range(CONFLICT_RETRIES):
                try:
                    await self._append(stream, [event], state.version, evolve(state, event))
                    return event
                except ConcurrencyConflict as conflict:
                    self.stats.conflicts += 1
                    last = conflict
                state = await self._load(stream)
            raise _too_many_conflicts(stream, last)
        except StreamBroken:
            log.error("a %s could not be recorded in %r and is lost: %s", tag_of(event), stream, event)
            raise

    # --- plumbing -------------------------------------------------------------------------------------------

    async def _load(self, stream: str) -> Payment:
        """Read and fold ``stream``; its version is the store's (``StreamBroken`` when the versions have a gap)."""
        records = await self.store.read_records(stream)
        if not records:
            raise KeyError(f"no payment {stream!r} in the store")
        check_versions(stream, records)
        try:
            return fold(record.event() for record in records)
        except (IllegalTransition, UnreadableEvent) as exc:
            raise StreamBroken(stream, f"its events do not fold ({exc}); check it with `payfold audit`") from exc

    async def _append(self, stream: str, events: list[Event], expected_version: int, after: Payment) -> AppendResult:
        step = next_step(after, self._policy_of(after))
        due = None if isinstance(step, Done) else step.due
        item = StreamAppend(stream=stream, events=events, expected_version=expected_version, due=due)
        if self._committer is not None:
            return await self._committer.append(item)
        return await self.store.append(stream, events, expected_version, due=due)

    def _finish(self, stream: str, task: asyncio.Task[Step], skipped: set[str]) -> None:
        """Collect one payment's step: a broken stream is logged, recorded and skipped; any other error raises."""
        try:
            task.result()
        except StreamBroken as broken:
            log.error("skipping a broken stream for the rest of this run: %s", broken)
            self.stats.broken[stream] = str(broken)
            skipped.add(stream)

    async def _due(self, now: datetime, limit: int, excluded: set[str]) -> list[Due]:
        """Up to ``limit`` due streams, none of ``excluded`` (skipped, or already being advanced here: leasing
        one of those would hold its next step away from every worker until the lease ran out)."""
        lease = getattr(self.store, "lease_due", None)
        if lease is not None:
            found: list[Due] = await lease(now, self.worker, limit, self.lease_for, exclude=sorted(excluded))
        else:
            found = await self.store.due(now, limit + len(excluded))
        return [due for due in found if due.stream not in excluded][:limit]

    async def _upcoming(self, skipped: set[str]) -> Due | None:
        """The next due entry of a stream not skipped, however far ahead (None: nothing left to do)."""
        found = await self.store.due(_FAR_FUTURE, len(skipped) + 1)
        return next((due for due in found if due.stream not in skipped), None)

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


def adapter_error(wire: Wire) -> Event:
    """What an answer the adapter could not translate stands for: nobody knows what it said.

    The same event an unreadable answer gets (``OutcomeUnknown`` for a charge or validate, ``RequeryFailed`` for a
    requery, ``PollFailed`` for a poll), with cause ``adapter_error``. The wire keeps its status, method, url,
    error and times; its body and headers are dropped, because an adapter that failed redacted nothing.
    """
    return unanswered(msgspec.structs.replace(wire, headers=(), body=b""), "adapter_error")


def check_versions(stream: str, records: Sequence[Record]) -> None:
    """Raise ``StreamBroken`` unless ``records`` hold versions 1, 2, 3, ... with none missing."""
    for expected, record in enumerate(records, start=1):
        if record.version != expected:
            found = f"version {record.version}" + (f" after version {expected - 1}" if expected > 1 else " first")
            raise StreamBroken(
                stream,
                f"version {expected} is missing (found {found}): no append can be placed in a log with a gap; "
                "check it with `payfold audit`",
            )


def _too_many_conflicts(stream: str, last: ConcurrencyConflict | None) -> StreamBroken:
    seen = f" (the last: expected version {last.expected}, found {last.actual})" if last is not None else ""
    return StreamBroken(
        stream,
        f"gave up after {CONFLICT_RETRIES} version conflicts in a row{seen}: other writers keep moving it, or "
        "its stored versions disagree with its events; check it with `payfold audit`",
    )
