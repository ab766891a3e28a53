"""A fix typed again while it was in force is credited once, to its first run (attack43 A7).

provider-outage: ``DISABLE_PROVIDERS=anthropic`` (the fix) typed, then the same command twice more seconds later (unsure
it took, a second terminal). Each run was weighed alone, the others still in the world: without the first the repeat
3 s later did the same, so every row's effect was ~0 and the report said "Model API 5xx rate … unchanged" after the
fix took it from 28% to 0.2%. The first run is weighed with its repeats; each repeat's row says it is the same command.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.incident.drill_report import drill_report

FIX = "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic -n production"


def test_a_fix_typed_again_while_in_force_leaves_its_effect_with_the_first_run() -> None:
    d = warm_drill(Path(tempfile.mkdtemp()), "provider-outage", speed=10.0, start=START, name="again")
    # the third spelled another way, as people type it: the same change (attack43 A20)
    for command, t in ((FIX, 700.0), (FIX, 730.0), ("kubectl -n production set env deploy/flowengine"
                                                     " DISABLE_PROVIDERS=anthropic", 760.0)):
        assert run_one(d, command.split(), t)[0] == 0
    rows = drill_report(d, at=d.wall_time(2400.0)).actions
    assert len(rows) == 3, rows
    first, *repeats = rows
    assert first.action == "fallback_routing" and first.effective and "Model API 5xx rate" in first.change, first
    assert "unchanged" not in first.change and "without it" in first.change, first
    assert all(r.why.startswith("the same change again (first at ") and not r.effective for r in repeats), repeats


def test_a_retry_of_a_flow_that_had_succeeded_unlocks_no_failed_flows_mid_drill() -> None:
    """attack43 A14: mid-drill, ``blocks flow retry`` of a task that had SUCCEEDED made the report say "Not done:
    failed flows retried (2 of the 2 flows the incident failed are still failed: tsk_…)", the scenario's fix and its
    ids. Only a retry of a flow the incident failed is the team retrying them."""
    from warroom.drill.activity import Activity
    from warroom.drill.cluster import build_cluster

    d = warm_drill(Path(tempfile.mkdtemp()), "rate-limit", speed=60.0, start=START, name="ok-retry")
    world = Activity(d.simulator.refresh(), build_cluster(d.scenario, d.actions(), 900.0))
    fine = next(f.task_id for f in world.flows(0, 900.0, 900.0) if f.status == "succeeded")
    # the stand-in now refuses it (3d118106); a record of one, as an older stand-in or a replay has it, still unlocks
    # nothing
    d.record("retry", tool="blocks", argv=("flow", "retry", fine), detail={"task_id": fine, "ok": True},
             at=d.wall_time(900.0))
    report = drill_report(d, None, at=d.wall_time(1200))
    assert report.unretried is None and "retry" not in report.resolution_missing, report.resolution_missing
    assert not any(line.startswith("Not done") for line in report.summary), report.summary


def test_while_open_a_fix_is_named_by_what_its_command_did_not_by_the_scenario() -> None:
    """attack43 A8, the label half: mid-drill the right provider's row read "fallback model routing enabled (set
    DISABLE_PROVIDERS=anthropic …)", the wrong one's "deployment environment changed (… openai)": which was right,
    before resolve. Until the end both are named by what the command did; after it, the scenario's name is said."""
    from datetime import UTC, datetime

    from warroom.incident.store import IncidentStore

    d = warm_drill(Path(tempfile.mkdtemp()), "provider-outage", speed=60.0, start=START, name="label")
    assert run_one(d, FIX.split(), 700.0)[0] == 0
    now = [d.wall_time(650.0)]
    inc = IncidentStore(Path(tempfile.mkdtemp()), clock=lambda: datetime.fromtimestamp(now[0], UTC)).create(
        title="5xx", severity="P1", drill={"scenario": "provider-outage", "speed": 60.0})
    (during,) = drill_report(d, inc.state, at=d.wall_time(900.0)).actions
    assert during.description == "deployment environment changed (set DISABLE_PROVIDERS=anthropic on flowengine)"
    now[0] = d.wall_time(1000.0)
    inc.resolve("fixed")
    (after,) = drill_report(d, inc.refresh(), at=d.wall_time(1100.0)).actions
    assert after.description.startswith("fallback model routing enabled"), after


def test_restarts_typed_as_different_commands_in_one_window_are_credited_once_together() -> None:
    """attack43 A7's addendum: mass-failure, an env change rolled FlowEngine's pods (a restart), ``kubectl rollout
    restart`` 25 s later, another env change a second after that: each restart weighed alone, the others still in the
    world, every restart row read "unchanged" while the 5xx share fell. The first is weighed with the restarts of its
    window, credited once; the others say so."""
    d = warm_drill(Path(tempfile.mkdtemp()), "mass-failure", speed=10.0, start=START, name="restarts")
    for command, t in (("kubectl set env deployment/flowengine LOG_LEVEL=debug -n production", 600.0),
                       ("kubectl rollout restart deployment/flowengine -n production", 625.0),
                       ("kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo -n production", 626.0)):
        assert run_one(d, command.split(), t)[0] == 0
    rows = [r for r in drill_report(d, at=d.wall_time(1230.0)).actions if r.action == "restart"]
    assert len(rows) == 3, rows
    first, *others = rows
    assert "Model API 5xx rate" in first.change and "without it" in first.change, first
    assert all(r.change == "its effect is counted with the first restart's" and not r.effective
               and r.why.startswith("restarted again within the first's effect window (first at ")
               for r in others), others


def test_scaling_back_up_is_owed_only_after_a_stop() -> None:
    """redteam44 A3: audit-gap resolved without ever stopping FlowEngine: "Not done: FlowEngine scaled to zero (all
    flows halted) (never done); FlowEngine scaled back up (never done)", as if the team had left it down. Bringing it
    back is owed once it was stopped; not containing first is the miss."""
    from datetime import UTC, datetime

    from warroom.incident.store import IncidentStore

    d = warm_drill(Path(tempfile.mkdtemp()), "audit-gap", speed=60.0, start=START, name="nostop")
    now = [d.wall_time(60.0)]
    inc = IncidentStore(Path(tempfile.mkdtemp()), clock=lambda: datetime.fromtimestamp(now[0], UTC)).create(
        title="audit", severity="P1", drill={"scenario": "audit-gap", "speed": 60.0})
    now[0] = d.wall_time(600.0)
    inc.resolve("restarted")
    missing = drill_report(d, inc.refresh(), at=d.wall_time(700.0)).resolution_missing
    assert "flowengine_stop" in missing and "flowengine_start" not in missing, missing
