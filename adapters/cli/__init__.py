"""The ``payfold`` command: demo, simulate, sandbox, stats, audit, show, resolve, diagram."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from payfold import DEFAULT_POLICY, Event, PayfoldError, PaymentCreated, Policy


def diagram_page() -> str:
    """docs/state-machine.md: the Mermaid diagram rendered by ``transitions`` from the declaration."""
    from payfold import mermaid

    return (
        "# The payment machine\n\n"
        "Generated from `payfold._machine.DECLARATION` by `payfold diagram --write docs/state-machine.md`; "
        "`tests/core/test_machine.py` fails when this page differs from a fresh render.\n\n"
        "```mermaid\n" + mermaid() + "```\n"
    )


def policy_of(provider: str) -> Policy:
    """The documented policy of a provider payfold ships an adapter for (the default policy otherwise)."""
    from payfold.adapters import flutterwave, tranzzo

    return {"tranzzo": tranzzo.POLICY, "flutterwave": flutterwave.POLICY}.get(provider, DEFAULT_POLICY)


def policy_for(events: Sequence[Event]) -> Policy:
    """The policy a payment ran under: the one its creation recorded, else its provider's documented one."""
    first = events[0] if events else None
    if isinstance(first, PaymentCreated):
        recorded = getattr(first, "policy", None)
        return recorded if isinstance(recorded, Policy) else policy_of(first.provider)
    return DEFAULT_POLICY


async def _open(db: str, *, write: bool = False) -> Any:
    """The store behind ``db``. A file must already be a payfold log (never created here); ``write`` says the
    command appends (only ``resolve`` does)."""
    from payfold.adapters.cli._logfile import check_log, is_dsn

    if is_dsn(db):
        from payfold.adapters.stores.postgres import PostgresStore

        return await PostgresStore.open(db, read_only=not write)
    check_log(db)
    from payfold.adapters.stores.sqlite import SqliteStore

    return await SqliteStore.open(db, read_only=not write)


class UnknownPayment(PayfoldError):
    """The log holds no payment by that id."""


async def read_payment(db: str, payment: str) -> list[Event]:
    """One payment's events from the log ``db`` (opened read-only); ``UnknownPayment`` names both when absent."""
    store = await _open(db)
    try:
        events: list[Event] = await store.read(payment)
    finally:
        await store.close()
    if not events:
        raise UnknownPayment(f"no payment {payment!r} in {db}")
    return events


def _print_stories() -> None:
    from payfold.adapters.cli._stories import render, stories

    for index, story in enumerate(stories(), start=1):
        print(("\n" if index > 1 else "") + f"Story {index}. ", end="")
        for line in render(story):
            print(line)


def _demo_command(args: argparse.Namespace) -> int:
    from payfold.adapters.cli._demo_log import check_demo_args

    try:
        check_demo_args(args.payments, args.fault_rate, args.db)
    except ValueError as error:
        print(f"payfold demo: {error}", file=sys.stderr)
        return 2
    if not args.no_stories:
        _print_stories()
    if args.stories:
        return 0
    from payfold.adapters.cli._demo import run_demo
    from payfold.adapters.cli._demo_report import render as render_report

    if not args.no_stories:
        print(f"\nNow {args.payments} payments through the sandbox on loopback, under injected faults:")
    report = asyncio.run(
        run_demo(payments=args.payments, db=args.db, seed=args.seed, fault_rate=args.fault_rate, progress=True)
    )
    print("\n".join(render_report(report)))
    return 0 if report.mismatches == 0 and report.chain_ok and not report.unfinished else 1  # reviews are fine


