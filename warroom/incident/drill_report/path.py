"""The runbook's path through the drill: its steps in its own order, each with what the incident
did with it and what its runs did to the drill (the actions the stand-ins recorded while the run
was going), and the actions no step recorded (done in a shell or another tool)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
import math
from typing import TYPE_CHECKING, Any, TypeVar

from warroom.incident.drill_report.by_hand import Hands, checked_by
from warroom.incident.drill_report.rows import ActionRow
from warroom.incident.gates import gate_states
from warroom.incident.marks import checklist_state

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState
    from warroom.runbook.model import Runbook


SLACK = 0.5      # seconds: an action is stamped by the stand-in's process, a run by the journal's
K = TypeVar("K", bound=Hashable)


def owner_of(at: float, tag: str, windows: Mapping[K, Sequence[tuple[float, float, str]]]) -> K | None:
    """The run (windows: start, end: unix, and its ``tag``) an action recorded at ``at`` by a process
    of the run tagged ``tag`` belongs to. A tagged action is that run's, exactly; an untagged one
    was done outside every tagged run (a shell, another tool): never theirs, however close in time
    (a command typed the moment a step ended was credited to the step). Untagged runs (journaled
    without one) keep the time rule: the window that holds it, else the nearest within ``SLACK``
    (the two clocks' stamps); one owner, so a step started right after another is never given the
    other's action too; None when none is near."""
    best: tuple[float, K] | None = None
    for key, spans in windows.items():
        for lo, hi, run_tag in spans:
            if tag or run_tag:
                if tag == run_tag:
                    return key
                continue
            d = 0.0 if lo <= at <= hi else min(abs(at - lo), abs(at - hi))
            if d <= SLACK and (best is None or d < best[0]):
                best = (d, key)
    return None if best is None else best[1]


def runbook_path(runbook: Runbook | None, state: IncidentState | None, actions: list[ActionRow],
                 at: datetime, hands: Hands | None = None) -> dict[str, Any]:
    """The runbook's steps in its own order, each with its state as the checklist shows it and what
    its runs did to the drill (the actions the stand-ins recorded while it ran), and the actions no
    step of it recorded. A step never begun whose command was typed by hand in the drill and not taken
    by a step before it (``hands``, shared by every runbook of one report) is "done by hand at +6m03s
    (drill shell)", with the actions its calls recorded (``by_hand.Hands.credit``)."""
    steps = state.steps if state is not None else {}
    windows: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
    for key, st in (steps.items() if state is not None else ()):
        for run in st.runs:
            end = run.ended_at.timestamp() if run.ended_at is not None else math.inf
            windows.setdefault(key, []).append((run.started_at.timestamp(), end, run.tag))
    owners = [owner_of(a.at, a.tag, windows) for a in actions]
    claimed: set[int] = set()

    def did(key: tuple[str, str]) -> str:
        mine = [i for i, owner in enumerate(owners) if owner == key]
        claimed.update(mine)
        return "; ".join(dict.fromkeys(actions[i].description for i in mine))

    gates = gate_states(state, at) if state is not None else {}

    def shown(key: tuple[str, str]) -> str:      # as its checklist row shows it: an ok run that missed
        record = steps.get(key)                  # its expectation is not "ok" here either
        return "pending" if record is None else checklist_state(record, gates.get(key))

    values = {k: str(p.default) for k, p in runbook.params.items() if p.default is not None} if runbook else {}
    values |= state.param_answers if state is not None else {}
    unowned = [owner is None for owner in owners]

    # when each step began (its first run, or when it was typed by hand): a check counts from the change it checks
    began = {key[1]: min(lo for lo, _, _ in spans) for key, spans in windows.items()
             if runbook is not None and key[0] == runbook.id}

    def row(sec: str, st: Any) -> tuple[str, str, str, str]:
        state_now = shown((runbook.id, st.id)) if runbook else "pending"
        checks = checked_by(runbook, st) if runbook is not None else None
        hand = None if hands is None or state_now != "pending" or runbook is None else hands.credit(
            runbook, st, values, actions, unowned, lambda at, tag: owner_of(at, tag, windows) is None,
            after=-math.inf if checks is None else began.get(checks.id, math.inf))
        if hand is None:
            return sec, st.label, state_now, did((runbook.id, st.id)) if runbook else ""
        began.setdefault(st.id, hand.at)
        claimed.update(hand.acted)
        return sec, st.label, hand.state, "; ".join(dict.fromkeys(actions[i].description for i in hand.acted))

    path = tuple(row(sec.title, st) for sec in runbook.sections for st in sec.steps) if runbook else ()
    for key in windows:                       # steps of another runbook ran too: theirs, not outside
        did(key)
    listed = state is not None and runbook is not None
    outside = tuple(a for i, a in enumerate(actions) if listed and i not in claimed)
    return {"runbook_path": path, "outside": tuple(f"{a.description} ({a.command})" for a in outside),
            "outside_actions": outside}
