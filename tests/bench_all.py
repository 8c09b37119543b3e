"""``make bench``: every benchmark module's rows in one table, the machine and versions on top, and ``.bench.json``.

    .venv/bin/python -m tests.bench_all [--json] [--only SUBSTRING ...]

Each module in ``MODULES`` that exposes ``rows() -> list[tests.benchrow.Row]`` is run in turn; one that does not
(or cannot be imported) is skipped with a line saying so, and one that fails is reported and skipped, so one
broken benchmark does not hide the others. ``--json`` prints the JSON written to ``.bench.json`` instead of the
table. Each row is a ratio against a baseline measured in the same run (see ``tests/benchrow.py``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sqlite3
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.benchrow import Row

# tests.bench prints the fold and eventsourcing rows itself; bench_flutterwave and bench_large_bodies stay standalone
# scripts (their figures are the translate rows and docs/adapters.md "Limits").
MODULES = (
    "tests.bench_fold",
    "tests.bench_eventsourcing",
    "tests.runner.bench_runner",
    "tests.stores.bench_stores",
    "tests.stores.bench_pg",
    "tests.adapters.bench_translate",
    "tests.cli.bench_reports",
    "tests.cli.bench_e2e",
)
OUTPUT = Path(".bench.json")
PACKAGES = ("payfold", "msgspec", "aiosqlite", "asyncpg")


def collect(modules: Iterable[str], say: Callable[[str], None]) -> list[Row]:
    """The rows of every module that has ``rows()``; ``say`` gets a line for each skipped or failed one."""
    found: list[Row] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            say(f"skipped {name}: cannot import it ({error})")
            continue
        rows = getattr(module, "rows", None)
        if not callable(rows):
            say(f"skipped {name}: no rows() yet")
            continue
        say(f"running {name} ...")
        try:
            found.extend(rows())
        except Exception:  # a broken benchmark is reported, and the others still run
            say(f"FAILED {name}:\n" + traceback.format_exc())
    return found


def machine() -> dict[str, str]:
    """Cores, CPU model and memory of this machine (from /proc where there is one)."""
    model, memory = platform.processor() or platform.machine(), "?"
    cpuinfo, meminfo = Path("/proc/cpuinfo"), Path("/proc/meminfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
        ]
        model = names[0] if names else model
    if meminfo.exists():
        total = next((line.split()[1] for line in meminfo.read_text().splitlines() if line.startswith("MemTotal")), "")
        memory = f"{int(total) / 1024**2:.1f} GiB" if total.isdigit() else memory
    return {"cores": str(os.cpu_count() or "?"), "cpu": model, "memory": memory}


def versions(rows: Sequence[Row]) -> dict[str, str]:
    """Python, the libraries under test, SQLite, and the PostgreSQL server when a row used it."""
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    found["sqlite"] = sqlite3.sqlite_version
    if any("postgres" in row.row.lower() for row in rows):
        found["postgresql"] = postgres_version()
    return found


def postgres_version() -> str:
    """The version of the server binary the tests start (``tests._postgres``)."""
    from tests._postgres import PG_BIN

    try:
        done = subprocess.run([str(PG_BIN / "postgres"), "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        return f"unknown ({error})"
    return done.stdout.strip().rsplit(" ", 1)[-1]


def to_json(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The rows as plain objects: every field of ``Row`` and ``met``."""
    return [
        {"row": r.row, "payfold": r.payfold, "baseline": r.baseline, "unit": r.unit, "ratio": r.ratio,
         "target": r.target, "met": r.met, "note": r.note}
        for r in rows
    ]  # fmt: skip


def _number(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def render(rows: Sequence[Row], about: dict[str, dict[str, str]]) -> list[str]:
    """The header (machine, versions) and one table with a line per row."""
    lines = [
        f"{title}: " + ", ".join(f"{key} {value}" for key, value in facts.items()) for title, facts in about.items()
    ]
    head = ("row", "payfold", "baseline", "unit", "ratio", "target", "met")
    cells = [
        (r.row, _number(r.payfold), _number(r.baseline), r.unit, f"{r.ratio:.2f}x", f">= {r.target:.3g}x",
         "yes" if r.met else "NO")
        for r in rows
    ]  # fmt: skip
    widths = [max(len(line[i]) for line in [head, *cells]) for i in range(len(head))]
    lines.append("")
    for line in [head, tuple("-" * w for w in widths), *cells]:
        lines.append(
            "  ".join(
                c.ljust(w) if i in (0, 3) else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
    missed = [r for r in rows if not r.met]
    lines.append("")
    lines.append(f"{len(rows) - len(missed)} of {len(rows)} targets met")
    lines.extend(f"  missed: {r.row}: {r.ratio:.2f}x < {r.target:.3g}x ({r.note or 'no note'})" for r in missed)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_all", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the JSON rows instead of the table")
    parser.add_argument("--only", nargs="*", default=(), help="run only the modules whose name contains one of these")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the JSON rows (.bench.json)")
    args = parser.parse_args(argv)
    modules = [m for m in MODULES if not args.only or any(part in m for part in args.only)]
    rows = collect(modules, lambda line: print(line, file=sys.stderr, flush=True))
    about = {"machine": machine(), "versions": versions(rows)}
    document = to_json(rows)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print("\n".join(render(rows, about)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
