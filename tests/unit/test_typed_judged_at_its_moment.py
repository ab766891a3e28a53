"""A step typed by hand is judged by what the incident had answered when it was typed, and stays so (attack55 F5, F6).

RB-CORE-005's halt (step 7) is lifted by "Bring FlowEngine back" (step 30), typed in the drill shell with the
incident's production values. A dry run of step 30 given ``namespace=staging`` (a preview: nothing ran) was taken as
the incident's answer, so the production restore was "not this step", before the preview or after it: the lift went,
and flows finishing again read as the mitigation's relapse. A run of step 30 through warroom begun after the typing
took the credit away while it ran (the checklist shows the running run, and the lift read only the checklist's
credits and the typings before an ok run), and so did a skip of the step after it. The rule now: the answers a typing
is judged by are those given before it (``by_hand.Answers.at``: a run known ok by then; a run not ended ok then, or a
dry run, only doubted), and a typing before the step was first done through warroom stays the lift's, whatever the
step's record says later (``Hands.before_runs``). The audit-gap world, the runbook and the journal are the real ones;
the clock is pinned; runs carry a tag, as every run through warroom does (``supervisor``).
"""

from __future__ import annotations

import math
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.unit.standins_corpus import typed_in_shell
from tests.unit.test_gate_relapse_journaled import _unpinned  # noqa: F401  (autouse: the pin undone after)
from tests.unit.test_lift_typed_then_run import RESTORE, SCALE
from tests.unit.test_lifted_by_hand import NS, _gap, _halted, _said
from warroom.incident import progress
from warroom.journal import events as ev

KEY = ("RB-CORE-005", "restore-replicas")
STAGING = {**RESTORE, "params": {**RESTORE["params"], "namespace": "staging"},
           "command": " ".join([*SCALE[:-1], "staging"])}


def _lifted_at(inc: Any, d: Any, clock: Any, typed: float, t: float = 600.0) -> None:
    """At drill second ``t``, flows finishing again: the halt lifted by the restore typed at ``typed``, no relapse."""
    held, draft, concerns = _said(inc, d, clock, t)
    assert held is not None and not held.relapsed and held.status_words("mitigated") == "MITIGATED", held
    [gate] = held.gates
    at = f"{datetime.fromtimestamp(d.wall_time(typed), UTC):%H:%M:%S}"
    assert gate.lifted == f"lifted by step 30 (Bring FlowEngine back, done by hand) at {at}", gate.lifted
    assert draft.splitlines()[0].endswith("— MITIGATED") and not [c for c in concerns if "did not hold" in c]


def _credit(inc: Any, d: Any, clock: Any, t: float) -> str:
    clock.t = d.wall_time(t)
    typed = inc.typed_by_hand(clock())
    return typed[KEY].state if KEY in typed else "not credited"


# RB-CORE-005 step 28, read-only: a look at the audit shipper, here in staging (exit 0), acting nowhere
LOOK = {"step": 28, "step_id": "audit-shipper-ready", "runbook_id": "RB-CORE-005", "label": "Audit shipper ready",
        "mutating": False, "params": {"audit_deployment": "audit-shipper", "namespace": "staging"},
        "command": "kubectl rollout status deployment/audit-shipper -n staging --timeout=60s", "tag": "e" * 32}
# step 31, read-only, in production: a later answer that must not be what makes the typing the step
READY = {"step": 31, "step_id": "wait-until-every-replica-is-ready", "runbook_id": "RB-CORE-005",
         "label": "Wait until every replica is ready", "mutating": False,
         "params": {"deployment": "flowengine", "namespace": "production"},
         "command": "kubectl rollout status deployment/flowengine -n production --timeout=120s", "tag": "f" * 32}


def _ran(inc: Any, d: Any, clock: Any, run: dict[str, Any], start: float, end: float) -> None:
    """``run`` through warroom from drill second ``start`` to ``end``, ended ok."""
    clock.t = d.wall_time(start)
    inc.append(ev.STEP_STARTED, run)
    clock.t = d.wall_time(end)
    inc.append(ev.STEP_FINISHED, {**run, "status": "ok", "exit_code": 0})


@pytest.mark.parametrize("order", ["preview before", "read-only run in staging before", "preview after",
                                   "ok run in staging after"])
