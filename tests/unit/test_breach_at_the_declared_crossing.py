"""A drill's first breach of the pane that defined the impact start is journaled at that crossing (redteam43 R9).

The declaration reads the crossing off the drill's curve (``declared_source``: a 5-second step); the metric sync
dates breaches on its grid (15 s of drill time). At x60 the PIR said "Detected … (5m03s drill time after impact
start)" while its Key Moments put "SLO breached: Model API quota used" at -4m53s: one event, two instants a grid
point apart. The breach is that crossing: its instant and its value. The clock is pinned; nothing sleeps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from warroom import scenario_time
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import declared_source
from warroom.incident.store import IncidentStore

T0 = 1_800_000_000.0
SPEED = 60.0


def _declared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A rate-limit drill at x60, off the sync grid, and an incident declared on it 8 drill minutes in."""
    state_dir = tmp_path / "state"
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    drill = create_drill(state_dir / "drills", "rate-limit", speed=SPEED, start=T0 + 0.1)   # off the sync grid
    at = T0 + 8.0                                             # 8 drill minutes: the quota crossed 80% before
    monkeypatch.setenv(scenario_time.AT_ENV, repr(at))
    source = declared_source(drill, {"kind": "pane", "ref": "quota"}, at=at)
    assert source["started_slo"] == "quota"
    cfg = Config()
    cfg.as_drill(runbook=drill.scenario.runbook, severity=drill.scenario.severity)
    inc = IncidentStore(state_dir, cfg).create(
        title="quota", severity="P3", source=source,
        drill={"scenario": "rate-limit", "speed": SPEED, "dir": str(drill.path)}, at=datetime.fromtimestamp(at, UTC))
    return drill, inc, cfg, source, at


def test_the_breach_that_started_the_impact_is_journaled_at_the_crossing_the_declaration_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drill, inc, cfg, source, at = _declared(tmp_path, monkeypatch)
    inc.sync_metrics(drill.source(cfg.slo), speed=SPEED, now=at)
    first = min((b for b in inc.state.breaches if b["slo_id"] == "quota"), key=lambda b: b["at"])
    assert first["at"] == inc.state.phases["started"] == datetime.fromisoformat(source["started_at"])
    assert first["value"] == source["started_value"]


def test_the_pir_s_numbers_are_judged_without_holding_the_incident_s_lock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """redteam43 R13: after resolving a 9-hour drill the panes and the clock stood still ~40 s: the summary simulated
    what every step did (``run_effects``) under the incident's lock, which every view's snapshot takes. It is judged
    on a copy outside the lock, and appended only if the journal did not move meanwhile."""
    import threading

    from warroom.incident.drill_report import actions

    drill, inc, cfg, _, at = _declared(tmp_path, monkeypatch)
    free: list[bool] = []
    effects = actions.run_effects

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        def look() -> None:          # another thread, as the dashboard's view: may it take the lock now?
            got = inc._lock.acquire(blocking=False)
            free.append(got)
            if got:
                inc._lock.release()
        t = threading.Thread(target=look)
        t.start()
        t.join()
        return effects(*args, **kwargs)

    monkeypatch.setattr(actions, "run_effects", watched)
    result = inc.sync_metrics(drill.source(cfg.slo), speed=SPEED, now=at, summary=True)
    assert free == [True] and result.summary is not None and inc.state.metric_summary is not None
