"""A replay of a fast drill shows a recorded point over its whole step, never NO DATA (issue 13 item 8).

A drill at x3600 is recorded on a grid of 15/3600 s: no whole number of milliseconds, while
metrics.json keeps times to the millisecond (``metric_history.fold`` keys them so). Read back as
stored, a point rounded up by up to half a millisecond lay "in the future" of its own grid time,
and the point before had run out its step: the replay showed NO DATA for every pane at those
instants (redteam35: 80 of 2,000 pane readings, at every replay speed), and the sparklines
dropped them. The loader puts a point written within that rounding of a grid time back on it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.unit.standins_corpus import warmed
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.history import load_history, record_history
from warroom.incident.replay import ReplaySource
from warroom.incident.store import IncidentStore


@pytest.mark.parametrize("speed", [3600.0, 900.0, 7.0])
def test_every_grid_time_of_a_fast_recording_shows_its_point(tmp_path: Path, speed: float) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "drills")
    drill = warmed(create_drill(tmp_path / "drills", "timeout", speed, start=time.time() - 2400.0 / speed))
    inc = IncidentStore(cfg.state_dir(), cfg).create(
        title="latency climbing", severity="P3", runbook=None, source={},
        drill={"scenario": "timeout", "speed": speed, "dir": str(drill.path)})
    inc.resolve("pruned", resolution="bundles pruned")
    record_history(inc.dir, inc.state, cfg.slo, drill.source(cfg.slo))
    history = load_history(inc.dir)
    replay = ReplaySource.at(history, speed, cfg.prometheus.window, 1_000.0)
    step = history.step
    for k in range(round(history.start / step) + 1, round(history.end / step)):
        at = replay.wall_time(k * step)
        for sample in replay.fetch(cfg.slo, at=at):
            pane = history.pane(sample.slo_id)
            assert pane is not None
            (want,) = [v for t, v in pane.points if abs(t - k * step) <= 5e-4]    # its point, to the file's ms
            assert sample.value == want, (sample.slo_id, k)