def test_no_answer_given_after_the_typing_and_no_dry_run_re_judges_it(tmp_path: Path, order: str) -> None:
    """attack55 F5 (a preview) and attack56 A5: a read-only step run ok with ``namespace=staging`` (step 28, a look at
    the audit shipper there) is no answer of where the incident acts: the halt ran in production, and the production
    restore typed after the look is "Bring FlowEngine back" and lifts the halt, at once and after a later look in
    production (step 31)."""
    d, clock, inc = _halted(tmp_path)
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", *NS], 300.0) == 0
    if order == "preview before":       # a dry run runs nothing: its staging is not known to be the incident's
        clock.t = d.wall_time(350.0)
        inc.append(ev.STEP_DRY_RUN, STAGING)
    elif order == "read-only run in staging before":    # a look acts nowhere: its staging is not where FlowEngine is
        _ran(inc, d, clock, LOOK, 350.0, 352.0)
    assert typed_in_shell(d, SCALE, 400.0) == 0
    clock.t = d.wall_time(405.0)
    _gap(inc, d, "recovered", 404.0, 6.0)
    # doubted by the preview or the look, the namespace typed is said with the credit (as after a failed run given
    # staging)
    said = "done by hand at +5m00s (drill shell, with namespace=production, replicas=5)" if order.endswith("before") \
        else "done by hand at +5m00s (drill shell, with replicas=5)"
    assert _credit(inc, d, clock, 405.0) == said
    if order == "read-only run in staging before":
        _lifted_at(inc, d, clock, 400.0, 406.0)
        _ran(inc, d, clock, READY, 450.0, 452.0)
        assert _credit(inc, d, clock, 460.0) == said
    if order == "preview after":
        clock.t = d.wall_time(410.0)
        inc.append(ev.STEP_DRY_RUN, STAGING)
        assert _credit(inc, d, clock, 420.0) == said        # the typing keeps its words
    elif order == "ok run in staging after":     # acted in staging (recorded as the run's own): not the incident's
        clock.t = d.wall_time(410.0)
        inc.append(ev.STEP_STARTED, {**STAGING, "tag": "b" * 32})
        clock.t = d.wall_time(411.0)
        inc.append(ev.STEP_FINISHED, {**STAGING, "status": "ok", "exit_code": 0})
        assert _credit(inc, d, clock, 420.0) == "not credited"      # the checklist shows its run, ✔
    _lifted_at(inc, d, clock, 400.0)


@pytest.mark.parametrize("then", ["run fails", "skipped"])
def test_the_restore_typed_before_its_run_stays_the_lift_while_it_runs_and_after_it_fails(
        tmp_path: Path, then: str) -> None:
    """F6: typed at 330, then step 30 run through warroom at 350 (tagged, 20 drill seconds later, 0.33 s of wall time
    at x60) that fails: while it runs the checklist shows it running and the halt stays lifted at the typed moment;
    once it failed, the typing is the step's "done by hand" with the run's ✖ beside it on every view. Or the commander
    skips the step the typing did: the checklist keeps the skip, the world keeps the typed restore."""
    d, clock, inc = _halted(tmp_path)
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", *NS], 300.0) == 0
    assert typed_in_shell(d, SCALE, 330.0) == 0
    clock.t = d.wall_time(340.0)
    _gap(inc, d, "recovered", 338.0, 6.0)
    assert _credit(inc, d, clock, 340.0) == "done by hand at +3m50s (drill shell, with replicas=5)"
    _lifted_at(inc, d, clock, 330.0, 345.0)
    if then == "skipped":
        clock.t = d.wall_time(350.0)
        inc.append(ev.STEP_SKIPPED, {**{k: RESTORE[k] for k in ("step", "step_id", "runbook_id", "label")},
                                     "reason": "brought back by hand"})
        assert _credit(inc, d, clock, 360.0) == "not credited"      # the commander's word on the checklist
        _lifted_at(inc, d, clock, 330.0)
        return
    run = {**RESTORE, "command": " ".join(SCALE), "tag": "a" * 32}
    clock.t = d.wall_time(350.0)
    inc.append(ev.STEP_STARTED, run)
    assert _credit(inc, d, clock, 352.0) == "not credited"          # the checklist shows it running
    row = progress.of_runbook(inc.state, inc.runbook(), inc.config, clock())["restore-replicas"]
    assert row.state == "running", row
    _lifted_at(inc, d, clock, 330.0, 352.0)
    clock.t = d.wall_time(351.0)
    inc.append(ev.STEP_FINISHED, {**run, "status": "failed", "exit_code": 1})
    _both_said(inc, d, clock)
    _lifted_at(inc, d, clock, 330.0)


