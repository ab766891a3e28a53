"""attack52 F5: a step's command typed by hand after a failed run of it is credited as after no run.

RB-CORE-005's halt (step 7) is lifted by "Bring FlowEngine back" (step 30). Run through warroom first and failed
(exit 1: it acted on nothing), then typed by hand in the drill shell, the restore was credited nowhere: the checklist
took typed credit only for a step never begun ("pending"), so the halt's gate was still watched, flows finishing again
read as the mitigation's relapse, and nothing said FlowEngine was back until the next run through warroom. The typing
now counts as it does after no run (``by_hand.TAKES_TYPING``): the checklist row says "done by hand" (never the ✔ of
a run) and the lift is the typed moment, while the failed run stays failed in the record. The audit-gap world, the
runbook and the journal are the real ones; the clock is pinned.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.unit.standins_corpus import typed_in_shell
from tests.unit.test_lift_typed_then_run import RESTORE, SCALE
from tests.unit.test_gate_relapse_journaled import _unpinned  # noqa: F401  (autouse: the pin undone after)
from tests.unit.test_lifted_by_hand import NS, _gap, _halted, _said
from warroom.incident import progress
from warroom.incident.marks import checklist_state
from warroom.journal import events as ev

KEY = ("RB-CORE-005", "restore-replicas")


# attack53 A3: a run that timed out, was interrupted or cancelled left the same false relapse as a failed one;
# attack53 A9: a failed run given namespace=staging made the typing with the incident's production not the step's;
# attack55 F4: so did a run given staging that timed out, was interrupted or cancelled (the IC saw staging, stopped it)
@pytest.mark.parametrize("ended", ["failed", "timed_out", "interrupted", "cancelled", "failed in staging",
                                   "stopped in staging"])
def test_the_restore_typed_after_its_failed_run_is_done_by_hand_and_lifts_the_halt(tmp_path: Path, ended: str) -> None:
    d, clock, inc = _halted(tmp_path)
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", *NS], 300.0) == 0
    run = {**RESTORE, "command": " ".join(SCALE)}       # step 30 through warroom, the runbook's own values
    if ended.endswith(" in staging"):      # the wrong namespace answered: no FlowEngine there, exit 1
        run = {**RESTORE, "params": {**RESTORE["params"], "namespace": "staging"},
               "command": " ".join([*SCALE[:-1], "staging"])}
    ends = {"failed in staging": ["failed"], "stopped in staging": ["timed_out", "interrupted", "cancelled"]}.get(
        ended, [ended])
    for n, status in enumerate(ends):        # each acting on nothing
        clock.t = d.wall_time(350.0 + 4 * n)
        inc.append(ev.STEP_STARTED, run)
        clock.t = d.wall_time(351.0 + 4 * n)
        inc.append(ev.STEP_FINISHED, {**run, "status": status, "exit_code": 1 if status == "failed" else None})
    ended = ends[-1]
    assert typed_in_shell(d, SCALE, 400.0) == 0
    clock.t = d.wall_time(420.0)
    _gap(inc, d, "recovered", 412.0, 6.0)

    st = inc.state
    assert checklist_state(st.steps[KEY]) == ended and [r.status for r in st.steps[KEY].runs] == ends
    typed = inc.typed_by_hand(clock())
    assert typed[KEY].state.startswith("done by hand at "), typed
    # the value only the failed run gave is not known to be the incident's: the one typed is said with the credit
    assert ("namespace=production" in typed[KEY].state) is (run["params"] != RESTORE["params"]), typed[KEY].state
    row = progress.of_runbook(st, inc.runbook(), inc.config, clock(), typed=typed)["restore-replicas"]
    assert row.state == progress.DONE_BY_HAND and row.by_hand.startswith("done by hand at "), row

    held, draft, concerns = _said(inc, d, clock, 600.0)     # flows finish again: the lift, not a relapse
    assert held is not None and not held.relapsed and held.status_words("mitigated") == "MITIGATED", held
    [gate] = held.gates
    typed_at = f"{datetime.fromtimestamp(d.wall_time(400.0), UTC):%H:%M:%S}"
    assert gate.lifted == f"lifted by step 30 (Bring FlowEngine back, done by hand) at {typed_at}", gate.lifted
    assert draft.splitlines()[0].endswith("— MITIGATED") and not [c for c in concerns if "did not hold" in c]
    if ended == "failed" and run["params"] == RESTORE["params"]:
        _both_said(d, clock, inc)
    assert inc.state.param_answers["namespace"] == run["params"]["namespace"]     # what the next prompt offers


def test_after_a_failed_run_a_workload_place_takes_the_value_beneath_or_the_failed_one_never_another(
        tmp_path: Path) -> None:
    """attack55 F8: step 30 run with the typo ``deployment=flowengin`` failed (not found); then the audit shipper scaled
    by hand was credited "Bring FlowEngine back, done by hand, with deployment=audit-shipper" while FlowEngine stayed
    at 0. The doubted place takes the default beneath (flowengine) or the failed run's value, never another: the
    audit shipper's scale is no step of the runbook's, FlowEngine's later is step 30, the value typed said."""
    d, clock, inc = _halted(tmp_path)
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", *NS], 300.0) == 0
    typo = {**RESTORE, "params": {**RESTORE["params"], "deployment": "flowengin"},
            "command": "kubectl scale deployment/flowengin --replicas=5 -n production"}
    clock.t = d.wall_time(350.0)
    inc.append(ev.STEP_STARTED, typo)
    clock.t = d.wall_time(351.0)
    inc.append(ev.STEP_FINISHED, {**typo, "status": "failed", "exit_code": 1})
    assert typed_in_shell(d, ["kubectl", "scale", "deployment/audit-shipper", "--replicas=2", *NS], 400.0) == 0
    clock.t = d.wall_time(420.0)
    assert KEY not in inc.typed_by_hand(clock())
    assert typed_in_shell(d, ["kubectl", "scale", "deployment/flowengine", "--replicas=2", *NS], 450.0) == 0
    clock.t = d.wall_time(470.0)
    typed = inc.typed_by_hand(clock())
    assert typed[KEY].state == "done by hand at +5m50s (drill shell, with deployment=flowengine, replicas=2)", typed


