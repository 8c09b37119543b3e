"""The deterministic simulation: runners, a store and the sandbox on one virtual clock, with kills at any await.

::

    from payfold.adapters.simulate import simulate

    report = simulate(range(50), payments=3, workers=4)  # SQLite; store="postgresql://..." for PostgreSQL
    assert not report.failed, [line for r in report.failed for line in r.stories]
    print(report.to_json()["double_charges"])

Each seed is a world of its own: ``workers`` runners serve ``payments`` payments from one log while the sandbox
injects faults, workers are killed at seeded awaits and restarted, and webhooks arrive early, late and twice. The
figures come from checks independent of the runner (the sandbox's ledger and exchange log, and the reference
model in ``payfold.testing``). A seed replays exactly: ``run_seed(seed, Settings(...))``. See
docs/simulation.md. Needs the ``sandbox``, ``sqlite`` (or ``postgres``) and ``testing`` extras.
"""

from payfold.adapters.simulate._loop import SimClock, SimLoop, SimulationStalled
from payfold.adapters.simulate._plan import Settings, policy_for
from payfold.adapters.simulate._run import SeedResult, SimulationReport, failure_lines, render, run_seed, simulate

__all__ = [
    "SeedResult",
    "Settings",
    "SimClock",
    "SimLoop",
    "SimulationReport",
    "SimulationStalled",
    "failure_lines",
    "policy_for",
    "render",
    "run_seed",
    "simulate",
]
