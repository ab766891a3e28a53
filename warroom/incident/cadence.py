"""Stakeholder updates: how often (by severity), when the next is due, and what to say.

The seeds ask for an update every 15 minutes; a P1 wants them more often, a P4 less.
``incident.status_update_cadence`` maps severity to a duration (default P1 10m, P2 15m, P3 30m,
P4 60m); a severity it does not name uses ``status_update_every``. The due time counts from the
last update (or the declaration), so changing the severity changes the countdown at once.

``draft_update`` writes Conditions / Actions / Needs from the journal only, so the IC edits a
true draft rather than a blank page.
"""

from __future__ import annotations

import re

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from warroom.durations import format_duration
from warroom import scenario_time as stime

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.incident.state import IncidentState


def update_every(config: Config, severity: str) -> float:
    """Seconds between updates for ``severity`` (the configuration's one rule,
    ``IncidentConfig.update_cadence``, which lint also checks runbook text against)."""
    return config.incident.update_cadence(severity)[0]


def next_due(state: IncidentState, every: float) -> datetime | None:
    """When the next update is due (wall time; ``every`` is scenario seconds in a drill); None
    once resolved (or before the declaration)."""
    if state.resolved or state.declared_at is None:
        return None
    return state.next_update_due(state.declared_at, every)


def overdue_due_time(state: IncidentState, every: float, now: datetime) -> datetime | None:
    """The due time that passed unsent and is not yet journaled as overdue, else None."""
    due = next_due(state, every)
    if due is None or due > now:
        return None
    if any(abs((o["due_at"] - due).total_seconds()) < 1 for o in state.overdue):
        return None
    return due


def overdue_line(state: IncidentState, every: float, now: datetime) -> tuple[str, dict[str, Any]] | None:
    """The ``status_update.overdue`` line due now (a due time passed unsent and not journaled
    yet), as the event to append (``Incident.append_once``), or None."""
    from warroom.journal import events as ev
    from warroom.journal.log import format_ts

    due = overdue_due_time(state, every, now)
    if due is None:
        return None
    return ev.UPDATE_OVERDUE, {"due_at": format_ts(due), "every": every, "severity": state.severity}


DRILL_MARK = "DRILL"


def drill_marked(state: IncidentState, text: str) -> str:
    """A stakeholder update as a drill incident's goes out (posted, copied, journaled): ``DRILL`` first,
    unless the text already starts with it. The dashboard's draft began with it, but the draft is
    edited, the CLI's text is typed, and the webhook is the team's own (``[webhook]`` of the config a
    drill runs with): a P1 "flows failing across many repositories" posted to #incidents without it
    reads as a real outage. Added where the update is sent, so no edit can leave it out."""
    if state.drill is None or re.match(rf"{DRILL_MARK}\b", text.lstrip()):      # the word, not "DRILLDOWN: ..."
        return text
    return f"{DRILL_MARK} {text}"


def draft_update(state: IncidentState, now: datetime, every: float) -> str:
    """A stakeholder update drafted from the journal: Conditions / Actions / Needs."""
    from warroom.incident.gates import run_gates
    from warroom.incident.marks import run_state, state_word
    from warroom.units import format_stated

    phases = state.phases
    # a drill's wall minute is 10-60 drill minutes: its times go to the second (redteam38 F13:
    # "Next update by 21:38 UTC" sent at 21:38:22, x60, due 21:38:52); a real update keeps the minute
    hm = "%H:%M:%S" if stime.scale_of(state) != 1.0 else "%H:%M"
    lines = [f"[{state.severity}] {state.id}: {state.title} — {state.status.upper()}"]
    lines.append("")
    lines.append("Conditions:")
    start = state.impact_start
    if start is not None:
        lines.append(f"- Impact since {start:{hm}} UTC: {stime.text(state, state.impact_duration(now))}.")
    last: dict[str, dict] = {}
    for b in sorted(state.breaches, key=lambda b: (b["at"], b["seq"])):
        last[b["slo_id"]] = b
    for b in last.values():
        word = "breached" if b["kind"] == "breached" else "recovered"
        lines.append(f"- {b['title']} {word} at {b['at']:{hm}} UTC ({format_stated(b['value'], b['unit'])}).")
    if phases.get("mitigated"):
        lines.append(f"- Mitigated at {phases['mitigated']:{hm}} UTC.")
    if not last and start is None:
        lines.append("- (describe what users see)")
    lines.append("")
    lines.append("Actions:")
    acted = False
    gates = run_gates(state, now)
    for st, run in state.commands_run()[-3:]:
        kind = "mitigation attempt" if run.mutating else "check"
        # the checklist's word for the run (marks.step_state): a check whose output missed what
        # the runbook expected, or a mitigation whose verify gate failed, is never "ok" to stakeholders
        word = state_word(run_state(run, gates.get(run.seq)))
        lines.append(f"- {run.started_at:{hm}} {st.label or st.step_id} ({kind}): {word}.")
        acted = True
    for n in state.notes:
        if n.tag == "root-cause":
            lines.append(f"- Suspected cause: {n.text.splitlines()[0] if n.text else ''}")
            acted = True
    if not acted:
        lines.append("- Investigating with the runbook.")
    lines.append("")
    lines.append("Needs:")
    needs = [n.text.splitlines()[0] for n in state.notes if n.tag == "action" and n.text]
    lines.extend(f"- {t}" for t in needs[-3:]) if needs else lines.append("- Nothing from stakeholders right now.")
    lines.append("")
    drill = f" (in {stime.of_scenario(state, every)})" if stime.scale_of(state) != 1.0 else ""
    lines.append(f"Next update by {stime.after(state, now, every):{hm}} UTC{drill}.")
    return "\n".join(lines)
