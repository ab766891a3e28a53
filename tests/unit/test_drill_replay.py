"""Replay a real incident: its metrics over the window are saved at resolve; `warroom drill
--replay INC-…` plays the recorded curves back, read-only, in the drills' state dir."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from warroom.config import Config
from warroom.incident.replay import ReplaySource
from warroom.drill.directory import create_drill
from warroom.errors import NotFoundError
from warroom.incident.history import load_history, record_history
from warroom.incident.store import IncidentStore


def _resolved_drill_incident(tmp_path: Path):
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state" / "drills")
    drill = create_drill(tmp_path / "state" / "drills", "rate-limit", 60.0)
    store = IncidentStore(cfg.state_dir(), cfg)
    inc = store.create(title="quota climbing", severity="P3", runbook=None, source={},
                       drill={"scenario": "rate-limit", "speed": 60.0, "dir": str(drill.path)})
    inc.resolve("breaker on", resolution="circuit breaker")
    source = drill.source(cfg.slo)
    return cfg, inc, drill, source


def test_resolve_saves_the_window_and_replay_plays_the_recorded_curve(tmp_path: Path) -> None:
    cfg, inc, drill, source = _resolved_drill_incident(tmp_path)
    path = record_history(inc.dir, inc.state, cfg.slo, source)
    history = load_history(inc.dir)
    assert path.name == "metrics.json" and history.incident_id == inc.id and history.time_scale == 60.0
    quota = history.pane("quota")
    assert quota is not None and len(quota.points) > 100
    # the history holds what the drill's panes showed at those times
    for t, v in quota.points[:: len(quota.points) // 7]:
        (live,) = [s for s in source.fetch(cfg.slo, at=t) if s.slo_id == "quota"]
        assert math.isclose(v, live.value, rel_tol=1e-9)
    # played back: at the replay's start the first recorded value, then the curve at the speed
    replay = ReplaySource(history, speed=2.0, start=1_000.0)
    first = replay.fetch(cfg.slo, at=1_000.0)
    assert {s.slo_id: s.value for s in first}["quota"] == quota.points[0][1]
    later = {s.slo_id: s for s in replay.fetch(cfg.slo, at=1_010.0)}
    expected = [v for t, v in quota.points if t <= history.start + 20.0][-1]
    assert later["quota"].value == expected
    assert later["quota"].series and all(1_000.0 <= w <= 1_010.0 + 1e-6 for w, _ in later["quota"].series)
    end = {s.slo_id: s.value for s in replay.fetch(cfg.slo, at=1e9)}
    assert end["quota"] == quota.points[-1][1]          # held at the end of the recording
    assert replay.instant("rate(x[5m])").error


def test_replay_context_is_read_only_and_keeps_to_the_drills(tmp_path: Path) -> None:
    from tui.launch import replay_context

    cfg, inc, drill, source = _resolved_drill_incident(tmp_path)
    record_history(inc.dir, inc.state, cfg.slo, source)
    base = Config()
    base.incident.state_dir = str(tmp_path / "state")
    ctx = replay_context(base, inc.id, None)
    assert ctx.read_only and ctx.drill is not None and ctx.drill.speed == 60.0
    assert Path(ctx.state_dir) == tmp_path / "state" / "drills"
    assert [s.id for s in ctx.config.slo] == [s.id for s in cfg.slo]
    assert "replaying" in (ctx.drill.notice or "") and "read-only" in (ctx.drill.notice or "")
    with pytest.raises(NotFoundError):
        replay_context(Config(), "INC-19990101-1", None)


def test_an_incident_without_saved_metrics_says_so(tmp_path: Path) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg).create(title="t", severity="P3", runbook=None, source={})
    with pytest.raises(NotFoundError, match="saved when the incident is resolved"):
        load_history(inc.dir)


class _Gone:
    """A metric source that can no longer answer: down (raises) or past its retention (empty)."""

    name = "prometheus"

    def __init__(self, empty: bool) -> None:
        self.empty = empty

    def query_range(self, expr: str, start: float, end: float, step: float) -> list:
        if self.empty:
            return []
        raise ConnectionError("connection refused")

    def instant(self, expr: str, at: float | None = None):
        from warroom.sources.model import SloSample

        return SloSample(expr, None, error="connection refused")


@pytest.mark.parametrize("empty", [False, True])
def test_the_pir_evidence_falls_back_to_the_saved_metrics(tmp_path: Path, empty: bool) -> None:
    from warroom.incident.review import evidence

    import time
    from datetime import UTC, datetime

    cfg = Config()
    now = time.time()
    drill = create_drill(tmp_path / "drills", "rate-limit", 60.0, start=now - 40.0)   # 40 drill minutes in
    clock = iter([now - 35.0, now - 35.0, now - 5.0, now - 5.0] + [now - 5.0] * 50)
    inc = IncidentStore(tmp_path / "state", cfg, clock=lambda: datetime.fromtimestamp(next(clock), UTC)).create(
        title="quota climbing", severity="P3", runbook=None, source={},
        drill={"scenario": "rate-limit", "speed": 60.0, "dir": str(drill.path)})
    inc.resolve("gave up")
    source = drill.source(cfg.slo)
    live = inc.sync_metrics(source, cfg.slo, speed=60.0, summary=True)
    want = {k: (e["worst"], e["at_resolution"]) for k, e in inc.state.metric_summary["slos"].items()}
    want_rows, _ = evidence(inc.state)
    assert "quota" in [r.slo_id for r in want_rows] and all(r.worst != "n/a" for r in want_rows)   # quoted
    assert not any(e["recorded"] for e in inc.state.metric_summary["slos"].values()) and live.histories
    record_history(inc.dir, inc.state, cfg.slo, source)
    inc.sync_metrics(_Gone(empty), cfg.slo, speed=60.0, summary=True)
    summ = inc.state.metric_summary
    assert not summ["errors"] and all(e["recorded"] for e in summ["slos"].values())
    assert {k: (e["worst"], e["at_resolution"]) for k, e in summ["slos"].items()} == want
    rows, note = evidence(inc.state)
    assert [(r.title, r.worst, r.at_resolution) for r in rows] == [(r.title, r.worst, r.at_resolution) for r in want_rows]
    assert note is not None and "saved metrics.json" in note.text
    # without the saved file, the same dead source is said, not guessed
    (inc.dir / "metrics.json").unlink()
    inc.sync_metrics(_Gone(empty), cfg.slo, speed=60.0, summary=True)
    summ = inc.state.metric_summary
    assert not any(e.get("worst") for e in summ["slos"].values()) if empty else summ["errors"]