def _simulate(args: argparse.Namespace) -> int:
    import json

    from payfold.adapters.simulate._run import render, simulate

    seeds = range(args.seed, args.seed + args.seeds)
    progress = _simulate_progress(args.seeds) if args.seeds > 1 and sys.stderr.isatty() else None
    try:
        report = simulate(
            seeds, payments=args.payments, workers=args.workers, store=args.store, kill_rate=args.kill_rate,
            keep=args.keep, progress=progress,
        )  # fmt: skip
    except ValueError as error:
        print(f"payfold simulate: {error}", file=sys.stderr)
        return 2
    if progress is not None:
        print(file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print("\n".join(render(report, show_notes=args.seeds == 1)))
    for line in _failed_seeds(report) if args.json else ():
        print(line, file=sys.stderr)
    return 1 if report.failed else 0


def _simulate_progress(total: int) -> Any:
    done, failed = [0], [0]

    def progress(result: Any) -> None:
        done[0] += 1
        failed[0] += result.failed
        sys.stderr.write(f"\r  {done[0]}/{total} seeds, {failed[0]} failed (seed {result.seed})")
        sys.stderr.flush()

    return progress


def _failed_seeds(report: Any) -> list[str]:
    from payfold.adapters.simulate._run import failure_lines

    return [line for result in report.failed for line in failure_lines(report, result)]


def _sandbox(options: list[str]) -> int:
    from payfold.adapters.sandbox import main as sandbox_main

    status: int = sandbox_main(options[1:] if options[:1] == ["--"] else options)
    return status


def _progress(label: str) -> Any:
    from payfold.adapters.cli._pace import Pace

    return Pace(label, sys.stderr if sys.stderr.isatty() else None)


async def _resolve(args: argparse.Namespace) -> int:
    from payfold.adapters.operate import resolve

    store = await _open(args.db, write=True)
    try:
        before, after = await resolve(
            store, args.payment, args.outcome, operator=args.operator, note=args.note, force=args.force
        )
    finally:
        await store.close()
    print(f"{args.payment}: {before.status.value} -> {after.status.value} by {args.operator.strip()}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``payfold`` command."""
    from payfold import __version__
    from payfold.adapters.cli._errors import Parser, fraction, guarded, positive

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sandbox"]:  # the sandbox parses its own options (``payfold sandbox --port 8765 --seed 7``)
        return guarded("sandbox", lambda: _sandbox(argv[1:]))
    parser = Parser(prog="payfold", description="An event-sourced payment state machine.")
    parser.add_argument("--version", action="version", version=f"payfold {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    demo = commands.add_parser("demo", help="drive payments through the sandbox under injected faults")
    demo.add_argument("--payments", type=positive, default=1000, help="how many payments (default 1000)")
    demo.add_argument("--db", help="the SQLite file to write (default: a new temporary file)")
    demo.add_argument("--seed", type=int, default=7, help="seed of faults, amounts and latencies (same seed, same run)")
    demo.add_argument("--fault-rate", type=fraction, default=0.35, help="share of provider calls faulted, 0 to 1")
    demo.add_argument("--stories", action="store_true", help="only replay the three scripted stories in memory")
    demo.add_argument("--no-stories", action="store_true", help="skip the three scripted stories")
    demo.set_defaults(run=_demo_command)

    simulate = commands.add_parser(
        "simulate", help="the deterministic simulation: runners, store and sandbox on one virtual clock, with kills"
    )
    simulate.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    simulate.add_argument("--seeds", type=int, default=1, help="how many seeds from --seed on (default 1)")
    simulate.add_argument("--payments", type=int, default=3, help="payments per seed (default 3)")
    simulate.add_argument("--workers", type=int, default=4, help="runners on the one log (default 4)")
    simulate.add_argument("--store", default="sqlite", help="sqlite (default) or a postgresql:// DSN")
    simulate.add_argument("--kill-rate", type=float, default=0.5, help="chance a worker is killed (default 0.5)")
    simulate.add_argument("--keep", metavar="DIR", help="where to keep a failing seed's SQLite log")
    simulate.add_argument("--json", action="store_true", help="print one JSON object with the figures")
    simulate.set_defaults(run=_simulate)

    commands.add_parser(
        "sandbox", help="serve the Tranzzo and Rave v2 emulator on loopback (options: payfold sandbox --help)"
    )  # parsed by the sandbox itself: see the top of main

    from payfold.adapters.cli import _audit, _explain, _replay, _show, _stats

    _audit.add_parser(commands)
    _explain.add_parser(commands)
    _replay.add_parser(commands)
    _show.add_parsers(commands)
    _stats.add_parser(commands)

    resolve = commands.add_parser("resolve", help="record an operator's decision on a payment under review")
    resolve.add_argument("db")
    resolve.add_argument("payment")
    resolve.add_argument("outcome", choices=("settled", "failed"))
    resolve.add_argument("--operator", required=True, help="who decided (required, not empty)")
    resolve.add_argument("--note", required=True, help="why: the evidence the decision rests on (required)")
    resolve.add_argument(
        "--force", action="store_true", help="decide a payment that is not under review (payfold is still on it)"
    )
    resolve.set_defaults(run=lambda args: asyncio.run(_resolve(args)))

    diagram = commands.add_parser("diagram", help="print the state diagram (Mermaid) rendered from the machine")
    diagram.add_argument("--write", metavar="PATH", help="write the docs page to PATH instead of printing it")
    diagram.add_argument("--rules", action="store_true", help="the rules page (docs/rules.md) instead of the diagram")
    diagram.set_defaults(run=_diagram)

    args = parser.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING, format="payfold %(levelname)s %(name)s: %(message)s")
    status: int = guarded(args.command, lambda: args.run(args))
    return status


def _diagram(args: argparse.Namespace) -> int:
    from payfold._rules import rules_page

    page = rules_page() if args.rules else diagram_page()
    if args.write:
        Path(args.write).write_text(page)
        print(f"wrote {args.write}")
    else:
        sys.stdout.write(page)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
