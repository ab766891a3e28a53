"""The live source is preferred to the saved metrics.json when it answers as much of the window (redteam40 R5).

An incident resolved, reopened and resolved again reads a longer window on a coarser grid (``grid_step``): the live
drill answered all 824 s at 2 s a point (412 points) while the first resolve had saved 550 s at 1 s (550 points).
Comparing point counts threw the live answer away, and the PIR said "the live source no longer answered", "At
resolution n/a" and "no data for 4h33m" for a window the source had answered in full. Coverage is seconds now.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from warroom.config import SloConfig
from warroom.incident.metric_history import PaneHistory
from warroom.incident.metric_sync import Window, read_histories

SLO = SloConfig(id="quota", title="Quota", query="max(q)", unit="ratio", warn=0.5, crit=0.8)
T0 = 1_800_000_000.0


class Live:
    """A range source answering every grid point of the window with ``value`` (or nothing after ``until``)."""

    name = "live"

    def __init__(self, value: float, until: float = float("inf")) -> None:
        self.value, self.until = value, until

    def range_aged(self, expr: str, walls: list[float], step: float, *, slo: Any = None) -> Any:
        kept = [w for w in walls if w <= self.until]
        return [({}, [(w, self.value) for w in kept])], [None] * len(walls)


def _saved(end: float, step: float, value: float) -> Any:
    points = tuple((T0 + i * step, value) for i in range(int((end - T0) / step) + 1))
    return lambda: SimpleNamespace(pane=lambda _id: PaneHistory(SLO, points, step))


def _read(source: Any, saved: Any, window: Window) -> PaneHistory:
    got, errors = read_histories(source, [SLO, SloConfig(id="other", title="Other", query="max(o)", unit="ratio",
                                                          warn=0.5, crit=0.8)], window, saved=saved)
    assert not [e for e in errors if e.startswith("Quota")], errors
    return got["quota"]


def test_a_coarser_live_answer_over_the_longer_window_wins_over_the_finer_saved_one() -> None:
    history = _read(Live(0.3), _saved(T0 + 550, 1.0, 0.9), Window(T0, T0 + 824, 2.0))
    assert not history.recorded and len(history.points) == 413 and history.points[-1] == (T0 + 824, 0.3)


def test_the_saved_points_are_used_where_the_live_source_lost_part_of_the_window() -> None:
    history = _read(Live(0.3, until=T0 + 100), _saved(T0 + 550, 1.0, 0.9), Window(T0, T0 + 824, 2.0))
    assert history.recorded and history.points[-1] == (T0 + 550, 0.9)
