"""A replay shows the recording, at any speed, from any start, at any instant (issue 13 item 8, prom14).

One drill incident is resolved and its panes recorded (metrics.json); the replay is then asked at
instants hypothesis picks, at drill speeds from x1 to x3600 and from starts on and off any grid. At
each instant, every pane's value must be the recording's newest point at or before the recorded
time the replay's clock maps the instant to (held at the recording's end), each sparkline point
the recording's value at its own time, and a rehearsal's range query over the whole replay (its
history, its PIR's evidence; on its own grid, a step past the recording's end) must hold the
recording's worst value: a step that skipped a recorded point would quote a better worst than the
team saw.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom import scenario_time as stime
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.history import History, load_history, record_history
from warroom.incident.metric_history import align, grid_step
from warroom.incident.metric_sync import BASE_STEP
from warroom.incident.replay import ReplaySource
from warroom.incident.store import IncidentStore


START = 1_800_000_000.0


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, History]:
    tmp = tmp_path_factory.mktemp("replay")
    cfg = Config()
    cfg.incident.state_dir = str(tmp / "drills")
    # On a pinned clock, its own: this fixture runs before any test's (function) set-up, and on the
    # wall clock beside whatever the process was left with it once integrated 59 drill days (ci39b)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(stime.AT_ENV, repr(START + 40.0))
        drill = create_drill(tmp / "drills", "rate-limit", 60.0, start=START)   # 40 drill minutes in
        inc = IncidentStore(cfg.state_dir(), cfg).create(
            title="quota climbing", severity="P3", runbook=None, source={},
            drill={"scenario": "rate-limit", "speed": 60.0, "dir": str(drill.path)})
        inc.resolve("breaker on", resolution="circuit breaker")
        record_history(inc.dir, inc.state, cfg.slo, drill.source(cfg.slo))
        return cfg, load_history(inc.dir)


def _recorded(points: tuple[tuple[float, float], ...], t: float) -> float | None:
    """The recording's newest value at or before recorded time ``t`` (what the pane showed then)."""
    i = bisect_right([p for p, _ in points], t + 1e-6)
    return points[i - 1][1] if i else None


SPEEDS = st.sampled_from([1.0, 2.0, 7.3, 60.0, 600.0, 3600.0])
STARTS = st.one_of(st.just(1_000.0), st.floats(1_000.0, 1e9, allow_nan=False))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(speed=SPEEDS, start=STARTS, offsets=st.lists(st.floats(-5.0, 4_000.0, allow_nan=False), min_size=1,
                                                    max_size=8))
def test_each_pane_and_sparkline_shows_the_recording(recording, speed: float, start: float,
                                                     offsets: list[float]) -> None:
    cfg, history = recording
    replay = ReplaySource.at(history, speed, cfg.prometheus.window, start)
    for off in offsets:
        at = start + off       # the recorded time shown then: the drill speed over the recording's own
        rt = min(history.end, history.start + off * speed / history.time_scale)
        assert replay.recorded_time(at) == pytest.approx(rt, abs=1e-6)
        for sample in replay.fetch(cfg.slo, at=at):
            pane = history.pane(sample.slo_id)
            assert pane is not None and sample.error is None
            assert sample.value == _recorded(pane.points, rt), (sample.slo_id, speed, start, off)
            assert all(w <= at + 1e-3 for w, _ in sample.series)      # float dust of unix times over a speed
            for wall, value in sample.series:
                assert value == _recorded(pane.points, replay.recorded_time(wall)), (sample.slo_id, wall)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(speed=SPEEDS, start=STARTS)
def test_a_rehearsals_history_holds_the_recordings_worst(recording, speed: float, start: float) -> None:
    cfg, history = recording
    replay = ReplaySource.at(history, speed, cfg.prometheus.window, start)
    end = replay.wall_time(history.end)
    step = grid_step(replay.start, end, BASE_STEP / speed)     # a rehearsal's grid (metric_sync's rule)
    for pane in history.panes:          # a rehearsal that goes on a step past the end (held there)
        [(_, points)] = replay.query_range(pane.slo.query, align(replay.start, step), end + step, step)
        worst = max if pane.slo.direction == "above" else min
        assert worst(v for _, v in points) == worst(v for _, v in pane.points), (pane.slo.id, speed, start)


def _with_gap(history: History, share: tuple[float, float]) -> History:
    """The recording with nothing in ``share`` of its window (its source down then)."""
    from dataclasses import replace

    lo, hi = (history.start + f * (history.end - history.start) for f in share)
    return replace(history, panes=tuple(replace(p, points=tuple((t, v) for t, v in p.points if not lo < t < hi))
                                        for p in history.panes))


def _shown(points: tuple[tuple[float, float], ...], step: float, t: float) -> float | None:
    """The recording at ``t``: its newest point at or before it, if that point is the last grid
    time's (a grid time without a point is a time the source answered nothing for)."""
    i = bisect_right([p for p, _ in points], t + 1e-6)
    return points[i - 1][1] if i and t - points[i - 1][0] < step - 1e-6 else None


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(speed=SPEEDS, start=STARTS, offsets=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8))
def test_where_the_source_was_down_the_replay_shows_no_data(recording, speed: float, start: float,
                                                              offsets: list[float]) -> None:
    """A gap in the recording is a gap in the replay, pane value and sparkline alike: no recorded
    value is carried into it (it was, for two grid steps)."""
    cfg, whole = recording
    history = _with_gap(whole, (0.4, 0.6))
    replay = ReplaySource.at(history, speed, cfg.prometheus.window, start)
    gap_start = max(t for t, _ in history.panes[0].points if t < history.start + 0.5 * (history.end - history.start))
    ats = [replay.wall_time(gap_start + k * history.step / 2) for k in range(1, 6)]      # the gap's first steps
    ats += [replay.wall_time(history.start + f * (history.end - history.start)) for f in offsets]
    for at in ats:
        rt = replay.recorded_time(at)
        for sample in replay.fetch(cfg.slo, at=at):
            pane = history.pane(sample.slo_id)
            assert sample.value == _shown(pane.points, history.step, rt), (sample.slo_id, speed, rt - gap_start)
            for wall, value in sample.series:
                assert value == _shown(pane.points, history.step, replay.recorded_time(wall)), (sample.slo_id, wall)
