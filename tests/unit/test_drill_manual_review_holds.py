"""Manual review mode holds every new flow (redteam37 F17, redteam42 R8): its plan waits for an operator, shown as
held by psql, ``blocks status flows`` and FlowEngine's log, neither failed nor succeeded, until the mode is switched
off (no one in the drill approves them)."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.fleet import REPOS

SET = "kubectl set env deployment/flowengine MANUAL_REVIEW_MODE{} -n production"
TASKS = "psql -At -c \"select status, provider, count(*) from tasks where created_at > now() - interval '10 minutes' " \
        "group by 1, 2 order by 1, 2\""


def sh(drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, shlex.split(command), t)
    assert code == 0, err
    return out


def test_manual_review_holds_new_flows_until_it_is_switched_off(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "provider-outage")
    sh(drill, SET.format("=true"), 170.0)
    rows = [r.split("|") for r in sh(drill, TASKS, 900.0).split()]
    held = {p: int(n) for status, p, n in rows if status == "awaiting_review"}
    assert held, rows         # new flows, waiting (every provider's: ``test_in_manual_review_every_new_flow_waits…``)
    flows = sh(drill, "blocks status flows", 900.0)
    assert "awaiting_review" in flows and "awaiting review in the web UI" in flows, flows
    log = sh(drill, "kubectl logs deployment/flowengine -n production --since=10m", 900.0)
    assert "awaiting review: plan held for an operator" in log
    waiting = [line.split()[0] for line in flows.splitlines() if "awaiting_review" in line]
    code, _, err = run_one(drill, ["blocks", "flow", "retry", waiting[0]], 900.0)
    assert code != 0 and "awaiting review" in err
    sh(drill, SET.format("-"), 1000.0)       # switched off: they run on, none left waiting
    after = sh(drill, "psql -At -c \"select count(*) from tasks where status = 'awaiting_review'\"", 1300.0)
    assert after.strip() == "0"
    log = sh(drill, "kubectl logs deployment/flowengine -n production --since=10m", 1300.0)    # the new pods run it
    ran = [line for line in log.splitlines() if any(f"{task} flow" in line for task in waiting)]   # (those on its pod)
    assert ran and all(" succeeded " in line for line in ran), log


def test_the_drill_report_credits_manual_review_with_the_flows_it_held(tmp_path: Path) -> None:
    from warroom.incident.drill_report.actions import action_rows, stretches

    drill = warm_drill(tmp_path, "provider-outage")
    sh(drill, SET.format("=true"), 170.0)
    sim = drill.simulator.refresh()
    rows = action_rows(drill, sim.signals, stretches(drill.scenario, sim.signals), resolved=None, t_end=900.0,
                       t_zero=None, at=drill.wall_time(900.0), slos=None)
    row = next(r for r in rows if r.action == "manual_review")
    held = sh(drill, "psql -At -c \"select count(*) from tasks where status = 'awaiting_review'\"", 900.0).strip()
    assert f"held for an operator's review within 12m10s drill time, none approved, {held} still awaiting review then" \
        in row.change, row.change


def test_a_fresh_process_reads_the_held_flows_release_in_the_audit_trail(tmp_path: Path) -> None:
    """A trail begun late (a CLI command) walks the flows still held then, however long ago they started."""
    from warroom.drill import activity

    drill = warm_drill(tmp_path, "provider-outage")
    sh(drill, SET.format("=true"), 170.0)
    sh(drill, SET.format("-"), 2000.0)         # held for over half an hour, released at 2030 s
    sim = drill.simulator
    sim.pane("audit_gap", 2100.0)
    assert sim._catalog is not None
    acts = sim._catalog.activity
    whole = acts.audit_events(float("-inf"), 2100.0)
    activity._TRAILS.clear()                    # a process that asked nothing before
    assert [e for e in acts.audit_events(2000.0, 2100.0)] == [e for e in whole if e.t > 2000.0]
    assert any(e.t == 2030.0 and e.event == "flow.succeeded" for e in whole)     # unset + ENV_DELAY


def test_in_manual_review_every_new_flow_waits_and_none_completes(tmp_path: Path) -> None:
    """redteam42 R8: the runbook's own words ("new flows queue for an operator to approve or reject their plans"): with
    no one approving, no flow started under the mode completes, the waiting count grows and the duration histogram
    (completions) stands still; before, only the flows it saved from failing waited and the rest succeeded."""
    drill = warm_drill(tmp_path, "provider-outage")
    sh(drill, SET.format("=true"), 170.0)
    rows = [r.split("|") for r in sh(drill, TASKS, 900.0).split()]
    by_status = {s: sum(int(n) for st, _, n in rows if st == s) for s in {st for st, _, _ in rows}}
    assert "succeeded" not in by_status and by_status["awaiting_review"] > 20, rows
    assert {p for st, p, _ in rows if st == "awaiting_review"} >= {"anthropic", "openai"}, rows   # every provider's
    waiting = "psql -At -c \"select count(*) from tasks where status = 'awaiting_review'\""
    assert int(sh(drill, waiting, 1200.0)) > int(sh(drill, waiting, 900.0))
    log = sh(drill, "kubectl logs deployment/flowengine -n production --since=5m", 900.0)
    assert " succeeded " not in log and "awaiting review" in log, log
    series = drill.simulator.refresh()          # the histogram counts every completion, failed ones too
    done = series.value(("count",), 900.0) - series.value(("count",), 600.0)
    failed = sum(series.value(("fail", r.name), 900.0) - series.value(("fail", r.name), 600.0) for r in REPOS)
    assert done < failed + 1.0, (done, failed)
    calls = sum(series.value(("req", "openai", "200"), t) * (-1) ** i for i, t in enumerate((900.0, 600.0)))
    before = series.value(("req", "openai", "200"), 150.0) - series.value(("req", "openai", "200"), -150.0)
    assert calls < 0.7 * before, (calls, before)     # a held flow made its plan's calls alone
