"""What the stakeholder update leaves out must be said (attack39 U1, U2, U3).

Needs: the draft kept the last three action notes and dropped older ones unsaid ("Legal must approve the
customer notice" went missing behind four minor asks). Actions: a ticked checklist item (a manual
mitigation: the provider asked for quota, the DBA asked to scale up) was neither listed nor counted.
Decisions: a verdict recorded before its decision arose answers nothing (``decisions.model.before_it_arose``),
yet the update told stakeholders "Decided GO"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.unit.incident_fixtures import Clock, ran_ok
from tests.unit.test_runbook_beside import _mass_failure
from warroom.durations import format_duration
from warroom.incident.cadence import draft_update
from warroom.journal import events as ev


def _section(text: str, head: str, end: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(head) + 1
    return lines[start:lines.index(end, start) - 1] if end else lines[start:]


def _incident(tmp_path: Path) -> Any:
    inc, _ = _mass_failure(tmp_path, clock=Clock())
    return inc


def test_every_open_need_is_in_the_update_the_oldest_too(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    inc.note("action", "need 1: Legal must approve the customer notice")
    for n in range(2, 6):
        inc.note("action", f"need {n}: minor ask")
    needs = _section(draft_update(inc.refresh(), inc.clock(), 600.0), "Needs:", "")
    assert "- need 1: Legal must approve the customer notice" in needs, needs
    assert [n for n in needs if n.startswith("- need")] == [
        "- need 1: Legal must approve the customer notice", *(f"- need {n}: minor ask" for n in range(2, 6))], needs
    # a need stays a need after an update went out: still asked for until done
    inc.record_status_update("first update")
    needs = _section(draft_update(inc.refresh(), inc.clock(), 600.0), "Needs:", "")
    assert "- need 1: Legal must approve the customer notice" in needs, needs


def test_a_ticked_checklist_action_is_listed_as_done_by_the_team_in_time_order(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    manual = [s for s in inc.runbook().steps if not s.command][:2]
    assert len(manual) == 2
    ran_ok(inc, 28, mutating=True)
    inc.tick(manual[0].number)
    ran_ok(inc, 29)
    inc.tick(manual[1].number)
    actions = _section(draft_update(inc.refresh(), inc.clock(), 600.0), "Actions:", "Needs:")
    said = [a.split(" ", 2)[2] for a in actions]
    # one timeline, the check at its time among them (redteam49 F7: checks came after every mitigation)
    assert said[:4] == [f"{inc.step(28).label} (mitigation attempt): ok.", f"{manual[0].label} (ticked done).",
                        f"{inc.step(29).label} (check): ok.", f"{manual[1].label} (ticked done)."], actions
    assert [a.split(" ", 2)[1] for a in actions] == sorted(a.split(" ", 2)[1] for a in actions), actions
    # told once: after an update, a tick before it is not an action since
    inc.record_status_update("first update")
    actions = _section(draft_update(inc.refresh(), inc.clock(), 600.0), "Actions:", "Needs:")
    assert not any("ticked done" in a for a in actions), actions


def _early_go(inc: Any) -> None:
    """A GO on RB-CORE-005's "bring FlowEngine back?" recorded while the halt had not happened."""
    inc.record_decision({"id": "bring-flowengine-back", "runbook_id": "RB-CORE-005", "named": True,
                         "question": "Bring FlowEngine back (restore its replicas)?", "verdict": "GO",
                         "by": "root", "why": "early go", "not_needed": "FlowEngine is not halted"})


def test_a_verdict_recorded_before_its_decision_arose_is_not_told_as_decided(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    _early_go(inc)
    actions = _section(draft_update(inc.refresh(), inc.clock(), 600.0), "Actions:", "Needs:")
    assert not any("Decided GO" in a for a in actions), actions
    (early,) = [a for a in actions if "early go" in a]
    assert early.endswith("by root: early go. Not a decision: taken while the question had not arisen,"
                          " it answers nothing yet."), early
    # the decision arises later: the verdict recorded before it does not answer it
    inc._append(ev.DECISION_AROSE, {"id": "bring-flowengine-back", "runbook_id": "RB-CORE-005", "named": True,
                                    "question": "Bring FlowEngine back (restore its replicas)?"})
    actions = _section(draft_update(inc.refresh(), inc.clock(), 600.0), "Actions:", "Needs:")
    assert not any("Decided GO" in a for a in actions), actions
    (early,) = [a for a in actions if "early go" in a]
    assert " Not a decision: taken before the question arose (" in early, early
    assert early.endswith("UTC), it answers nothing."), early


def test_a_mitigated_update_says_the_impact_up_to_its_recovery_not_to_the_sending(tmp_path: Path) -> None:
    """redteam49 F7: "Impact since 14:38:00 UTC: 48m46s" went out beside "Mitigated at 14:42:37": the span ran on to
    the sending, past the recovery the next line states."""
    from datetime import timedelta

    inc = _incident(tmp_path)
    ran_ok(inc, 28, mutating=True)
    inc.set_status("mitigated")
    inc.clock.now += timedelta(minutes=20)
    state = inc.refresh()
    mitigated, start = state.phases["mitigated"], state.impact_start
    assert mitigated is not None and start is not None
    said = [ln for ln in draft_update(state, inc.clock(), 600.0).splitlines() if ln.startswith("- Impact")]
    assert said == [f"- Impact from {start:%H:%M} to {mitigated:%H:%M} UTC: "
                    f"{format_duration((mitigated - start).total_seconds())}."], said
