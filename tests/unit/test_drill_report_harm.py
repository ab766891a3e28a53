"""redteam38 (the brief's F5, the red-team's F2): in the audit-gap drill the report said halting FlowEngine
(RB-CORE-005's containment, `kubectl scale deployment/flowengine --replicas=0`) "moved none of the scenario's
panes", the PIR "Audit-log gap unchanged within 10m00s", and the flows that ran without an audit trail, the
scenario's harm ("Unaudited flows are a compliance breach: contain first"), were counted nowhere. A scenario now
names its harm (``harm = "unaudited"``); the report counts it from the simulator's own record, as the world went
and without each action, and the PIR's Impact gives the total. The counts are the ones the drill's psql gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock, drill_incident
from tests.unit.standins_corpus import run_one
from warroom.drill.scenarios import list_scenarios
from warroom.incident.drill_report import drill_report, report_lines
from warroom.incident.pir import render_pir
from warroom.incident.review.commands import commands
from warroom.journal import events as ev

STOP = ["kubectl", "scale", "deployment/flowengine", "-n", "production", "--replicas=0"]
RESTART = ["kubectl", "rollout", "restart", "deployment/audit-shipper", "-n", "production"]
START = ["kubectl", "scale", "deployment/flowengine", "-n", "production", "--replicas=3"]
NO_ROW = ("select count(*) from tasks t where status <> 'queued' and not exists"
          " (select 1 from audit_logs a where a.task_id = t.task_id)")


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _run(inc, step: int, clock: DrillClock, body) -> None:
    """One mutating run of ``step`` with ``body()`` while it runs, as the runner journals it."""
    st = inc.step(step)
    ref = {"step": st.number, "step_id": st.id, "label": st.label, "runbook_id": inc.runbook().id}
    inc._append(ev.STEP_STARTED, {**ref, "command": st.command or "true", "mutating": True})
    body()
    clock.t += 1.0
    inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 1.0})


def test_the_containment_is_credited_with_the_unaudited_flows_it_kept_from_running(tmp_path: Path) -> None:
    speed = 10.0
    d, inc, clock, breach = drill_incident(tmp_path, "audit-gap", speed, title="Audit log gap growing",
                                           severity="p1", pane="audit_gap", runbook="RB-CORE-005")
    source = d.source(inc.config.slo)
    step = next(s.number for s in inc.runbook().steps if "--replicas=0" in (s.command or ""))
    clock.t += 30.0                                     # 5 drill minutes after the declaration: contain
    _run(inc, step, clock, lambda: run_one(d, STOP, d.scenario_time(clock.t)))
    clock.t += 60.0
    run_one(d, RESTART, d.scenario_time(clock.t))
    clock.t += 20.0
    run_one(d, START, d.scenario_time(clock.t))
    clock.t += 60.0
    inc.resolve("audit shipper restarted", concerns=None)
    inc.sync_metrics(source, speed=speed, now=clock.t, summary=True)
    state = inc.state
    t_end = d.scenario_time(clock.t)

    report = drill_report(d, state, at=clock.t, slos=inc.config.slo)
    halt = next(a for a in report.actions if a.action == "flowengine_stop")
    kept = re.search(r"kept (\d+) flows from running unaudited \((\d+) ran unaudited by [\d:]+ UTC, (\d+) without it\)",
                     halt.change)
    assert kept is not None, halt.change
    n, did, without = map(int, kept.groups())
    assert n == without - did > 0
    assert "moved none" not in "\n".join(report_lines(report))
    total = next(x for x in report.summary if x.startswith("Flows that ran unaudited"))
    no_row = int(run_one(d, ["psql", "-At", "-c", NO_ROW], t_end)[1])     # what the IC counts in the TaskDB
    assert f": {did} " in total and f"{no_row} of them have no audit_logs row" in total, total

    row = next(r for r in commands(state, clock()) if r.step.split()[0] == str(step))
    assert row.effect.startswith("what it changed (drill simulator): ") and f"kept {n} flows" in row.effect, row.effect
    pir = render_pir(state, "pir", inc.config, now=clock())
    assert re.search(rf"Flows that ran unaudited[^\n]*: {did}\b", pir), pir


def test_every_harm_a_scenario_names_is_counted() -> None:
    from typing import get_args

    from warroom.drill.scenarios import Harm
    from warroom.incident.drill_report.harm import MEASURES

    assert set(MEASURES) == set(get_args(Harm))
    assert {s.name: s.harm for s in list_scenarios() if s.harm} == {"audit-gap": "unaudited"}


def test_the_impact_starts_at_the_harm_the_impact_section_counts_from_not_at_the_age_panes_crossing(
        tmp_path: Path) -> None:
    """redteam49 F3: the audit-gap pane ("seconds since the last event") crosses 300 s five drill minutes after the
    events stopped; the PIR's Duration and Time to detect counted from that crossing while its Impact counted the
    unaudited flows from the stop. One start: the harm's onset in the simulator's record, said so."""
    from datetime import UTC, datetime

    from tests.unit.incident_fixtures import DRILL_START
    from tests.unit.standins_corpus import warm_drill
    from warroom.config import Config
    from warroom.incident.drill_report import breach_time, declared_source
    from warroom.incident.drill_report.harm import since
    from warroom.incident.store import IncidentStore

    speed = 10.0
    d = warm_drill(tmp_path / "drills", "audit-gap", speed=speed, start=DRILL_START)
    breach = breach_time(d, at=DRILL_START + 3600)
    assert breach is not None
    clock = DrillClock(breach + 30)
    onset = d.wall_time(since(d))
    assert onset < breach
    source = declared_source(d, {"kind": "pane", "ref": "audit_gap"}, Config().slo, at=clock.t)
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="Audit log gap growing", severity="p1", source=source, runbook="RB-CORE-005",
        drill={"scenario": "audit-gap", "speed": speed, "dir": str(d.path)}, commander="Dana Lee")
    assert inc.state.impact_start == datetime.fromtimestamp(onset, UTC)
    clock.t += 60.0
    inc.resolve("audit shipper restarted", concerns=None)
    inc.sync_metrics(d.source(inc.config.slo), speed=speed, now=clock.t, summary=True)
    pir = render_pir(inc.state, "pir", inc.config, now=clock())
    start = f"{datetime.fromtimestamp(onset, UTC):%H:%M:%S}"
    assert re.search(rf"{start} – [\d:]+ UTC, impact start to resolution; impact start: the onset of the harm",
                     pir), pir
    assert re.search(rf"Flows that ran unaudited[^\n]* from {start} to", pir), pir
    report = drill_report(d, inc.state, at=clock.t, slos=inc.config.slo)
    lines = "\n".join(report_lines(report))
    took = (breach + 30 - onset) * speed          # drill seconds from the onset to the declaration
    assert f"{int(took // 60)}m{int(took % 60):02d}s" in lines, lines


def test_the_halt_that_contains_the_harm_is_a_mitigation_and_its_gate_is_the_mitigate_milestone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """redteam49 F4: halting FlowEngine "kept 108 flows from running unaudited" in the report's text while ``--json``
    said ``effective: false, mitigation: false``, and no milestone counted it (Time to mitigate waited for the restore
    after the GO, MTTR < 5 min judged on the resolve). What stops the harm mitigates: the row says so, and
    RB-CORE-005's halt has a verify gate (no flow finishes any more) that passes once it holds, the Time-to-mitigate
    milestone by the PIR's rule; its MTTR is the runbook's remediation time."""
    from warroom import scenario_time as stime
    from warroom.config import Config
    from warroom.drill.directory import DrillSource
    from warroom.runbook.library import RunbookLibrary
    from warroom.sources.verify import VerifyRun, parse_verify

    speed = 10.0
    d, inc, clock, breach = drill_incident(tmp_path, "audit-gap", speed, title="Audit log gap growing",
                                           severity="p1", pane="audit_gap", runbook="RB-CORE-005")
    clock.t += 30.0
    halted = clock.t
    run_one(d, STOP, d.scenario_time(halted))
    clock.t += 120.0
    inc.resolve("contained", concerns=None)
    report = drill_report(d, inc.state, at=clock.t, slos=inc.config.slo)
    [halt] = [a for a in report.to_dict()["actions"]
              if a["action"] == "flowengine_stop"]
    assert "kept" in halt["change"] and (halt["effective"], halt["mitigation"]) == (True, True), halt

    book = RunbookLibrary.from_config(Config()).get("RB-CORE-005")
    assert book is not None and book.mttr_target == "4h"
    [step] = [s for s in book.steps if s.id == "halt-flows"]
    gate = parse_verify(step.verify, [], book.queries)
    monkeypatch.setenv(stime.AT_ENV, repr(halted + 60.0))       # the window (10 drill min) is over
    check = VerifyRun(gate, DrillSource(d), started_at=halted, speed=speed).check()
    assert check.status == "passed", check.reason
    assert check.confirmed_at is not None and d.scenario_time(check.confirmed_at) - d.scenario_time(halted) <= 180
