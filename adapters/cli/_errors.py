"""How the ``payfold`` command fails: always one line on stderr naming the file or value and what is wrong, and
an exit code a script can act on (docs/cli.md):

- 0: done, nothing wrong;
- 1: done, and something is wrong with the payments (audit findings, a demo that did not reconcile);
- 2: bad input: an argument, a file that is not a payfold log, a payment that does not exist, a refused decision;
- 3: the environment: an optional package missing (the line names the extra to install), a database unreachable;
- 70: a bug in payfold (the line says so; ``PAYFOLD_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Final, NoReturn

from payfold import PayfoldError

OK: Final = 0
FINDINGS: Final = 1
BAD_INPUT: Final = 2
ENVIRONMENT: Final = 3
BUG: Final = 70

EXTRAS_OF: Final = {
    "aiosqlite": ("sqlite",),
    "asyncpg": ("postgres",),
    "httpx": ("http", "sandbox"),
    "sniffio": ("http", "sandbox"),
    "uvicorn": ("sandbox",),
    "opentelemetry": ("otel",),
}
"""The extras that bring each optional package, the smallest first (pyproject's optional-dependencies)."""


NEEDS: Final = {"demo": ("sandbox", "sqlite"), "simulate": ("sandbox", "sqlite"), "sandbox": ("sandbox",)}
"""Extras a command always needs (the log commands need ``sqlite`` or ``postgres``, by the log they are given)."""


def missing_extra(error: ModuleNotFoundError, command: str = "") -> str:
    """One line naming the extras to install for the missing module (and everything else ``command`` needs)."""
    module = (error.name or "").split(".")[0]
    providers = EXTRAS_OF.get(module)
    if providers is None:
        return f"the package {module!r} is missing"
    needed = NEEDS.get(command, ())
    extras = sorted(needed if set(providers) & set(needed) else {providers[0], *needed})
    names = ", ".join(repr(e) for e in extras[:-1]) + (" and " if len(extras) > 1 else "") + repr(extras[-1])
    return f"needs the {names} extra{'s' if len(extras) > 1 else ''} ({module} is not installed): " + (
        f"pip install 'payfold[{','.join(extras)}]'"
    )


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``payfold demo: argument --payments: ...``), exit 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        raise SystemExit(BAD_INPUT)


def guarded(command: str, run: Callable[[], int]) -> int:
    """Run one command; turn every failure into one line and its exit code."""
    try:
        return run()
    except BrokenPipeError:  # the reader went away (``payfold demo | head``): not an error
        sys.stderr.close()
        return OK
    except KeyboardInterrupt:
        print(f"payfold {command}: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as error:
        return _fail(command, missing_extra(error, command), ENVIRONMENT)
    except (PayfoldError, FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as error:
        return _fail(command, str(error), BAD_INPUT)
    except (ConnectionError, TimeoutError, OSError) as error:
        return _fail(command, f"cannot reach the database: {error}", ENVIRONMENT)
    except Exception as error:
        if type(error).__module__.split(".")[0] == "asyncpg":  # a server that answered: no such database, auth...
            return _fail(command, f"PostgreSQL refused: {error}", ENVIRONMENT)
        if os.environ.get("PAYFOLD_DEBUG") == "1":
            raise
        text = f"{type(error).__name__}: {error}".splitlines()[0]
        return _fail(command, f"internal error, a bug in payfold ({text}); PAYFOLD_DEBUG=1 shows where", BUG)


def _fail(command: str, message: str, code: int) -> int:
    print(f"payfold {command}: {message.splitlines()[0] if message else 'failed'}", file=sys.stderr)
    return code


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def fraction(text: str) -> float:
    """An argparse type: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value
