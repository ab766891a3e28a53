"""Replay of a REAL incident: its sources are a real Prometheus (backfilled with a drill scenario's
series by ``promtool``). Resolving saves the panes' history over the incident window; the saved points
are what Prometheus answers at those times; `warroom drill --replay` shows those values at the matching
recorded times with the incident's runbook; and once Prometheus is gone the PIR's evidence is read from
the saved file, with the same numbers."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from tests.integration.sources_servers import PromServer, backfill
from warroom.config import PrometheusConfig, load_config

pytestmark = pytest.mark.integration

pytest.importorskip("warroom.drill.actions")
from tests.drill_backfill import scenario_catalog  # noqa: E402
from tests.drill_openmetrics import render_lines  # noqa: E402


def test_a_real_incident_is_saved_replayed_and_quoted_from_its_recording(tmp_path: Path, capsys) -> None:
    from tui.cli import main
    from tui.launch import replay_context
    from warroom.incident.history import LEAD, load_history
    from warroom.incident.review.metrics import evidence
    from warroom.incident.store import IncidentStore
    from warroom.sources.prometheus import PrometheusSource

    base = math.floor((time.time() - 1800 - 60) / 15) * 15        # the scenario's second 0
    # the target was down from scenario second 600 to 1200 (inside the impact): no samples then
    down = (600, 1200)
    times = [t for t in range(-5400, 1801, 15) if not down[0] < t < down[1]]
    text = "\n".join(render_lines(scenario_catalog("rate-limit", base), times, timestamps=True)) + "\n"
    server = PromServer(tmp_path / "prom")
    backfill(text, server.tsdb, tmp_path)
    config = tmp_path / "config.toml"
    state = tmp_path / "state"
    with server:
        config.write_text(f'[prometheus]\nurl = "{server.url}"\ntimeout = 10\n', encoding="utf-8")
        cli = ["--config", str(config), "--state-dir", str(state)]
        assert main(["incident", "new", "--title", "quota past 80%", "--severity", "P2", "--runbook",
                     "RB-CORE-003", *cli]) == 0
        inc_id = capsys.readouterr().out.split()[0]
        assert main(["incident", "mark", inc_id, "started", "--at", "-25m", *cli]) == 0
        assert main(["incident", "mark", inc_id, "detected", "--at", "-20m", *cli]) == 0
        assert main(["incident", "resolve", inc_id, "--summary", "breaker on", "--yes", *cli]) == 0
        assert f"metrics of the incident window saved to {state}" in capsys.readouterr().out
        cfg = load_config(config)
        cfg.incident.state_dir = str(state)
        inc = IncidentStore(state, cfg).open(inc_id)
        phases = {k: v.timestamp() for k, v in inc.state.phases.items() if v is not None}
        history = load_history(inc.dir)
        # the window: an hour before detection (impact start if earlier) to the resolution
        assert history.start == pytest.approx(min(phases["detected"] - LEAD, phases["started"]))
        assert history.end == pytest.approx(phases["resolved"])
        assert history.runbook == "RB-CORE-003" and history.time_scale == 1.0
        prom = PrometheusSource(PrometheusConfig(url=server.url, timeout=10.0))
        for pane in history.panes:
            assert pane.points[0][0] <= history.start + history.step
            assert pane.points[-1][0] >= history.end - 2 * history.step
            for t, v in pane.points[:: max(1, len(pane.points) // 6)]:     # what Prometheus says at that time
                [(_, [(_, live)])] = prom.query_range(pane.slo.query, t, t, history.step)
                assert v == pytest.approx(live, rel=1e-9), (pane.slo.id, t)
        quota = history.pane("quota")
        assert any(quota.bad(v) for _, v in quota.points)                # the breach is in the recording
        # Prometheus answers the last sample for its 5-minute lookback, then nothing: a hole. The
        # frozen stretch past stale_after (60 s) is no reading (the pane said STALE): kept apart
        holes = [(a - base, b - base) for (a, _), (b, _) in zip(quota.points, quota.points[1:])
                 if b - a > 1.5 * history.step]
        assert holes == [(down[0] + 60, down[1])], holes
        # (the recording's last grid points may be stale too: the series end at 1800, the resolution
        # is a minute or so later, depending on when the test runs)
        assert [t - base for t, _v, _age in quota.stale if t - base < 1800] == list(range(down[0] + 75, down[0] + 301, 15))
        summarised = inc.sync_metrics(prom, cfg.slo, speed=1.0, summary=True)
        assert not summarised.errors
        live_rows, _ = evidence(inc.state)
        prom.close()

    # the replay: the recorded values at the matching recorded times, with the incident's runbook
    replay_cfg = load_config(config)
    replay_cfg.incident.state_dir = str(state)
    ctx = replay_context(replay_cfg, inc_id, 60.0)
    src = ctx.source
    assert ctx.read_only and ctx.drill.runbook == "RB-CORE-003" and ctx.drill.severity == "P2"
    in_hole = [src.wall_time(base + down[0] + 300 + d) - src.start for d in (16.0, 29.0, 31.0, 150.0, 299.0)]
    for k in (0.0, 7.5, 30.0, 61.0, 80.0, *in_hole, 10_000.0):
        at = src.start + k
        t = src.recorded_time(at)
        assert t == pytest.approx(min(history.end, history.start + 60.0 * k))
        shown = {s.slo_id: s for s in src.fetch(ctx.config.slo, at=at)}
        for pane in history.panes:        # the newest point, while it is the last grid time's: else a gap
            want = [(pt, v) for pt, v in pane.points if pt <= t + 1e-6]
            held = want[-1][1] if want and t - want[-1][0] < history.step - 1e-6 else None
            frozen = [(pt, v) for pt, v, _age in pane.stale if pt <= t + 1e-6]
            stale = held is None and bool(frozen) and t - frozen[-1][0] < history.step - 1e-6 \
                and (not want or frozen[-1][0] > want[-1][0])
            if stale:       # recorded STALE: the frozen value, with its data age (the pane reads STALE)
                held = frozen[-1][1]
            assert shown[pane.slo.id].value == held, (pane.slo.id, k)
            if history.start + 60.0 * k > history.end + 1e-3 and held is not None and not stale:
                # past the recording's end: the last value, aged from when the replay played it (redteam47 F14)
                assert shown[pane.slo.id].data_time == pytest.approx(src.wall_time(want[-1][0])), (pane.slo.id, k)
            else:
                assert (shown[pane.slo.id].data_time is not None) == stale, (pane.slo.id, k)
            assert all(w <= at + 1e-6 for w, _ in shown[pane.slo.id].series)   # no point from the future
        if k in in_hole:
            assert shown["quota"].value is None and shown["quota"].error is None       # no data, said as such

    # Prometheus is gone: the PIR's SLO evidence comes from the saved file, same numbers
    dead = PrometheusSource(PrometheusConfig(url=server.url, timeout=2.0))
    inc = IncidentStore(state, cfg).open(inc_id)
    inc.sync_metrics(dead, cfg.slo, speed=1.0, summary=True)
    dead.close()
    slos = inc.state.metric_summary["slos"]
    assert slos and all(e["recorded"] for e in slos.values())
    rows, note = evidence(inc.state)
    # every quoted figure, the time past critical and the gap the target's outage left included
    quoted = [(r.title, r.at_start, r.at_detection, r.worst, r.at_resolution, r.breach) for r in rows]
    assert quoted == [(r.title, r.at_start, r.at_detection, r.worst, r.at_resolution, r.breach) for r in live_rows]
    assert any("no data for" in r.breach for r in rows), quoted
    assert note is not None and "saved metrics.json" in note.text
