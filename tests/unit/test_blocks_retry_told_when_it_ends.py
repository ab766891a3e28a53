"""``blocks flow retry`` and ``test-flow`` tell an outcome only once it has happened in the world (redteam48 F10).

A retry without pruning in the timeout drill takes 180 drill seconds (18 wall at x10) and fails; the stand-in waited at
most 6 wall seconds and printed "run: failed in 180.0s" while psql and the logs said "running" for two more drill
minutes. Now the command waits the run's drill time up to its wall cap (``blocks.RUN_WAIT``) and, at the cap, says the
run is still running and how to follow it, never its outcome. The wait is taken off the wall here: the cap is 0 and
the drill's now is held at the call's moment, so nothing sleeps.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warmed
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import create_drill
from warroom.drill.actions import read_actions
from warroom.drill.standins import base, blocks

T = 1200.0


def test_a_retry_still_running_at_the_wall_cap_is_said_running_never_its_outcome(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drill = warmed(create_drill(tmp_path, "timeout", speed=10.0, start=START, name="retry"))
    flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, [], T)).flows(T - 3600, T, T)
    task = next(f.task_id for f in reversed(flows) if f.status == "failed")
    monkeypatch.setattr(blocks, "RUN_WAIT", 0.0, raising=False)
    monkeypatch.setattr(base.stime, "now", lambda: drill.wall_time(T))      # the world has not moved on
    out, err = io.StringIO(), io.StringIO()
    ctx = base.Context("blocks", ["flow", "retry", task], drill, at=drill.wall_time(T), stdout=out, stderr=err)
    ctx.no_delay = False
    assert base.run_tool(ctx) == 0, err.getvalue()
    said = out.getvalue()
    assert f"the retry of {task} is still running after 0s drill time; its outcome is not known yet" in said, said
    assert "run: " not in said and "failed" not in said + err.getvalue(), said
    [retry] = [a for a in read_actions(drill.path) if a.action == "retry"]
    assert retry.t == T and retry.detail["seconds"] > 60        # begun then: the world ends it in its own time

    # waited to its end (no wall wait in-process), the outcome is told as before
    code, told, _ = run_one(drill, ["blocks", "flow", "retry", task, "--enable-pruning"], T + 400)
    assert code == 0 and "run: succeeded in " in told, told
