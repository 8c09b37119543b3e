"""Serving the sandbox over real TCP with uvicorn: ``serve`` (blocking, for ``payfold sandbox``) and ``served``
(an async context manager running it inside the caller's event loop). uvicorn is imported only here, lazily."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, NoReturn

from payfold.adapters.sandbox._faults import KINDS, FaultPlan

if TYPE_CHECKING:
    import uvicorn

    from payfold.adapters.sandbox import Sandbox


def _bind(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket. ``IPPROTO_TCP`` is named: asyncio sets ``TCP_NODELAY`` only on sockets whose
    ``proto`` says TCP, and without it every answer (headers, body) waited ~40 ms for the client's delayed ACK."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
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


@contextlib.contextmanager
def _signals_left_alone() -> Iterator[None]:
    """In place of uvicorn's ``capture_signals`` when the server runs inside someone else's program."""
    yield


@contextlib.asynccontextmanager
async def served(
    sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0, *, log_level: str = "warning"
) -> AsyncIterator[str]:
    """Run ``sandbox`` with uvicorn in the current event loop; yields its base URL (``port=0``: a free port).

    Ctrl-C stays the caller's: uvicorn would otherwise take SIGINT for itself, stop serving and keep the caller
    running against a closed port until its shutdown ended."""
    sock = _bind(host, port)
    server = _server(sandbox, log_level)
    server.capture_signals = _signals_left_alone  # type: ignore[method-assign]
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

    _serve_on(_bind(host, port), host, Sandbox(seed=seed, faults=faults), log_level, announce)


def _serve_on(
    sock: socket.socket, host: str, sandbox: Sandbox, log_level: str, announce: Callable[[str], None]
) -> None:
    for line in describe(sandbox, _url(host, sock)):
        announce(line)
    try:
        _server(sandbox, log_level).run(sockets=[sock])
    finally:
        sock.close()


class _Refused(Exception):
    """A command-line value ``main`` will not serve with: one line for the user."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line for ``main`` to print (no usage block)."""

    def error(self, message: str) -> NoReturn:
        raise _Refused(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="payfold sandbox",
        description="Serve the Tranzzo + Rave v2 emulator, with seeded faults, until interrupted (Ctrl-C).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="the port (default 8765; 0 picks a free one)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the faults and ids (default 0)")
    parser.add_argument("--rate", type=float, default=0.3, help="share of calls that meet a fault, 0..1 (default 0.3)")
    parser.add_argument("--kinds", default="", help=f"comma-separated fault kinds (default: all of {', '.join(KINDS)})")
    parser.add_argument("--hang", type=float, default=1.0, help="seconds a hang holds its answer (default 1.0)")
    return parser


def _plan(args: argparse.Namespace) -> FaultPlan:
    """The fault plan the options ask for (``_Refused`` naming the option that is wrong)."""
    if not 0 <= args.port <= 65535:
        raise _Refused(f"--port must be within 0..65535, got {args.port}")
    if not 0.0 <= args.rate <= 1.0:
        raise _Refused(f"--rate must be within 0..1, got {args.rate:g}")
    if not (math.isfinite(args.hang) and args.hang >= 0.0):
        raise _Refused(f"--hang must be a number of seconds >= 0, got {args.hang:g}")
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise _Refused(f"--kinds has unknown kinds {', '.join(unknown)}; known: {', '.join(KINDS)}")
    weights = {kind: 1.0 for kind in kinds} if kinds else FaultPlan().weights
    return FaultPlan(rate=args.rate, weights=weights, hang_seconds=args.hang)


def main(argv: Sequence[str] | None = None) -> int:
    """``payfold sandbox [--host H] [--port P] [--seed N] [--rate R] [--kinds k1,k2] [--hang S]``.

    ``argv`` may start with ``--`` (``payfold sandbox -- --help``). A wrong option, a port that cannot be
    listened on prints one line and returns 2, a missing ``sandbox`` extra returns 3; ``--help`` returns 0.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--"]:
        arguments = arguments[1:]
    try:
        args = _parser().parse_args(arguments)
        plan = _plan(args)
        import uvicorn  # noqa: F401  # the extra is checked before anything is printed
    except SystemExit as done:  # argparse's own exit after --help
        return done.code if isinstance(done.code, int) else 0
    except _Refused as refused:
        print(f"payfold sandbox: {refused} (see payfold sandbox --help)", file=sys.stderr)
        return 2
    except ModuleNotFoundError as missing:  # the environment, not the input: exit 3 (docs/cli.md)
        print(f"payfold sandbox: needs the 'sandbox' extra ({missing.name} is not installed): "
              "pip install 'payfold[sandbox]'", file=sys.stderr)  # fmt: skip
        return 3
    try:
        sock = _bind(args.host, args.port)
    except OSError as error:  # the address is in use, or not one of this machine's
        print(f"payfold sandbox: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 2
    from payfold.adapters.sandbox import Sandbox

    with contextlib.suppress(KeyboardInterrupt):
        _serve_on(sock, args.host, Sandbox(seed=args.seed, faults=plan), "warning", print)
    return 0
