"""The PIR's response table: each milestone (acknowledged, mitigated, resolved…) against the
generic targets, the runbook's ``mttr_target`` beside time to resolve; a drill is judged in
scenario time (wall × speed) with the wall time beside, so a ×60 drill is not judged by wall time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from warroom import scenario_time as stime
from warroom.durations import parse_duration
from warroom.incident.records import PHASE_HOW, PHASE_LABELS
from warroom.incident.review.lines import cite, hms
from warroom.incident.relapse import first_relapse
from warroom.incident.verdicts import detected_ahead, mttr as mttr_verdict, of_state, past_critical_at_resolution

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


@dataclass
class ResponseRow:
    label: str
    at: str
    took: str
    target: str
    result: str
    cites: tuple[int, ...]

    @property
    def cite(self) -> str:
        return cite(self.cites)


def runbook_mttr(state: IncidentState) -> tuple[float | None, str]:
    """The runbook's MTTR target in minutes as the drill judges it, and why it is longer than the runbook's ('' when
    it is not): the milestones' rule (``people_target``), the drill report's figure. The PIR's header and its table
    both say it, so the header's "MTTR target 20m" never stands beside a table judging < 120 min unsaid."""
    if not (state.runbook and state.runbook.get("mttr_target")):
        return None, ""
    try:
        return stime.people_target(parse_duration(str(state.runbook["mttr_target"])) / 60.0, stime.scale_of(state))
    except ValueError:
        return None, ""


def response(state: IncidentState) -> list[ResponseRow]:
    """Milestones against the generic targets; the runbook's MTTR beside time to resolve; a
    drill judged in scenario time (wall × speed) with the wall time beside. Each result is
    ``warroom.incident.verdicts``' sentence, the drill report's and ``incident show``'s rule."""
    speed = stime.scale_of(state)
    src = state.phase_sources()
    rows = []
    mttr, mttr_raised = runbook_mttr(state)
    ahead = detected_ahead(state)
    broken = past_critical_at_resolution(state)
    said = of_state(state)            # the one rule: the drill report's and ``incident show``'s sentence
    for r in state.response_times():
        at, seq, how = src[r.key]
        base_seq = src[r.measured_from][1]
        cites = (seq, base_seq) if r.minutes is not None else (seq,)
        result = said[r.key].sentence     # a mitigation that did not hold says so in it ("met; relapsed at …")
        if r.key == "detected" and ahead is not None:
            cites = (seq, ahead[1])            # the declaration and the breach that came after it
        if said[r.key].relapse and (again := first_relapse(state)) is not None:
            cites = (*cites, int(again["seq"]))     # the breach again it names
        if r.minutes is None:
            took = "—"
            target = f"< {r.target_min:g} min"
            if r.key == "resolved" and mttr is not None:      # a raise said wherever it is shown (attack49 F7)
                target += f" (runbook: < {mttr:g} min{'; ' + mttr_raised if mttr_raised else ''})"
        else:
            scen = r.minutes   # scenario minutes already (IncidentState.response_times)
            took = stime.Span((r.wall_minutes if r.wall_minutes is not None else stime.wall_seconds(scen, speed)) * 60,
                              speed).text()
            target = f"< {r.target_min:g} min"
            if r.key == "resolved" and mttr is not None:
                target += f"; runbook MTTR < {mttr:g} min"
                result += f"; runbook MTTR {mttr_verdict(scen < mttr, broken).sentence}" + (
                    f" ({mttr_raised})" if mttr_raised else "")
        # what the number counts from: a drill's detection from its panes' first look when the impact began before
        # it (redteam47 F6: "from impact started" beside a span counted from the first look, 37s shorter than the
        # header's "8m04s after impact start")
        look = state.first_look(state.phases.get(r.measured_from)) if r.unseen else None
        base = f"the first look at the panes, {hms(look)} UTC" if look is not None else \
            PHASE_LABELS.get(r.measured_from, r.measured_from).lower()
        label = f"{r.label} (from {base})"
        if how and r.at is not None:
            label += f", via {PHASE_HOW.get(how, how)}"
        rows.append(ResponseRow(label, hms(r.at), took, target, result, tuple(c for c in cites if c)))
    return rows
