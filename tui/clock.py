"""The dashboard's notion of "now", injectable so snapshots and tests see frozen time.

Every pane that shows a clock (elapsed, data age, countdowns) asks the app's clock, never the
wall clock itself, so a snapshot taken with a :class:`FrozenClock` is byte-identical on every run;
the system clock is ``warroom.scenario_time.now`` (``$WARROOM_DRILL_AT`` when set).
"""

from __future__ import annotations

from typing import Protocol

from warroom import scenario_time as stime


class Clock(Protocol):
    def now(self) -> float:
        """Unix time in seconds."""
        ...


class SystemClock:
    def now(self) -> float:
        return stime.now()


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
