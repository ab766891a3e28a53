"""fresh-3: the metric history obeys the one data-age rule (``freshness.stale_age``).

A source that knows its data's age (``stale_ages``, as ``PrometheusSource`` answers it) says
which grid points a pane would call STALE; those points are kept apart from the readings, so no
breach, recovery, worst or time in breach is judged on a frozen value, the PIR says how long the
pane was stale, ``metrics.json`` keeps them, and resolving warns of a pane stale now rather than
calling its frozen value critical. The real-Prometheus version: tests/integration/test_stale_history.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from warroom.config import Config, SloConfig
from warroom.incident.history import load_history, record_history
from warroom.incident.metric_history import PaneHistory, pane_history, summarise
from warroom.incident.metric_sync import resolve_concerns
from warroom.incident.review.metrics import _sample_text
from warroom.incident.store import IncidentStore

SLO = SloConfig(id="quota", title="Quota", query="avg_over_time(q[5m])", unit="ratio", warn=0.5, crit=0.8)
STEP = 15.0


class FrozenSource:
    """A range-query source whose data froze at ``frozen``: from ``frozen + 60`` on its points are
    stale (their age past a 60 s ``stale_after``) and climb past crit, as a windowed query over a
    stuck exporter does in Prometheus' look-back. ``ages=False``: a source that knows no ages."""

    name = "frozen"

    def __init__(self, frozen: float, *, ages: bool = True) -> None:
        self.frozen = frozen
        if not ages:
            self.stale_ages = None  # type: ignore[assignment]

    def value(self, t: float) -> float:
        return 0.3 if t <= self.frozen + 60 else 0.95

    def age(self, t: float) -> float | None:
        age = t - self.frozen
        return age if age > 60 else None

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Any]:
        n = int(math.floor((end - start) / step + 1e-9)) + 1
        return [({}, [(start + k * step, self.value(start + k * step)) for k in range(n)])]

    def stale_ages(self, expr: str, walls: list[float], step: float, *, slo: Any = None) -> list[float | None]:
        assert expr == SLO.query and slo is SLO          # the pane's own age (its age_query if it has one)
        return [self.age(w) for w in walls]


def test_stale_points_are_no_breach_no_worst_and_are_said(tmp_path: Path) -> None:
    start, frozen = 1_000_020.0, 1_000_620.0
    end = frozen + 300
    hist = pane_history(FrozenSource(frozen), SLO, start, end, STEP)
    assert hist.stale and all(t > frozen + 60 and v == 0.95 for t, v, _a in hist.stale)
    assert all(t <= frozen + 60 for t, _ in hist.points)
    assert hist.transitions() == [] and hist.breach_runs() == []
    assert hist.worst() is not None and hist.worst().value == 0.3
    assert hist.breach_seconds(start, end) == 0.0
    assert hist.gap_seconds(start, end) == 0.0                  # a stale stretch is not "no data" either
    assert hist.stale_seconds(start, end) == end - (frozen + 75)     # from its first stale point to the end
    entry = summarise(hist, {"started": start, "detected": start, "resolved": end}, (start, end))
    assert entry["breached"] is False and entry["worst"]["value"] == 0.3
    assert entry["stale_age"] == 300.0
    assert entry["at_resolution"] == {"at": end, "value": 0.95, "stale_age": 300.0}
    assert _sample_text(entry["at_resolution"], "ratio") == "0.950 (stale: last sample 5m00s old)"
    # a source that knows no data age (the drill) is judged as before: the crossing is a breach
    blind = pane_history(FrozenSource(frozen, ages=False), SLO, start, end, STEP)
    assert blind.stale == () and [k for k, _s, _o in blind.transitions()] == ["breached"]


