"""The mutation run over core/_decide.py, core/_fold.py and core/_apply.py (``make mutate``).

Run: ``python -m tests.mutation.run``.

mutmut 3 copies the code it mutates into ``mutants/`` and puts that folder first on ``sys.path``; the mutated
module's name must be the one the tests import. Here the package ``payfold`` is the folder ``core/`` (a
package-dir mapping), so a mutated ``mutants/core/_decide.py`` would never be imported. This script therefore
builds a work folder, ``build/mutation/``, in which ``payfold/`` is a *copy* of core/ (with a copy of adapters/ as
``payfold/adapters``), next to copies of tests/ and docs/ and a pyproject.toml holding only the mutmut and pytest
settings, and runs mutmut there. core/ itself is only ever read.

Each mutant runs the tests that reached the mutated function (mutmut records which in a first, clean run), from
the core subset below, with ``pytest -x -q -p no:cacheprovider`` and the plugin in tests/mutation/plugin.py, which
gives every Hypothesis property ``PAYFOLD_MUTATION_EXAMPLES`` examples (``--examples``, default 30), derandomized,
without shrinking: the same mutants die on every run. One worker (``--max-children``, default 1).

mutmut switches a mutant on inside one process, after the modules were imported, so it cannot switch on a mutant
of code that runs at import (``_apply._rows`` builds the ``ROWS`` table then). Each survivor is therefore
re-checked in a fresh process: ``mutmut apply`` writes it into the copy in build/mutation/payfold/ (never core/),
the example tests of the subset run against it, and the copy is restored. A survivor killed there is counted as
"killed on re-check" (``--no-recheck`` skips this).

The kill rate is (killed + timeout + killed on re-check) / all mutants; a mutant no test reaches counts as a
survivor. The summary is printed and written to build/mutation/summary.txt, the survivors' diffs to
build/mutation/survivors.txt, mutmut's own output to build/mutation/mutmut.log. Exit status 1 when the rate is
below ``--min-rate`` (default 90).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "build" / "mutation"
TARGETS = ("_decide.py", "_fold.py", "_apply.py")
EXAMPLE_TESTS = (
    "tests/core/test_decide.py",
    "tests/core/test_fold.py",
    "tests/core/test_safety_findings.py",
    "tests/core/test_oracle.py",
    "tests/core/test_machine.py",
    "tests/core/test_mutants.py",
)
TESTS = (*EXAMPLE_TESTS, "tests/core/test_properties.py")
PYTEST_ARGS = ("-p", "no:cacheprovider", "-p", "tests.mutation.plugin")
DETECTED = ("killed", "timeout", "killed on re-check")
STATUS_BY_EXIT_CODE = {
    0: "survived",
    1: "killed",
    3: "killed",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    37: "caught by type check",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
}
"""mutmut's exit codes (mutmut/stats.py); anything else is "suspicious"."""
PROGRESS = re.compile(r"(\d+)/(\d+)\s")
PROGRESS_EVERY = 50
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
QUIET = re.compile(r"^(also copying .*|[\w./-]+\.py)$")
"""mutmut's lines not worth echoing: each file it copies or mutates."""
_IGNORED = shutil.ignore_patterns("__pycache__", ".hypothesis", "*.pyc")


@dataclass(frozen=True)
class Outcome:
    """The verdict on every mutant of one run."""

    status_by_mutant: dict[str, str]

    @property
    def counts(self) -> Counter[str]:
        return Counter(self.status_by_mutant.values())

    @property
    def detected(self) -> int:
        return sum(self.counts[status] for status in DETECTED)

    @property
    def rate(self) -> float:
        total = len(self.status_by_mutant)
        return 100.0 * self.detected / total if total else 0.0

    @property
    def survivors(self) -> list[str]:
        return sorted(name for name, status in self.status_by_mutant.items() if status not in DETECTED)


def status_of(exit_code: int | None) -> str:
    return "not checked" if exit_code is None else STATUS_BY_EXIT_CODE.get(exit_code, "suspicious")


def pyproject() -> str:
    """mutmut's settings and the pytest settings the subset needs (the work folder's only pyproject.toml)."""
    targets = ", ".join(f'"payfold/{name}"' for name in TARGETS)
    tests = ", ".join(f'"{path}"' for path in TESTS)
    args = ", ".join(f'"{arg}"' for arg in PYTEST_ARGS)
    return f"""\
# Written by tests/mutation/run.py for one mutation run; payfold/ here is a copy of core/.
[tool.mutmut]
source_paths = ["payfold"]
only_mutate = [{targets}]
also_copy = ["docs/"]
pytest_add_cli_args = [{args}]
pytest_add_cli_args_test_selection = [{tests}]
use_git_change_detection = false

[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
addopts = "--strict-markers"
markers = ["slow: long-running reliability tests (still run in CI)"]
"""


def build_work_folder() -> None:
    """A fresh build/mutation/: payfold/ copied from core/ (adapters/ inside it), tests/, docs/, pyproject.toml."""
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    shutil.copytree(ROOT / "core", WORK / "payfold", ignore=_IGNORED)
    shutil.copytree(ROOT / "adapters", WORK / "payfold" / "adapters", ignore=_IGNORED)
    shutil.copytree(ROOT / "tests", WORK / "tests", ignore=_IGNORED)
    shutil.copytree(ROOT / "docs", WORK / "docs", ignore=_IGNORED)
    (WORK / "pyproject.toml").write_text(pyproject(), encoding="utf-8")


