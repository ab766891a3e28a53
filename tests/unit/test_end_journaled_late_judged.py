"""A typing is judged by what the journal held when it was typed, also when a run's end reached it late (attack56 A6).

A run's end the supervisor kept in its end file while the journal could not be written is journaled later, with its
real end (``ended_at``) earlier than its line (``journaled_late``: ``execute/recovery.py``). Until that line landed
the incident, its checklist and its answers showed the run running; a typing made then was judged with the run's
values doubted, credited, and lifted the halt. The late line then dated the run's ok answer at its real end, before the
typing: the typing re-judged as "not the step", the credit and the lift taken away, the header RELAPSED. An end is
known from when it was journaled (``StepRun.known_at``: the later of its end and its line). The audit-gap world,
RB-CORE-005 and the journal are the real ones; the clock is pinned.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.unit.standins_corpus import typed_in_shell
from tests.unit.test_gate_relapse_journaled import _unpinned  # noqa: F401  (autouse: the pin undone after)
from tests.unit.test_lift_typed_then_run import RESTORE, SCALE
from tests.unit.test_lifted_by_hand import NS, _gap, _halted, _said
from tests.unit.test_typed_judged_at_its_moment import KEY, STAGING, _credit
from warroom.incident.by_hand import done_spans
from warroom.incident.cadence import draft_update
from warroom.journal import events as ev
from warroom.sources.evidence import iso


def _lift(inc: Any, d: Any, clock: Any, t: float) -> tuple[bool, str]:
    held, _draft, _concerns = _said(inc, d, clock, t)
    assert held is not None and held.gates
    return held.relapsed, held.gates[0].lifted


def test_a_credit_given_while_the_run_showed_running_survives_its_end_journaled_late(tmp_path: Path) -> None:
    d, clock, inc = _halted(tmp_path)
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", *NS], 300.0) == 0
    run = {**STAGING, "tag": "g" * 32}
    clock.t = d.wall_time(350.0)
    inc.append(ev.STEP_STARTED, run)          # step 30 through warroom, namespace=staging
    assert typed_in_shell(d, SCALE, 400.0) == 0   # the production restore typed while it shows running
    clock.t = d.wall_time(405.0)
    _gap(inc, d, "recovered", 404.0, 6.0)
    before = _lift(inc, d, clock, 406.0)      # the checklist shows the run running: the lift is the typing's
    assert before[0] is False and before[1].startswith("lifted by step 30 (Bring FlowEngine back, done by hand)"), \
        before

    clock.t = d.wall_time(420.0)              # its end, kept while the journal was locked, journaled late
    inc.append(ev.STEP_FINISHED, {**run, "status": "ok", "exit_code": 0, "ended_at": iso(d.wall_time(360.0)),
                                  "journaled_late": True})
    assert _credit(inc, d, clock, 425.0) == "not credited"    # the checklist shows the run's ✔ now
    after = _lift(inc, d, clock, 600.0)
    assert after == before, (before, after)
    [ran] = inc.state.steps[KEY].runs
    assert ran.ended_at.timestamp() == d.wall_time(360.0)       # its real end stays its end (durations, windows)
    assert ran.known_at.timestamp() == d.wall_time(420.0)       # known from its line
    assert done_spans(inc.state.steps[KEY])[0][0] == d.wall_time(420.0)


def test_an_end_journaled_in_time_is_known_from_its_end(tmp_path: Path) -> None:
    """The usual end: its line written as it ended; known then (no typing after it re-judged by the change)."""
    d, clock, inc = _halted(tmp_path)
    run = {**STAGING, "tag": "h" * 32}
    clock.t = d.wall_time(350.0)
    inc.append(ev.STEP_STARTED, run)
    clock.t = d.wall_time(360.0)
    inc.append(ev.STEP_FINISHED, {**run, "status": "ok", "exit_code": 0})
    [ran] = inc.state.steps[KEY].runs
    assert ran.known_at == ran.ended_at


def _actions(inc: Any, d: Any, clock: Any, t: float) -> list[str]:
    """The status update's draft at drill second ``t``: its lines that tell a run."""
    clock.t = d.wall_time(t)
    return [ln for ln in draft_update(inc.state, clock(), 600.0, []).splitlines() if ln.startswith("- ")]


def test_an_end_journaled_late_is_told_in_the_next_update(tmp_path: Path) -> None:
    """The update sent while the run showed running told it running; its end, journaled after that update with its
    real (earlier) end, was skipped by the next draft as told already: a failed mitigation never reached the
    stakeholders (audit57 F1). An update tells what the journal learned since the last one."""
    d, clock, inc = _halted(tmp_path)
    run = {**RESTORE, "tag": "r" * 32}
    clock.t = d.wall_time(350.0)
    inc.append(ev.STEP_STARTED, run)
    drafted = _actions(inc, d, clock, 400.0)
    assert any("Bring FlowEngine back" in ln and ln.endswith("running.") for ln in drafted), drafted
    inc.append(ev.STATUS_UPDATE, {"text": "\n".join(drafted), "channels": ["manual"]})
    clock.t = d.wall_time(420.0)
    inc.append(ev.STEP_FINISHED, {**run, "status": "failed", "exit_code": 1, "ended_at": iso(d.wall_time(360.0)),
                                  "journaled_late": True})
    later = _actions(inc, d, clock, 430.0)
    assert any("Bring FlowEngine back" in ln and "failed" in ln for ln in later), later
