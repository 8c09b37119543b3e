"""How fast a report reads the log: events counted against a clock, a progress line for people watching."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final, TextIO

_CHECK_EVERY: Final = 4096
"""Events between two looks at the clock (a look per event would cost more than the counting)."""


class Pace:
    """Counts the events a report has read; on a terminal, rewrites one progress line at most every ``every`` s.

    ``out`` is where the progress line goes (None: nowhere, as when stderr is not a terminal).
    """

    def __init__(
        self,
        label: str,
        out: TextIO | None = None,
        *,
        every: float = 0.5,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.label = label
        self.events = 0
        self._out = out
        self._every = every
        self._clock = clock
        self._start = clock()
        self._shown = self._start
        self._next_check = _CHECK_EVERY
        self._drawn = False
        self._end: float | None = None

    def tick(self, events: int = 1) -> None:
        """Count ``events`` more; redraw the progress line when it is due."""
        self.events += events
        if self.events >= self._next_check:
            self._next_check = self.events + _CHECK_EVERY
            now = self._clock()
            if self._out is not None and now - self._shown >= self._every:
                self._shown = now
                self._drawn = True
                self._out.write(f"\r  {self.label}: {self.events:,} events, {self.rate:,.0f} events/s ")
                self._out.flush()

    def finish(self) -> None:
        """Stop the clock and end the progress line, if one was drawn."""
        if self._end is None:
            self._end = self._clock()
        if self._drawn and self._out is not None:
            self._out.write("\n")
            self._out.flush()
            self._drawn = False

    @property
    def seconds(self) -> float:
        """Seconds from the start to the finish (or to now, before ``finish``)."""
        return (self._end if self._end is not None else self._clock()) - self._start

    @property
    def rate(self) -> float:
        """Events per second so far (0 before any time has passed)."""
        elapsed = self.seconds
        return self.events / elapsed if elapsed > 0 else 0.0

    def summary(self) -> str:
        """The closing line: how many events, in how long, how fast."""
        return f"read {self.events:,} events in {self.seconds:.2f} s ({self.rate:,.0f} events/s)"


class Progress:
    """A job done in phases (``creating``, ``charging``...), shown to people watching ``out``.

    On a terminal: one line redrawn in place at most every ``every`` s, with the phase, a bar, ``done/total``, the
    phase's rate and the time so far. Anywhere else (a file, a pipe, a CI log): no frames at all, one plain line
    as each phase ends and the closing line of ``finish``, so a log gets a handful of readable lines. ``out`` None
    shows nothing.
    """

    def __init__(
        self,
        total: int,
        out: TextIO | None,
        *,
        noun: str = "payments",
        every: float = 0.25,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.total, self.noun = total, noun
        self._out, self._every, self._clock = out, every, clock
        self.live = out is not None and _is_terminal(out)
        self._start = clock()
        self._phase = ""
        self._phase_start = self._start
        self._done = 0
        self._detail = ""
        self._shown = float("-inf")
        self._drawn = False

    def update(self, phase: str, done: int, detail: str = "") -> None:
        """Where the job stands: in ``phase``, ``done`` of ``total`` (``detail``: a few more words)."""
        now = self._clock()
        if phase != self._phase:
            self._end_phase(now)
            self._phase, self._phase_start, self._shown = phase, now, float("-inf")
        self._done, self._detail = done, detail
        if self.live and now - self._shown >= self._every:
            self._shown = now
            self._draw(now)

    def finish(self, line: str) -> None:
        """End the display: the last phase's closing line, then ``line``."""
        self._end_phase(self._clock())
        self._phase = ""
        if self._out is not None:
            self._out.write(f"  {line}\n")
            self._out.flush()

    def stop(self) -> None:
        """End the display early (an error, Ctrl-C): a terminal's line is ended so what follows starts clean."""
        if self.live and self._phase and self._out is not None:
            self._out.write("\n")
            self._out.flush()
        self._phase = ""

    def _end_phase(self, now: float) -> None:
        """The phase's last state stays on screen (a terminal: its final frame; elsewhere: one plain line)."""
        if not self._phase or self._out is None:
            return
        if self.live:
            self._draw(now)
            self._out.write("\n")
        else:
            self._out.write(f"  {self._status(now)}\n")
        self._out.flush()

    def _draw(self, now: float) -> None:
        assert self._out is not None
        width = 24
        filled = width * min(self._done, self.total) // max(self.total, 1)
        bar = "#" * filled + "." * (width - filled)
        self._out.write(f"\r\x1b[K  [{bar}] {self._status(now)}")
        self._out.flush()

    def _status(self, now: float) -> str:
        spent = now - self._phase_start
        rate = self._done / spent if spent > 0 else 0.0
        detail = f" ({self._detail})" if self._detail else ""
        return (
            f"{self._phase:<11} {self._done:,}/{self.total:,} {self.noun}{detail}, "
            f"{rate:,.0f}/s, {now - self._start:.1f} s"
        )


def _is_terminal(out: TextIO) -> bool:
    isatty = getattr(out, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except (ValueError, OSError):  # a closed stream
        return False