def _both_said(inc: Any, d: Any, clock: Any) -> None:
    """The typing before the failed run is the step's, done by hand, and the run's ✖ is said beside it: the checklist,
    the drill report's path and the PIR's "Steps Skipped or Failed"."""
    from warroom.incident.drill_report import drill_report
    from warroom.incident.drill_report.text import report_lines
    from warroom.incident.pir import drill_shell, runbook_steps
    from warroom.incident.pir_templates import render_pir

    credit = "done by hand at +3m50s (drill shell, with replicas=5)"
    assert _credit(inc, d, clock, 420.0) == credit
    st, now = inc.state, clock()
    row = progress.of_runbook(st, inc.runbook(), inc.config, now, typed=inc.typed_by_hand(now))["restore-replicas"]
    assert (row.state, row.by_hand) == (progress.DONE_BY_HAND, credit), row
    ran = f"{datetime.fromtimestamp(d.wall_time(350.0), UTC):%H:%M:%S}"
    report = report_lines(drill_report(d, st, at=now.timestamp(), slos=inc.config.slo, runbook=inc.runbook(),
                                       runbook_of=inc.runbook, config=inc.config))
    [line] = [line for line in report if line.endswith("Bring FlowEngine back -> scaled to 5 replicas on flowengine")]
    assert line.startswith(f"  [{credit} — its run through warroom: failed (exit 1) at {ran} UTC] "), line
    pir = render_pir(st, "pir", inc.config, now, runbook_steps(inc), drill_shell(inc).typed)
    section = pir.split("## Steps Skipped or Failed", 1)[1].split("\n## ", 1)[0]
    [said] = [line for line in section.splitlines() if line.startswith("- Step 30 ")] or [section]
    also = f"- Step 30 (Bring FlowEngine back) **failed** (exit 1) after 1 attempt; also {credit}:"
    assert said.startswith(also), said


def test_a_run_owns_a_typed_call_by_its_tag_alone_whatever_the_drill_speed() -> None:
    """byhand55's "~30 s" (a typing less than 30 drill seconds after a run that did not end ok was not credited) was
    a run journaled without a tag: an untagged run (a journal from before runs carried one) keeps the time rule, its
    window give or take ``SLACK`` of wall time (the stand-in's stamp and the journal's), and 0.5 s at x60 is 30 drill
    seconds. A run through warroom carries its tag (``supervisor``): an untagged call is never its, however close."""
    from warroom.incident.by_hand import SLACK, owner_of

    start, end, speed = 1_790_000_000.0, 1_790_000_000.017, 60.0      # a run of one drill second at x60
    near = end + 29.0 / speed       # typed 29 drill seconds after the run ended
    assert near - end < SLACK
    assert owner_of(near, "", {KEY: [(start, end, "a" * 32)]}) is None
    assert owner_of(start - 20.0 / speed, "", {KEY: [(start, end, "a" * 32)]}) is None     # F6's order
    assert owner_of(near, "", {KEY: [(start, end, "")]}) == KEY            # untagged: the time rule
    assert owner_of(end + 31.0 / speed, "", {KEY: [(start, end, "")]}) is None


