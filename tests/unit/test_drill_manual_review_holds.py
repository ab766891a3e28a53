"""Manual review mode holds the flows it keeps from failing (redteam37 F17): their plans wait for an operator, shown as
held by psql, ``blocks status flows`` and FlowEngine's log, neither failed nor succeeded, until the mode is switched
off (no one in the drill approves them); before, they simply succeeded on the failing provider."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill

SET = "kubectl set env deployment/flowengine MANUAL_REVIEW_MODE{} -n production"
TASKS = "psql -At -c \"select status, provider, count(*) from tasks where created_at > now() - interval '10 minutes' " \
        "group by 1, 2 order by 1, 2\""


def sh(drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, shlex.split(command), t)
    assert code == 0, err
    return out


def test_manual_review_holds_the_flows_it_keeps_from_failing_until_it_is_switched_off(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "provider-outage")
    sh(drill, SET.format("=true"), 170.0)
    rows = [r.split("|") for r in sh(drill, TASKS, 900.0).split()]
    held = {p: int(n) for status, p, n in rows if status == "awaiting_review"}
    assert held and set(held) == {"anthropic"}, rows         # the outage's provider's flows, waiting
    flows = sh(drill, "blocks status flows", 900.0)
    assert "awaiting_review" in flows and "awaiting review in the web UI" in flows, flows
    log = sh(drill, "kubectl logs deployment/flowengine -n production --since=10m", 900.0)
    assert "awaiting review: plan held for an operator" in log
    task = next(line.split()[0] for line in flows.splitlines() if "awaiting_review" in line)
    code, _, err = run_one(drill, ["blocks", "flow", "retry", task], 900.0)
    assert code != 0 and "awaiting review" in err
    sh(drill, SET.format("-"), 1000.0)       # switched off: they run on, none left waiting
    after = sh(drill, "psql -At -c \"select count(*) from tasks where status = 'awaiting_review'\"", 1300.0)
    assert after.strip() == "0"
    log = sh(drill, "kubectl logs deployment/flowengine -n production --since=10m", 1300.0)    # the new pods run it
    assert f"{task} flow" in log and "succeeded" in next(line for line in log.splitlines() if task in line)


def test_the_drill_report_credits_manual_review_with_the_flows_it_held(tmp_path: Path) -> None:
    from warroom.incident.drill_report.actions import action_rows, stretches

    drill = warm_drill(tmp_path, "provider-outage")
    sh(drill, SET.format("=true"), 170.0)
    sim = drill.simulator.refresh()
    rows = action_rows(drill, sim.signals, stretches(drill.scenario, sim.signals), resolved=None, t_end=900.0,
                       t_zero=None, at=drill.wall_time(900.0), slos=None)
    row = next(r for r in rows if r.action == "manual_review")
    held = sh(drill, "psql -At -c \"select count(*) from tasks where status = 'awaiting_review'\"", 900.0).strip()
    assert f"held for an operator's review instead of failing, {held} still awaiting review" in row.change


def test_a_fresh_process_reads_the_held_flows_release_in_the_audit_trail(tmp_path: Path) -> None:
    """A trail begun late (a CLI command) walks the flows still held then, however long ago they started."""
    from warroom.drill import activity

    drill = warm_drill(tmp_path, "provider-outage")
    sh(drill, SET.format("=true"), 170.0)
    sh(drill, SET.format("-"), 2000.0)         # held for over half an hour, released at 2010 s
    sim = drill.simulator
    sim.pane("audit_gap", 2100.0)
    assert sim._catalog is not None
    acts = sim._catalog.activity
    whole = acts.audit_events(float("-inf"), 2100.0)
    activity._TRAILS.clear()                    # a process that asked nothing before
    assert [e for e in acts.audit_events(2000.0, 2100.0)] == [e for e in whole if e.t > 2000.0]
    assert any(e.t == 2010.0 and e.event == "flow.succeeded" for e in whole)