def _both_said(d: Any, clock: Any, inc: Any) -> None:
    """attack53 A6: the PIR's "Steps Skipped or Failed" (the section people skim for what was left undone) said step 30
    **failed** and nothing more, and the drill report's path said it done by hand with no word of the failed run: each
    says both now, the run as the journal has it and the typing as the report credits it."""
    from warroom.incident.drill_report import drill_report
    from warroom.incident.drill_report.text import report_lines
    from warroom.incident.pir import drill_shell, runbook_steps
    from warroom.incident.pir_templates import render_pir

    clock.t = d.wall_time(420.0)
    ran = f"{datetime.fromtimestamp(d.wall_time(350.0), UTC):%H:%M:%S}"
    pir = render_pir(inc.state, "pir", inc.config, clock(), runbook_steps(inc), drill_shell(inc).typed)
    section = pir.split("## Steps Skipped or Failed", 1)[1].split("\n## ", 1)[0]
    [row] = [line for line in section.splitlines() if line.startswith("- Step 30 ")] or [section]
    assert row.startswith("- Step 30 (Bring FlowEngine back) **failed** (exit 1) after 1 attempt; also done by hand at"
                          " +5m00s (drill shell, with replicas=5): its command was typed in the drill shell, not run"
                          " through warroom"), row
    report = report_lines(drill_report(d, inc.state, at=clock().timestamp(), slos=inc.config.slo,
                                       runbook=inc.runbook(), runbook_of=inc.runbook, config=inc.config))
    [line] = [line for line in report if line.endswith("Bring FlowEngine back -> scaled to 5 replicas on flowengine")]
    assert line.startswith("  [done by hand at +5m00s (drill shell, with replicas=5) — its run through warroom:"
                           f" failed (exit 1) at {ran} UTC] "), line


def test_a_gated_step_failed_then_typed_keeps_its_failed_mark_with_the_typing_beside_on_every_view(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """attack53 A8: rate-limit's routing (step 10, gated) run through warroom failed, then typed by hand: the typing is
    "not verified" (its gate opens when the step runs in warroom), so it does not do the step, yet its row took the ○
    of a step never begun. The failed run's ✖ stays, the typing beside it, on the checklist (the core's rule),
    ``incident show``, the dashboard's rows, and in one count with the drill report's path, which says the failed run
    too."""
    from tests.unit.incident_fixtures import ran_through_warroom, typed_drill_incident
    from tests.unit.test_gate_relapse_journaled import KEY as ROUTING, ROUTE, RUNBOOK
    from tui.cli import main
    from tui.view import branch_views, step_view
    from warroom.incident.by_hand import NOT_VERIFIED
    from warroom.incident.drill_report import drill_report
    from warroom.incident.gates import gate_states

    d, clock, inc = typed_drill_incident(tmp_path, "rate-limit", RUNBOOK, title="Flows failing", severity="P3", at=90.0)
    nowhere = [*ROUTE[:-1], "nowhere"]          # -n nowhere: it fails, acting on nothing
    ran_through_warroom(d, clock, inc, ROUTING, nowhere, 1500.0, exit_code=1,
                        params={"deployment": "flowengine", "namespace": "production"})
    assert typed_in_shell(d, ROUTE, 1600.0) == 0
    clock.t = d.wall_time(2400.0)
    st, now, book = inc.state, clock(), inc.runbook()
    typed = inc.typed_by_hand(now)
    typing = f"typed by hand at +25m10s (drill shell), {NOT_VERIFIED}"
    shown = progress.of_runbook(st, book, inc.config, now, typed=typed)
    assert (shown[ROUTING[1]].state, shown[ROUTING[1]].by_hand) == ("failed", typing), shown[ROUTING[1]]

    assert main(["incident", "--state-dir", str(tmp_path / "incidents"), "show", inc.id]) == 0
    [row] = [line for line in capsys.readouterr().out.splitlines() if " 10  " in line]
    assert row.startswith(f"  ✖ [FAIL]     10  Send Claude's calls to the secondary provider ({typing}) — exit 1"), row

    gates = gate_states(st, now)
    views = branch_views({sid: step_view(s, st, gates) for sid, s in st.steps.of(book.id).items()}, st, book,
                         inc.config, now, gates, typed)
    assert (views[ROUTING[1]].state, views[ROUTING[1]].reason) == ("failed", typing), views[ROUTING[1]]

    counted = progress.count(s.state for s in shown.values())
    report = drill_report(d, st, at=now.timestamp(), slos=inc.config.slo, runbook=book, runbook_of=inc.runbook,
                          config=inc.config)
    [path] = [line for line in report.summary if line.startswith("Runbook RB-CORE-003 path: ")]
    assert counted.failed == 1 and f"{counted.failed} failed" in path, (counted, path)
    ran = f"{datetime.fromtimestamp(d.wall_time(1500.0), UTC):%H:%M:%S}"
    assert (f"failed or unmet: Send Claude's calls to the secondary provider (Mitigation): {typing} — its run through"
            f" warroom: failed (exit 1) at {ran} UTC") in path, path