def test_a_check_typed_after_the_change_typed_stays_a_check_when_the_change_is_run_later() -> None:
    """RB-CORE-004: "Put the provider back" (step 21) typed at +1h22m25s, "Check FlowEngine's view of the providers"
    (step 22, which checks it) typed at +1h23m00s (the read at +34m00s is Triage's step 6): the check is done by
    hand. Step 21 then run through warroom at
    5200 (a no-op: the provider already back) made the change begin at its run, so the check typed before the run
    was "pending": a run journaled after a typing re-judged it. The change began when it was typed."""
    from tests.unit.test_by_hand_one_call_one_step import BACK, T0, VIEW, _book, _call
    from warroom.incident.by_hand import Hands, Typed
    from warroom.incident.drill_report.path import runbook_path
    from warroom.incident.drill_report.rows import ActionRow
    from warroom.incident.records import StepRun
    from warroom.incident.state import IncidentState

    book = _book("RB-CORE-004-provider-outage")
    back = ActionRow(T0 + 5065, 5065.0, "fallback_routing_off", "fallback model routing removed", shlex.join(BACK),
                     True)
    put_back = book.steps[20]
    assert (put_back.number, book.steps[21].number) == (21, 22)
    state = IncidentState()

    def path() -> dict[int, str]:
        hands = Hands(Typed((_call(VIEW, 2160.0), _call(BACK, 5065.0), _call(VIEW, 5100.0)), 120.0, math.inf))
        said = runbook_path(book, state, [back], datetime.fromtimestamp(T0 + 9000, UTC), hands)["runbook_path"]
        return {st.number: s for st, (_, _, s, _) in zip(book.steps, said, strict=True)}

    assert path()[22] == "done by hand at +1h23m00s (drill shell)"
    step = state._step({"step_id": put_back.id, "runbook_id": book.id, "step": 21, "label": put_back.label})
    step.runs.append(StepRun(seq=9, actor="ic", started_at=datetime.fromtimestamp(T0 + 5200, UTC), status="ok",
                             exit_code=0, ended_at=datetime.fromtimestamp(T0 + 5201, UTC), mutating=True,
                             tag="c" * 32))
    step.status = "ok"
    assert path()[22] == "done by hand at +1h23m00s (drill shell)"


@pytest.mark.parametrize("rerun", [6000.0, 4000.0])
def test_a_step_takes_a_typing_by_what_its_checklist_showed_when_it_was_typed(rerun: float) -> None:
    """RB-CORE-004 (attack56 A2): "Ask FlowEngine how it sees each provider" (step 6) run ok through warroom at
    +33m20s; "Put the provider back" (step 21) typed at +1h22m25s and "Check FlowEngine's view of the providers" (step
    22, the same command as step 6) at +1h23m00s: step 22 is done by hand. Step 6 asked again through warroom at
    +1h40m, failed: the check typed while step 6 showed ✔ stays step 22's, and step 6 is not "done by hand" at a moment
    it showed ✔. Re-run (and failed) before the check was typed, step 6 showed ✖ then: the typing is step 6's, as its
    checklist took it then."""
    from tests.unit.test_by_hand_one_call_one_step import BACK, T0, VIEW, _book, _call
    from warroom.incident.by_hand import Hands, Typed
    from warroom.incident.drill_report.path import runbook_path
    from warroom.incident.drill_report.rows import ActionRow
    from warroom.incident.records import StepRun
    from warroom.incident.state import IncidentState

    book = _book("RB-CORE-004-provider-outage")
    back = ActionRow(T0 + 5065, 5065.0, "fallback_routing_off", "fallback model routing removed", shlex.join(BACK),
                     True)
    ask = book.steps[5]
    assert ask.number == 6
    state = IncidentState()

    def path() -> dict[int, str]:
        hands = Hands(Typed((_call(BACK, 5065.0), _call(VIEW, 5100.0)), 120.0, math.inf))
        said = runbook_path(book, state, [back], datetime.fromtimestamp(T0 + 9000, UTC), hands)["runbook_path"]
        return {st.number: s for st, (_, _, s, _) in zip(book.steps, said, strict=True) if st.number in (6, 21, 22)}

    step = state._step({"step_id": ask.id, "runbook_id": book.id, "step": 6, "label": ask.label})
    step.runs.append(StepRun(seq=5, actor="ic", started_at=datetime.fromtimestamp(T0 + 2000, UTC), status="ok",
                             exit_code=0, ended_at=datetime.fromtimestamp(T0 + 2001, UTC), tag="a" * 32))
    step.status = "ok"
    given = {6: "ok", 21: "done by hand at +1h22m25s (drill shell)", 22: "done by hand at +1h23m00s (drill shell)"}
    assert path() == given
    step.runs.append(StepRun(seq=9, actor="ic", started_at=datetime.fromtimestamp(T0 + rerun, UTC), status="failed",
                             exit_code=7, ended_at=datetime.fromtimestamp(T0 + rerun + 1, UTC), tag="b" * 32))
    step.status = "failed"
    if rerun > 5100.0:
        assert path() == {**given, 6: "failed"}
    else:
        at = f"{datetime.fromtimestamp(T0 + rerun, UTC):%H:%M:%S}"
        assert path() == {**given, 6: f"done by hand at +1h23m00s (drill shell) — its run through warroom: failed "
                                      f"(exit 7) at {at} UTC", 22: "pending"}
