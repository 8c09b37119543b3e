"""Serving the sandbox over real TCP with uvicorn: ``serve`` (blocking, for ``payfold sandbox``) and ``served``
(an async context manager running it inside the caller's event loop). uvicorn is imported only here, lazily."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING

from payfold.adapters.sandbox._faults import KINDS, FaultPlan

if TYPE_CHECKING:
    import uvicorn

    from payfold.adapters.sandbox import Sandbox


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _server(sandbox: Sandbox, log_level: str) -> uvicorn.Server:
    import uvicorn

    config = uvicorn.Config(
        sandbox.app, lifespan="off", log_level=log_level, access_log=False, timeout_graceful_shutdown=2
    )
    return uvicorn.Server(config)


@contextlib.asynccontextmanager
async def served(
    sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"
) -> AsyncIterator[str]:
    """Run ``sandbox`` with uvicorn in the current event loop; yields its base URL (``port=0``: a free port)."""
    sock = _bind(host, port)
    server = _server(sandbox, log_level)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the sandbox server stopped before it started")
            await asyncio.sleep(0.01)
        yield _url(host, sock)
    finally:
        server.should_exit = True
        await task
        sock.close()


def describe(sandbox: Sandbox, url: str) -> list[str]:
    """What a user needs to point payfold at a served sandbox (sandbox-only credentials, safe to print)."""
    t, r = sandbox.tranzzo_keys, sandbox.rave_keys
    plan = sandbox.faults
    kinds = ", ".join(f"{k}={w:g}" for k, w in plan.weights.items() if w > 0) or "none"
    return [
        f"payfold sandbox on {url}  (seed {sandbox.seed}, fault rate {plan.rate:g}: {kinds})",
        f"  tranzzo: pos_id={t.pos_id} api_key={t.api_key} api_secret={t.api_secret} endpoints_key={t.endpoints_key}",
        f"  flutterwave: public_key={r.public_key} secret_key={r.secret_key} verif-hash={sandbox.rave_webhook_hash}",
    ]


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    seed: int = 0,
    faults: FaultPlan | None = None,
    log_level: str = "warning",
    announce: Callable[[str], None] = print,
) -> None:
    """Serve a new ``Sandbox`` on ``host:port`` until interrupted (``port=0``: a free port, announced)."""
    from payfold.adapters.sandbox import Sandbox

    sandbox = Sandbox(seed=seed, faults=faults)
    sock = _bind(host, port)
    for line in describe(sandbox, _url(host, sock)):
        announce(line)
    try:
        _server(sandbox, log_level).run(sockets=[sock])
    finally:
        sock.close()


def main(argv: Sequence[str] | None = None) -> int:
    """``payfold sandbox [--host H] [--port P] [--seed N] [--rate R] [--kinds k1,k2] [--hang S]``."""
    parser = argparse.ArgumentParser(prog="payfold sandbox", description="Serve the Tranzzo + Rave v2 sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rate", type=float, default=0.3, help="share of calls that meet a fault (0..1)")
    parser.add_argument("--kinds", default="", help=f"comma-separated fault kinds (default: all of {', '.join(KINDS)})")
    parser.add_argument("--hang", type=float, default=1.0, help="seconds a hang fault waits before answering")
    args = parser.parse_args(argv)
    try:
        base = FaultPlan()
        weights = {k: 1.0 for k in args.kinds.split(",") if k} if args.kinds else base.weights
        plan = FaultPlan(rate=args.rate, weights=weights, hang_seconds=args.hang)
    except ValueError as exc:
        print(f"payfold sandbox: {exc}", file=sys.stderr)
        return 2
    serve(args.host, args.port, seed=args.seed, faults=plan)
    return 0
