"""A pytest plugin for the mutation run only (``-p tests.mutation.plugin``): fewer, reproducible examples.

It is loaded by the pytest that mutmut runs in-process, before any test module is imported, so it can:

- make ``tests._settings.examples`` return ``PAYFOLD_MUTATION_EXAMPLES`` (default 30) for every property, instead
  of editing tests/_settings.py;
- load a Hypothesis profile derived from the suite's own with ``derandomize=True``, no example database and no
  shrinking: a mutant is killed or survives the same way on every run, no mutant's failing example is saved
  anywhere, and a kill costs the first failing example, not a minimal one;
- run the example tests before the properties, so most mutants die in the first second.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import Phase, settings

import tests._settings

EXAMPLES_VARIABLE = "PAYFOLD_MUTATION_EXAMPLES"
DEFAULT_EXAMPLES = 30
PROFILE = "payfold-mutation"
SLOW_LAST = ("test_properties.py",)


def mutation_examples() -> int:
    """The example count every property runs with during the mutation run."""
    return max(1, int(os.environ.get(EXAMPLES_VARIABLE, str(DEFAULT_EXAMPLES))))


def _examples(in_ci: int) -> int:
    return mutation_examples()


tests._settings.examples = _examples


def pytest_configure(config: pytest.Config) -> None:
    """After tests/conftest.py has loaded the suite's profile: the same, derandomized, no database, no shrinking."""
    settings.register_profile(
        PROFILE,
        parent=settings(),
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        report_multiple_bugs=False,
    )
    settings.load_profile(PROFILE)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Example tests first, properties last (a stable sort keeps each file's own order)."""
    items.sort(key=lambda item: item.path.name in SLOW_LAST)
