"""The progress line and the events/s summary of ``payfold stats`` and ``payfold audit``."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from payfold.adapters.cli._pace import Pace


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_is_drawn_when_due_and_the_line_is_ended() -> None:
    clock, out = Clock(), io.StringIO()
    pace = Pace("audit", out, every=0.5, clock=clock)
    pace.tick(5000)
    assert out.getvalue() == ""  # no time has passed
    clock.now += 1.0
    pace.tick(5000)
    assert out.getvalue() == "\r  audit: 10,000 events, 10,000 events/s "
    pace.finish()
    assert out.getvalue().endswith("\n")
    clock.now += 9.0  # the clock stopped at finish
    assert pace.summary() == "read 10,000 events in 1.00 s (10,000 events/s)"


def test_nothing_is_drawn_without_a_terminal() -> None:
    clock = Clock()
    pace = Pace("stats", None, clock=clock)
    clock.now += 2.0
    pace.tick(100_000)
    pace.finish()
    assert pace.rate == 50_000


@given(st.lists(st.integers(0, 10_000), max_size=50), st.floats(0.001, 1000))
def test_the_rate_is_events_over_seconds(ticks: list[int], seconds: float) -> None:
    clock = Clock()
    pace = Pace("x", io.StringIO(), clock=clock)
    for n in ticks:
        pace.tick(n)
    clock.now += seconds
    pace.finish()
    assert pace.events == sum(ticks)
    assert abs(pace.rate - sum(ticks) / seconds) <= 1e-6 * max(1.0, pace.rate)
