"""The live source is preferred to the saved metrics.json when it answers as much of the window (redteam40 R5).

An incident resolved, reopened and resolved again reads a longer window on a coarser grid (``grid_step``): the live
drill answered all 824 s at 2 s a point (412 points) while the first resolve had saved 550 s at 1 s (550 points).
Comparing point counts threw the live answer away, and the PIR said "the live source no longer answered", "At
resolution n/a" and "no data for 4h33m" for a window the source had answered in full. Coverage is seconds now.
"""

from __future__ import annotations

from pathlib import Path
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

    def __init__(self, value: float, until: float = float("inf"), since: float = -float("inf")) -> None:
        self.value, self.until, self.since = value, until, since

    def range_aged(self, expr: str, walls: list[float], step: float, *, slo: Any = None) -> Any:
        kept = [w for w in walls if self.since <= w <= self.until]
        return [({}, [(w, self.value) for w in kept])], [None] * len(walls)


def _saved(end: float, step: float, value: float, readings: tuple[tuple[float, float], ...] = ()) -> Any:
    points = tuple((T0 + i * step, value) for i in range(int((end - T0) / step) + 1))
    return lambda: SimpleNamespace(pane=lambda _id: PaneHistory(SLO, points, step, readings=readings))


def _read(source: Any, saved: Any, window: Window) -> PaneHistory:
    got, errors = read_histories(source, [SLO, SloConfig(id="other", title="Other", query="max(o)", unit="ratio",
                                                          warn=0.5, crit=0.8)], window, saved=saved)
    assert not [e for e in errors if e.startswith("Quota")], errors
    return got["quota"]


def _value(history: PaneHistory, at: float) -> float | None:
    sample = history.value_at(at)
    return None if sample is None else sample.value


def test_a_coarser_live_answer_over_the_longer_window_wins_over_the_finer_saved_one() -> None:
    history = _read(Live(0.3), _saved(T0 + 550, 1.0, 0.9), Window(T0, T0 + 824, 2.0))
    assert not history.recorded and len(history.points) == 413 and history.points[-1] == (T0 + 824, 0.3)


def test_the_saved_points_are_used_where_the_live_source_lost_part_of_the_window() -> None:
    history = _read(Live(0.3, until=T0 + 100), _saved(T0 + 550, 1.0, 0.9), Window(T0, T0 + 824, 2.0))
    assert _value(history, T0 + 50) == 0.3 and history.points[-1] == (T0 + 550, 0.9)
    assert not history.recorded and history.filled == ((T0 + 102, T0 + 550),), history.filled
    assert _read(Live(0.3, until=T0 - 1), _saved(T0 + 550, 1.0, 0.9), Window(T0, T0 + 824, 2.0)).recorded


def test_each_part_of_the_window_is_read_from_where_it_was_answered() -> None:
    """attack40 A8: the live source lost the window's start (retention) but answers its reopened end. Chosen whole
    by seconds answered (saved 550 s > live 424 s), the saved history stood for the whole pane and the reopened end
    read "no data", "At resolution n/a". The saved points fill only the start; the live ones stand for the rest,
    the PIR says which part came from metrics.json, and the marks in each part are quoted from it."""
    from warroom.incident.metric_history import mark_readings, summarise
    from warroom.incident.review.metrics import evidence

    saved = _saved(T0 + 550, 1.0, 0.9, readings=((T0 + 10, 0.95),))      # read at the impact start, saved
    history = _read(Live(0.3, since=T0 + 400), saved, Window(T0, T0 + 824, 2.0))
    assert (_value(history, T0 + 200), _value(history, T0 + 824)) == (0.9, 0.3)     # "no data" at the end, on main
    assert not history.recorded and history.filled == ((T0, T0 + 398),), history.filled
    assert history.gap_seconds(T0, T0 + 824) == 0.0
    marks = {"started": T0 + 10, "detected": T0 + 60, "resolved": T0 + 824}
    entry = summarise(history, marks, (T0, T0 + 824), mark_readings(Live(0.3), history, marks))
    assert (entry["at_start"]["value"], entry["at_resolution"]["value"]) == (0.95, 0.3), entry
    assert entry["filled"] == [[T0, T0 + 398]] and not entry["recorded"]
    _panes, note = evidence(SimpleNamespace(metric_summary={"seq": 1, "marks": {}, "slos": {"quota": entry}},
                                            resolved=True, breaches=[]))
    assert note is not None and ("Read from the incident's saved metrics.json where the live source no longer"
                                 " answered, the rest live: Quota 08:00:00–08:06:38 UTC") in str(note.text), note


class Ranged:
    """A ``query_range`` source answering ``value`` at every grid point from ``since`` on (retention lost the rest)."""

    name = "ranged"

    def __init__(self, value: float, since: float = -float("inf")) -> None:
        self.value, self.since = value, since

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Any]:
        n = int((end - start) / step + 1e-9) + 1
        return [({}, [(t, self.value) for t in (start + k * step for k in range(n)) if t >= self.since])]


def test_saving_again_keeps_what_only_the_first_save_held(tmp_path: Path) -> None:
    """attack40 A8's other half: resolved again after a reopen, ``metrics.json`` was written from the live source
    alone, so the window's start the source no longer answers was dropped from the file that alone still held it."""
    from warroom.config import Config
    from warroom.incident.history import load_history, record_history
    from warroom.incident.store import IncidentStore

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    cfg.slo = [SLO]
    inc = IncidentStore(tmp_path / "state", cfg).create(title="quota", severity="P3", runbook=None, source={})
    declared = inc.state.declared_at.timestamp()
    record_history(inc.dir, inc.state, [SLO], Ranged(0.9), now=declared + 120)
    first = load_history(inc.dir)
    # two hours later: the longer window's grid is 30 s, the first save's 15 s (thinned to 30 s where it fills,
    # or the file holds more points than its window's grid and is refused as damaged when read back)
    record_history(inc.dir, inc.state, [SLO], Ranged(0.3, since=declared - 600), now=declared + 8000)
    again = load_history(inc.dir)
    pane = again.pane("quota")
    assert (first.step, again.step) == (15.0, 30.0)
    assert pane is not None and pane.points[0][1] == 0.9 and pane.points[0][0] <= first.start + first.step, pane
    assert _value(pane, declared - 1200) == 0.9 and _value(pane, declared + 8000) == 0.3
