"""Workers that can die at any await: ``Node`` (one incarnation of a worker) and the store each worker sees.

A ``Node`` counts the awaits its worker makes through the store (``NodeStore``) and the network
(``_simulate_net``). At the seeded one it dies, before the call takes effect or after it did (a commit that
landed, a charge the provider applied, whose result the worker never saw). From then on every call of that node
raises ``Killed``, a ``BaseException`` nothing in the runner catches: nothing the worker does after the kill
reaches the store or the provider, as after a SIGKILL. Looking for due work (``due``, ``lease_due``) is not a
kill point: a crash there changes nothing anyone could see, and those calls would crowd out the rest.

Every store call, of any node, goes through one gate (one call at a time) and is declared as real I/O to the
``SimLoop``: time stands still while the disk works, and the order of events does not depend on its speed. Each
call then costs ``Gate.latency`` of virtual time, as a database round trip does: a worker that polls the store in
a loop (looking for due work another worker holds) lets time pass, as it would for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from payfold import Event
from payfold._store import AppendResult, Due, EventStore, Record, StreamAppend, VerifyReport
from payfold.adapters.simulate._loop import SimLoop

T = TypeVar("T")


class Killed(BaseException):
    """The node this call belongs to was killed (a simulated SIGKILL): the call has no effect and never returns."""


@dataclass
class Node:
    """One incarnation of a worker. ``kill_at``: the counted await it dies at (None: it lives); ``kill_after``:
    whether that call takes effect first."""

    name: str
    kill_at: int | None = None
    kill_after: bool = False
    awaits: int = 0
    dead: bool = False
    died_at: str = ""
    on_kill: Callable[[], None] | None = None

    def enter(self, what: str, *, counted: bool = True) -> bool:
        """Before a call: raise ``Killed`` if dead or dying now; True when it must die right after the call."""
        self.check()
        if not counted:
            return False
        self.awaits += 1
        if self.awaits != self.kill_at:
            return False
        if not self.kill_after:
            self.die(f"before {what}")
        return True

    def leave(self, fire: bool, what: str) -> None:
        """After a call: raise ``Killed`` if the node died meanwhile, or dies now (``fire``)."""
        self.check()
        if fire:
            self.die(f"after {what}")

    def check(self) -> None:
        if self.dead:
            raise Killed(self.name)

    def die(self, where: str) -> None:
        self.dead, self.died_at = True, where
        if self.on_kill is not None:
            self.on_kill()
        raise Killed(self.name)


class Gate:
    """One store call at a time, each declared to the loop as real I/O and costing ``latency`` virtual seconds."""

    def __init__(self, loop: SimLoop, latency: float = 0.02) -> None:
        self.loop, self.latency = loop, latency
        self.lock = asyncio.Lock()
        self.calls = 0
        self.written = asyncio.Event()
        """Set after every append that went through (for whoever waits for the log to move)."""
        self.busy_waits: list[str] = []
        """Episodes of a node asking for due work in a loop while the work was due but leased (see
        ``LeasingNodeStore``)."""

    async def run(self, node: Node, what: str, call: Callable[[], Awaitable[T]], *, counted: bool = True) -> T:
        fire = node.enter(what, counted=counted)
        async with self.lock:
            node.check()  # died while waiting for its turn: the call never starts
            self.calls += 1
            with self.loop.real():
                result = await _whole(call)
            self.loop.elapse(self.latency)
        node.leave(fire, what)
        return result


async def _whole(call: Callable[[], Awaitable[T]]) -> T:
    """Run ``call`` to its end even when the caller is cancelled meanwhile (then raise ``CancelledError`` after):
    a store call cut in the middle would leave a connection in an unknown state, and the gate open too early."""
    task = asyncio.ensure_future(call())
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        raise asyncio.CancelledError
    return task.result()


class NodeStore:
    """The store as one node sees it: every call through the gate, every call a possible kill point."""

    def __init__(self, inner: EventStore, node: Node, gate: Gate) -> None:
        self._inner, self.node, self._gate = inner, node, gate

    async def append(
        self, stream: str, events: Sequence[Event], expected_version: int, *, due: datetime | None = None
    ) -> AppendResult:
        result = await self._gate.run(
            self.node, f"append {stream}", lambda: self._inner.append(stream, events, expected_version, due=due)
        )
        self._gate.written.set()
        return result

    async def append_many(self, appends: Sequence[StreamAppend]) -> list[AppendResult]:
        results = await self._gate.run(self.node, "append_many", lambda: self._inner.append_many(appends))
        self._gate.written.set()
        return results

    async def read(self, stream: str) -> list[Event]:
        return await self._gate.run(self.node, f"read {stream}", lambda: self._inner.read(stream))

    async def read_records(self, stream: str, after_version: int = 0) -> list[Record]:
        return await self._gate.run(
            self.node, f"read {stream}", lambda: self._inner.read_records(stream, after_version)
        )

    async def version(self, stream: str) -> int:
        return await self._gate.run(self.node, f"version {stream}", lambda: self._inner.version(stream))

    async def find(self, provider: str, reference: str) -> str | None:
        return await self._gate.run(
            self.node, f"find {provider} {reference}", lambda: self._inner.find(provider, reference)
        )

    async def read_all(self, after_position: int = 0, *, batch: int = 500) -> AsyncIterator[Record]:
        records = self._inner.read_all(after_position, batch=batch).__aiter__()
        while True:
            try:
                record = await self._gate.run(self.node, "read_all", records.__anext__)
            except StopAsyncIteration:
                return
            yield record

    async def due(self, now: datetime, limit: int = 100) -> list[Due]:
        return await self._gate.run(self.node, "due", lambda: self._inner.due(now, limit), counted=False)

    async def verify(self) -> VerifyReport:
        return await self._gate.run(self.node, "verify", self._inner.verify)

    async def close(self) -> None:
        """The worker is done with the store; the store itself stays open (it is the simulation's)."""


class LeasingNodeStore(NodeStore):
    """``NodeStore`` for a store that leases due work (PostgreSQL).

    It also watches for busy waiting: a lease that finds nothing, then a look at the upcoming work that finds some
    already due (leased by someone, the node itself included), again and again with no time passing in between
    but the store's own latency. ``BUSY`` such rounds in a row make one episode in ``Gate.busy_waits``.
    """

    BUSY = 50

    def __init__(self, inner: EventStore, node: Node, gate: Gate) -> None:
        super().__init__(inner, node, gate)
        self._leased_at: datetime | None = None
        self._rounds = 0

    async def lease_due(
        self, now: datetime, worker: str, limit: int, lease_for: timedelta, *, exclude: Sequence[str] = ()
    ) -> list[Due]:
        lease: Any = getattr(self._inner, "lease_due")  # noqa: B009  # only leasing stores have it
        found: list[Due] = await self._gate.run(
            self.node, "lease_due", lambda: lease(now, worker, limit, lease_for, exclude=exclude), counted=False
        )
        self._leased_at = None if found else now
        if found:
            self._rounds = 0
        return found

    async def due(self, now: datetime, limit: int = 100) -> list[Due]:
        found = await super().due(now, limit)
        if self._leased_at is not None and found and found[0].at <= self._leased_at:
            self._rounds += 1
            if self._rounds == self.BUSY:
                self._gate.busy_waits.append(
                    f"{self.node.name} polled {self.BUSY} times in a row without pausing for {found[0].stream}, due "
                    f"since {found[0].at.time()} and leased (by another worker or by itself)"
                )
        else:
            self._rounds = 0
        return found


def node_store(inner: EventStore, node: Node, gate: Gate) -> NodeStore:
    """The right view for ``inner``: with ``lease_due`` when the store leases due work."""
    if hasattr(inner, "lease_due"):
        return LeasingNodeStore(inner, node, gate)
    return NodeStore(inner, node, gate)
