"""The dashboard's notion of "now", injectable so snapshots and tests see frozen time.

Every pane that shows a clock (elapsed, data age, countdowns) asks the app's clock instead of
calling ``time.time()``, so a snapshot taken with a :class:`FrozenClock` is byte-identical on
every run.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Unix time in seconds."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class FrozenClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float) -> None:
        self._now = float(start)

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds

    def set(self, when: float) -> None:
        self._now = float(when)
