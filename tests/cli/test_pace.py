"""The progress line and the events/s summary of ``payfold stats`` and ``payfold audit``."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from payfold.adapters.cli._pace import Pace, Progress


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


# --- Progress: the demo's display in phases --------------------------------------------------------------------


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr does in one."""

    def isatty(self) -> bool:
        return True


def test_on_a_terminal_one_line_is_redrawn_with_phase_bar_counts_and_rate() -> None:
    clock, out = Clock(), Terminal()
    progress = Progress(100, out, every=0.25, clock=clock)
    assert progress.live
    progress.update("creating", 100)
    clock.now += 1.0
    progress.update("charging", 40, "120 events")
    clock.now += 0.1
    progress.update("charging", 50)  # under ``every`` since the last frame: not drawn
    assert "50/100" not in out.getvalue()
    clock.now += 1.0
    progress.update("charging", 100)
    progress.update("settling", 100, "97 settled, 2 failed, 1 under review")
    progress.finish("100/100 payments finished")
    text = out.getvalue()
    frames = text.split("\r")
    assert len(frames) > 4 and all(frame.startswith("\x1b[K  [") for frame in frames[1:])
    assert "[########################] creating    100/100 payments" in text
    assert "charging    40/100 payments (120 events), 0/s, 1.0 s" in text  # the phase has only just begun
    assert "charging    100/100 payments, 91/s, 2.1 s\n" in text  # its last frame stays: where it ended
    assert "settling    100/100 payments (97 settled, 2 failed, 1 under review)" in text
    assert text.endswith("\n  100/100 payments finished\n")


def test_without_a_terminal_a_few_plain_lines_and_never_a_frame() -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(1000, out, clock=clock)
    assert not progress.live
    for done in range(0, 1001, 10):
        clock.now += 0.05
        progress.update("creating", done)
    for done in range(0, 1001):
        clock.now += 0.01
        progress.update("settling", done, "under review counted")
    progress.finish("1,000/1,000 payments finished")
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
    assert lines == [
        "  creating    1,000/1,000 payments, 200/s, 5.1 s",
        "  settling    1,000/1,000 payments (under review counted), 100/s, 15.1 s",
        "  1,000/1,000 payments finished",
    ]


def test_nothing_is_shown_without_a_stream() -> None:
    progress = Progress(5, None, clock=Clock())
    progress.update("charging", 3)
    progress.finish("done")
    assert not progress.live


@given(st.lists(st.tuples(st.sampled_from(["creating", "charging", "settling"]), st.integers(0, 50)), max_size=40))
def test_plain_output_is_one_line_per_phase_run_and_one_to_close(updates: list[tuple[str, int]]) -> None:
    clock, out = Clock(), io.StringIO()
    progress = Progress(50, out, clock=clock)
    for phase, done in updates:
        clock.now += 0.3
        progress.update(phase, done)
    progress.finish("end")
    runs = [phase for index, (phase, _) in enumerate(updates) if index == 0 or updates[index - 1][0] != phase]
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert [line.split()[0] for line in lines[:-1]] == runs
    assert lines[-1] == "  end"
    last_of_each_run = [u for i, u in enumerate(updates) if i + 1 == len(updates) or updates[i + 1][0] != u[0]]
    for line, (_, done) in zip(lines[:-1], last_of_each_run, strict=True):
        assert f" {done}/50 payments," in line  # each phase's line shows where it ended
