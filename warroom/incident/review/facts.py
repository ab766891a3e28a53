"""The PIR's facts: duration from impact start to resolution with detection and declaration
beside it, severity history, commander and roles (handoffs and their reminders), resolution,
rollback, type, affected services and the runbook; each a ``Line`` citing the events it states."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.incident.handoff_events import reminder_covers
from warroom.incident.records import PHASE_HOW
from warroom.incident.md_text import Md
from warroom.journal.encoding import parse_ts
from warroom.incident.review.lines import HUMAN, NO_TIME, Line, hms
from warroom.incident.review.response import runbook_mttr
from warroom.incident.roles import ROLES

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


@dataclass
class Facts:
    duration: Line
    detected: Line
    declared: Line
    severity: Line
    commander: Line
    roles: list[Line]
    resolution: Line
    rollback: Line
    type: Line
    affected: Line
    summary: Line
    runbook: Line | None
    concerns: list[Line] = field(default_factory=list)


def facts(state: IncidentState, now: datetime) -> Facts:
    src = state.phase_sources()
    started, s_seq, s_how = src["started"]
    detected, d_seq, _ = src["detected"]
    resolved, r_seq, _ = src["resolved"]
    start = started or detected
    dur = stime.text(state, state.impact_duration(now))
    if start is None:
        duration = Line(HUMAN + Md(" no declaration in the journal"))
    elif resolved is not None and resolved < start:     # a host whose clock is behind resolved it: no "0s"
        from warroom.incident.verdicts import journaled_before

        duration = Line(f"not measured: the resolution ({hms(resolved)} UTC) is "
                        + journaled_before((start - resolved).total_seconds(), "started" if started else "detected",
                                           stime.scale_of(state), f"{hms(start)} UTC",
                                           (src["resolved"][2], s_how if started else "declared")),
                        (s_seq, d_seq, r_seq))
    else:
        end = f"{hms(resolved)} UTC" if resolved else "ongoing"
        what = "impact start" if started is not None else "detection (impact start unknown)"
        how = f"; impact start: {PHASE_HOW.get(s_how, s_how)}" if started is not None else ""
        duration = Line(f"{dur}: {hms(start)} – {end}, {what} to "
                        f"{'resolution' if resolved else 'now'}{how}", (s_seq, d_seq, r_seq))
    look = state.first_look(started)       # a drill's: what time to detect counts from (the response table's)
    seen = f"; {stime.between(state, look, detected)} after the first look at the panes ({hms(look)} UTC)," \
           " which time to detect counts from" if look is not None and detected is not None else ""
    det = Line(f"{hms(detected)} UTC" + (f" ({stime.between(state, started, detected)} after impact"
                                          f" start{seen})" if started and detected and detected >= started else ""),
               (d_seq,))
    declared = Line(f"{hms(state.declared_at)} UTC by {state.declared_by}", (state.declared_seq,))
    sev_parts = [f"{state.initial_severity or state.severity} at declaration"]
    sev_cites = [state.declared_seq]
    for c in state.severity_changes:
        reason = f" ({c['reason']})" if c.get("reason") else ""
        sev_parts.append(f"{c['from']} → {c['to']} at {hms(c['at'])}{reason}")
        sev_cites.append(c["seq"])
    severity = Line(f"{state.severity} (" + "; ".join(sev_parts) + ")" if state.severity_changes
                    else f"{state.severity}", tuple(sev_cites))
    commanders = [c for c in state.role_changes if c["role"] == "commander"]
    if len(commanders) > 1:
        chain = " → ".join(f"{c['person']} (from {hms(c['at'])})" for c in commanders)
        commander = Line(chain, tuple(c["seq"] for c in commanders))
    else:
        commander = Line(state.commander or HUMAN + Md(" who led the response"), (state.declared_seq,))
    roles = _roles(state)
    res = state.resolution or {}
    rseq = (res.get("seq"),)
    if state.resolved:
        resolution = (Line(str(res.get("resolution")), rseq) if res.get("resolution")
                      else Line(HUMAN + Md(" what fixed it (not given at resolve)")))
        rollback = Line(rollback_text(res, state.decisions), rseq)
        typ = Line(str(res.get("type")), rseq) if res.get("type") else Line(HUMAN + Md(" incident type (not given at resolve)"))
        affected = (Line(str(res.get("affected_repos")), rseq) if res.get("affected_repos")
                    else Line(HUMAN + Md(" affected services/repos (not given at resolve)")))
        summary = Line(str(res.get("summary")), rseq)
        # as the commander confirmed them, with when they were read if not at the resolution; then
        # what a read at the resolution found that they were not shown (``concern_reading``)
        read = res.get("concerns_read_at")
        when = f" (as read at {hms(parse_ts(read))} UTC)" if read else ""
        concerns = [Line(f"Resolved although{when}: {c}", rseq) for c in res.get("concerns") or []]
        concerns += [Line(f"Read at the resolution, not shown to the commander: {c}", rseq)
                     for c in res.get("concerns_unseen") or []]
    else:
        resolution = rollback = typ = affected = Line(Md("_not resolved yet_"))
        summary = Line(Md("_The incident is not resolved yet._"))
        concerns = []
    runbook = None
    if state.runbook:
        rb = state.runbook
        raised = runbook_mttr(state)[1]     # the table's target: a raise is said here too (attack49 F7)
        mttr = f"; MTTR target {rb['mttr_target']}{f' ({raised})' if raised else ''}" if rb.get("mttr_target") else ""
        runbook = Line(f"{rb.get('id')} — {rb.get('title')}{mttr}", (state.runbook_seq,))
    return Facts(duration, det, declared, severity, commander, roles, resolution, rollback, typ, affected,
                 summary, runbook, concerns)


def _roles(state: IncidentState) -> list[Line]:
    """Every role change after the declaring commander (a commander handoff with whether the brief
    was acknowledged) and every handoff reminder, in time order."""
    roles = []
    for c in state.role_changes:
        if c["role"] == "commander" and c["previous"] is None:
            continue
        cites = [c["seq"]]
        if c["role"] == "commander":
            text = f"{hms(c['at'])} commander handoff {c['previous']} → {c['person']}"
        else:
            name = ROLES.get(c["role"], c["role"])
            text = f"{hms(c['at'])} {name}: {c['person']}" + (f" (was {c['previous']})" if c["previous"] else "")
        if c.get("reason"):
            text += f": {c['reason']}"
        if c["role"] == "commander" and c.get("acknowledged_seq") is not None:
            text += f" (brief acknowledged by {c['acknowledged_by']} at {hms(c['acknowledged_at'])})"
            cites.append(c["acknowledged_seq"])
        elif c["role"] == "commander" and c.get("brief") is not None:
            text += " (brief NOT acknowledged by the incoming commander)"
        roles.append(Line(text, tuple(cites), at=c["at"], actor=c["actor"]))
    for r in state.handoff_reminders:
        # ``every`` is scenario seconds already (handoff.py divides by the scale for the due time)
        held = stime.of_scenario(state, float(r["every"]) * int(r["period"])).text()   # the commander's own beside
        covers = reminder_covers(r, state)     # one reminder for many periods (a look after a gap) says so
        roles.append(Line(f"{hms(r['due_at'])} handoff reminder: {r['commander']} incident commander for {held}"
                          + (f" ({covers})" if covers else ""), (r["seq"],), at=r["due_at"]))
    roles.sort(key=lambda line: (line.at or NO_TIME, min(line.cites or (0,))))
    return roles


def rollback_text(res: dict[str, Any], decisions: Sequence[dict[str, Any]]) -> str:
    """yes / no as the commander said at resolve; when a GO opened a runbook, what it opened and
    how far that runbook got beside it (a verdict is not a rollback done), in the very words
    resolving showed the commander (``GoOpened.text``: one text for both)."""
    from warroom.incident.go_opened import GoOpened

    if res.get("rollback") is None:      # resolved headless without --rollback / --no-rollback
        text: str = HUMAN + Md(" whether a rollback was part of the fix (not said at resolve)")
    else:
        text = "yes" if res.get("rollback") else "no"
    opened = [GoOpened.from_json(o, decisions) for o in res.get("go_opened") or [] if isinstance(o, dict)]
    if not opened:
        return text
    return Md("{}, as the commander said at resolve ({})").format(text, "; ".join(o.text() for o in opened))
