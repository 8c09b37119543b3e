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
