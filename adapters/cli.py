"""The ``payfold`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _demo(args: argparse.Namespace) -> int:
    from ._stories import render, stories

    for index, story in enumerate(stories(), start=1):
        if index > 1:
            print()
        print(f"Story {index}. ", end="")
        for line in render(story):
            print(line)
    return 0


def diagram_page() -> str:
    """docs/state-machine.md: the Mermaid diagram rendered by ``transitions`` from the declaration."""
    from payfold import mermaid

    return (
        "# The payment machine\n\n"
        "Generated from `payfold._machine.DECLARATION` by `payfold diagram --write docs/state-machine.md`; "
        "`tests/core/test_machine.py` fails when this page differs from a fresh render.\n\n"
        "```mermaid\n" + mermaid() + "```\n"
    )


def _diagram(args: argparse.Namespace) -> int:
    page = diagram_page()
    if args.write:
        Path(args.write).write_text(page)
        print(f"wrote {args.write}")
    else:
        sys.stdout.write(page)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``payfold`` command."""
    parser = argparse.ArgumentParser(prog="payfold", description="An event-sourced payment state machine.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="replay three scripted payment stories in memory")
    demo.set_defaults(run=_demo)
    diagram = commands.add_parser("diagram", help="print the state diagram (Mermaid) rendered from the machine")
    diagram.add_argument("--write", metavar="PATH", help="write the docs page to PATH instead of printing it")
    diagram.set_defaults(run=_diagram)
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except BrokenPipeError:  # the reader went away (``payfold demo | head``): not an error
        sys.stderr.close()
        return 0
    return status


if __name__ == "__main__":
    raise SystemExit(main())