def environment(examples: int) -> dict[str, str]:
    env = {**os.environ, "PAYFOLD_MUTATION_EXAMPLES": str(examples), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    env.pop("MUTANT_UNDER_TEST", None)
    return env


def run_mutmut(examples: int, max_children: int) -> int:
    """Run mutmut in the work folder; its whole output goes to build/mutation/mutmut.log, and its messages and a
    progress line every ``PROGRESS_EVERY`` mutants are echoed (not its spinner, which redraws one line)."""
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children)]
    with (
        open(WORK / "mutmut.log", "w", encoding="utf-8") as log,
        subprocess.Popen(
            command, cwd=WORK, env=environment(examples), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process,
    ):
        assert process.stdout is not None
        shown: set[str] = set()
        for line in process.stdout:
            log.write(line)
            echo(line, shown)
        return process.wait()


def echo(line: str, shown: set[str]) -> None:
    """Print each of mutmut's messages once, and its counter every ``PROGRESS_EVERY`` mutants."""
    text = line.strip()
    if text and text[0] in SPINNER:
        text = text[1:].strip()
    if not text or QUIET.match(text):
        return
    progress = PROGRESS.search(text)
    if progress is not None:
        done = int(progress.group(1))
        if done % PROGRESS_EVERY and done != int(progress.group(2)):
            return
        text = text[progress.start() :]
    if text not in shown:
        shown.add(text)
        print(text, flush=True)


def read_outcome() -> Outcome:
    status_by_mutant: dict[str, str] = {}
    for name in TARGETS:
        meta = WORK / "mutants" / "payfold" / f"{name}.meta"
        exit_codes: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        status_by_mutant.update({key: status_of(code) for key, code in exit_codes.items()})
    return Outcome(status_by_mutant)


def example_tests_pass(examples: int) -> int:
    """The example tests of the subset, in a fresh process, against build/mutation/payfold as it is now."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", *PYTEST_ARGS, *EXAMPLE_TESTS]
    env = {**environment(examples), "PYTHONPATH": str(WORK)}
    return subprocess.run(command, cwd=WORK, env=env, capture_output=True, check=False).returncode


def recheck(outcome: Outcome, examples: int) -> Outcome:
    """Each survivor written into the copy (never core/) and tested in a fresh process; the copy is restored."""
    if not outcome.survivors:
        return outcome
    if example_tests_pass(examples) != 0:
        print("re-check skipped: the example tests fail on the unmutated copy", file=sys.stderr)
        return outcome
    print(f"Re-checking {len(outcome.survivors)} survivors in a fresh process each", flush=True)
    status_by_mutant = dict(outcome.status_by_mutant)
    for mutant in outcome.survivors:
        module = mutant.split(".")[1]  # payfold.<module>.x_<function>__mutmut_<n>
        target = WORK / "payfold" / f"{module}.py"
        assert target.resolve().is_relative_to(WORK), target
        original = target.read_bytes()
        try:
            command = [sys.executable, "-m", "mutmut", "apply", mutant]
            subprocess.run(command, cwd=WORK, env=environment(examples), capture_output=True, check=True)
            if example_tests_pass(examples) in (1, 2):  # a failing test, or a module that no longer imports
                status_by_mutant[mutant] = "killed on re-check"
        finally:
            target.write_bytes(original)
    return Outcome(status_by_mutant)


def diff_of(mutant: str) -> str:
    command = [sys.executable, "-m", "mutmut", "show", mutant]
    shown = subprocess.run(command, cwd=WORK, capture_output=True, text=True, check=False)
    return shown.stdout.strip() or shown.stderr.strip()


def report(outcome: Outcome, seconds: float, examples: int) -> str:
    try:
        tool = f"mutmut {version('mutmut')}"
    except PackageNotFoundError:
        tool = "mutmut (version unknown)"
    total = len(outcome.status_by_mutant)
    lines = [
        f"tool: {tool}; targets: core/{TARGETS[0]}, core/{TARGETS[1]}; property examples: {examples}",
        f"mutants: {total}; " + "; ".join(f"{status}: {n}" for status, n in sorted(outcome.counts.items())),
        f"kill rate: {outcome.rate:.1f}% ({outcome.detected} of {total} killed, timed out or killed on re-check)",
        f"run time: {seconds:.0f} s",
    ]
    if outcome.survivors:
        lines.append(f"survivors ({len(outcome.survivors)}), diffs in {WORK.relative_to(ROOT)}/survivors.txt:")
        lines += [f"  {name}: {outcome.status_by_mutant[name]}" for name in outcome.survivors]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation.run", description="The mutation run.")
    parser.add_argument("--examples", type=int, default=30, help="Hypothesis examples per property (default 30)")
    parser.add_argument("--max-children", type=int, default=1, help="parallel mutant workers (default 1)")
    parser.add_argument("--min-rate", type=float, default=90.0, help="fail below this kill rate in %% (default 90)")
    parser.add_argument("--no-recheck", action="store_true", help="do not re-check survivors in a fresh process")
    args = parser.parse_args(argv)
    started = time.monotonic()
    build_work_folder()
    code = run_mutmut(args.examples, args.max_children)
    if code != 0:
        print(f"mutmut run exited with {code}; its output is in {WORK / 'mutmut.log'}", file=sys.stderr)
        return code
    outcome = read_outcome()
    if not args.no_recheck:
        outcome = recheck(outcome, args.examples)
    (WORK / "survivors.txt").write_text("\n\n".join(diff_of(name) for name in outcome.survivors), encoding="utf-8")
    summary = report(outcome, time.monotonic() - started, args.examples)
    (WORK / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    print()
    print(summary)
    return 0 if outcome.rate >= args.min_rate else 1


if __name__ == "__main__":
    sys.exit(main())