def test_a_pane_stale_now_is_a_concern_of_its_own_not_critical() -> None:
    state = SimpleNamespace(step_list=list, verifications=[], first_verified_at=1.0, running_steps=list, phases={})
    hist = PaneHistory(SLO, ((0.0, 0.3),), STEP, stale=((15.0, 0.95, 75.0),))
    assert resolve_concerns(state, {"quota": hist}) == [
        "Quota is stale (stale: last sample 1m15s old): its value now is not known"]


def test_metrics_json_keeps_the_stale_points(tmp_path: Path) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    cfg.slo = [SLO]
    inc = IncidentStore(tmp_path / "state", cfg).create(title="quota", severity="P3", runbook=None, source={})
    declared = inc.state.declared_at.timestamp()
    source = FrozenSource(declared - 600)
    record_history(inc.dir, inc.state, [SLO], source, now=declared + 120)
    doc = json.loads((inc.dir / "metrics.json").read_text())
    assert doc["panes"][0]["stale"] and all(a > 60 for _t, _v, a in doc["panes"][0]["stale"])
    pane = load_history(inc.dir).pane("quota")
    live = pane_history(source, SLO, doc["start"], doc["end"], doc["step"])
    assert pane is not None and pane.stale == live.stale and pane.points == live.points
    assert pane.transitions() == []


def test_a_replay_shows_a_recorded_stale_stretch_as_stale(tmp_path: Path) -> None:
    """The replay plays what the pane showed: the frozen value, STALE with its recorded age (not
    NO DATA, not a reading: a replay's own history and gates read fresh points only)."""
    from warroom.incident.replay import ReplaySource
    from warroom.sources.evaluate import evaluate

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    cfg.slo = [SLO]
    inc = IncidentStore(tmp_path / "state", cfg).create(title="quota", severity="P3", runbook=None, source={})
    declared = inc.state.declared_at.timestamp()
    record_history(inc.dir, inc.state, [SLO], FrozenSource(declared - 600), now=declared + 120)
    history = load_history(inc.dir)
    pane = history.pane("quota")
    assert pane is not None and pane.stale
    replay = ReplaySource(history, speed=1.0, start=1_000.0)
    t, value, age = pane.stale[len(pane.stale) // 2]
    at = replay.wall_time(t)
    [reading] = evaluate([SLO], replay.fetch([SLO], at=at), stale_after=60.0, now=at)
    assert (reading.state, reading.value, reading.age) == ("stale", value, age), reading
    fresh_t, fresh_v = pane.points[-1]
    [reading] = evaluate([SLO], replay.fetch([SLO], at=replay.wall_time(fresh_t)), stale_after=60.0,
                         now=replay.wall_time(fresh_t))
    assert (reading.state, reading.value) == ("ok", fresh_v), reading
    assert not [pts for _labels, pts in replay.query_range(SLO.query, at - 60, at, 15.0) if pts], \
        "a replay's range answers (its history, its gates) read no stale point"


def test_a_source_that_answers_ages_is_asked_every_pane_at_once() -> None:
    """fresh-7: the history asks every pane of a ``range_aged`` source at once. Each fake read
    waits until all five are in flight (a barrier): read one after the other, the first waits
    alone and breaks the barrier, and the panes are said not read. The barrier's timeout only
    bounds that failure; nothing here depends on how fast anything runs."""
    import threading

    from warroom.incident.metric_sync import Window, read_histories

    slos = [SloConfig(id=f"p{i}", title=f"P{i}", query=f"max(p{i})", unit="ratio", warn=0.5, crit=0.8)
            for i in range(5)]
    barrier = threading.Barrier(len(slos), timeout=60.0)

    class Together:
        name = "together"

        def range_aged(self, expr: str, walls: list[float], step: float, *, slo: Any = None) -> Any:
            barrier.wait()
            return [({}, [(w, 0.3) for w in walls])], [None] * len(walls)

    got, errors = read_histories(Together(), slos, Window(1_000_020.0, 1_000_320.0, STEP))
    assert errors == [] and list(got) == [s.id for s in slos]
    assert all(len(h.points) == 21 and not h.stale for h in got.values())
