"""The PIR credits a step run that restarted again within the first restart's effect window as the drill report does:
counted with the first (attack44 A19: the report said so, the PIR said the step's run "unchanged")."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import create_drill
from warroom.execute.watchdog import TAG_ENV
from warroom.incident.drill_report import actions as rows_of
from warroom.incident.records import StepRun
from warroom.incident.store import IncidentStore

TAG = "a44a19a44a19"


def test_a_step_run_restarting_again_is_counted_with_the_first_restart(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    d = create_drill(tmp_path, "audit-gap", speed=SPEED, start=START, name="a19")
    inc = IncidentStore(tmp_path / "inc", clock=lambda: datetime.fromtimestamp(d.wall_time(100), UTC)).create(
        title="gap", severity="P1", runbook="RB-CORE-005", drill={"scenario": "audit-gap", "speed": SPEED})
    restart = ["kubectl", "rollout", "restart", "deploy/audit-shipper", "-n", "production"]
    assert run_one(d, restart, 300.0)[0] == 0                        # typed in the drill shell
    state = inc.state.copy()
    step = state._step({"step_id": "restart-shipper", "runbook_id": "RB-CORE-005", "step": 27, "label": "Restart"})
    start = d.wall_time(305.0)
    step.runs.append(StepRun(seq=99, actor="ic", started_at=datetime.fromtimestamp(start, UTC), status="ok",
                             exit_code=0, ended_at=datetime.fromtimestamp(start + 1, UTC), mutating=True, tag=TAG))
    monkeypatch.setenv(TAG_ENV, TAG)
    assert run_one(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", "-n", "production"], 305.0)[0] == 0
    monkeypatch.delenv(TAG_ENV)
    monkeypatch.setattr(rows_of, "change_without", lambda *a, **k: "weighed alone")      # the wording, not the curves
    said = rows_of.run_effects(d, state, None, d.wall_time(400.0))["99"]
    first_at = datetime.fromtimestamp(d.wall_time(300.0), UTC)
    assert said == (f"its effect is counted with the first restart's (first at {first_at:%H:%M:%S} UTC: "
                    "kubectl rollout restart deploy/audit-shipper -n production)"), said
