"""``payfold audit LOG``: the command's options, its run and its exit codes (the checks live in
``payfold.adapters.audit``)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from payfold.adapters.cli import _open, _progress, policy_of


def add_parser(commands: Any) -> None:
    """Register ``payfold audit`` on the CLI's subcommands."""
    audit = commands.add_parser("audit", help="verify the hash chain, replay every payment and check the invariants")
    audit.add_argument("db", help="a SQLite file or a postgresql:// DSN")
    audit.set_defaults(run=lambda args: asyncio.run(_audit(args)))


async def _audit(args: argparse.Namespace) -> int:
    from payfold.adapters.cli._scan import audit_of

    pace = _progress("audit")
    store = await _open(args.db)
    try:
        result = await audit_of(store, policy_of, pace)
    finally:
        await store.close()
        pace.finish()
    chain = result.chain
    print(f"hash chain: {'verified' if chain.ok else 'BROKEN'} ({chain.streams} streams, {chain.events} events)")
    for problem in chain.problems:
        print(f"  {problem.stream} v{problem.version} (position {problem.position}): {problem.kind}: {problem.detail}")
    print("payments: " + ", ".join(f"{status} {n}" for status, n in sorted(result.statuses.items())))
    print(f"invariants: {'hold' if not result.violations else f'{len(result.violations)} violations'}")
    for violation in result.violations:
        print(f"  {violation}")
    print(pace.summary())
    return 0 if result.ok else 1
