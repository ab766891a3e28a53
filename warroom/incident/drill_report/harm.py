"""The harm a scenario names (``Scenario.harm``), counted from the simulator's own record of the flows: what the
incident does that no pane counts, as the world went and as it would have gone without an action. Halting FlowEngine
in the audit-gap drill moves no pane (the gap grows on while no flow runs), yet it is RB-CORE-005's containment: the
report said it "moved none of the scenario's panes" and counted the flows that ran without an audit trail nowhere
(redteam38). Its effect is the flows it kept from running so, which only a count of the flows shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warroom.drill.activity import Activity
    from warroom.drill.directory import Drill


@dataclass(frozen=True)
class Measure:
    """One harm: how its flows are found in a world and said."""

    title: str                                           # the count's heading in the report and the PIR's Impact
    kept: str                                            # an action that lowered it ({n}: how many fewer)
    more: str                                            # one that raised it
    did: str                                             # the count as the world went
    flows: Callable[[Activity, float, float], set[str]]  # the task ids it counts in (t1, t2] of scenario time
    rows: Callable[[Activity, float, set[str]], str]     # what the drill's TaskDB says of them at t2 (an IC's check)


def _unaudited(act: Activity, t1: float, t2: float) -> set[str]:
    """Flows with an audit event written in (t1, t2] that no audit-shipper pod shipped (``Signals.audit_route``)."""
    return {e.task_id for e in act.audit_events(t1, t2) if e.pod is None}


def _no_row(act: Activity, t2: float, flows: set[str]) -> str:
    """How many of ``flows`` have no audit_logs row at ``t2`` (psql's ``not exists`` over audit_logs), the others
    having lost only a start or an end."""
    logged = {e.task_id for e in act.audit_events(act.series.t0, t2) if e.pod is not None}
    none = len(flows - logged)
    return f"{none} of them have no audit_logs row in the drill's TaskDB" + (
        f", the other {len(flows) - none} lost their start or their end" if none < len(flows) else "")


MEASURES: dict[str, Measure] = {
    "unaudited": Measure("Flows that ran unaudited (an audit event of each lost)",
                         "kept {n} flows from running unaudited", "{n} more flows ran unaudited", "ran unaudited",
                         _unaudited, _no_row),
}


def measure_of(drill: Drill) -> Measure | None:
    """The harm the drill's scenario names, or None."""
    return MEASURES.get(drill.scenario.harm or "")


def since(drill: Drill) -> float:
    """Where the harm is counted from: the first of the incident's causes' onsets (the simulator's own record)."""
    return min((t for t in drill.simulator.signals.onsets if t is not None), default=0.0)


def harm_onset(drill: Drill, at: float | None = None) -> float | None:
    """Unix time the harm the scenario names began (``since``, the simulator's record of its causes' onset), when it
    has begun by ``at`` (unix; None: now); None for a scenario that names none: the impact start a declaration takes
    (``panes.declared_source``), so the PIR's Duration and Time to detect count from where its Impact counts."""
    if measure_of(drill) is None:
        return None
    onset = drill.wall_time(since(drill))
    return onset if at is None or onset <= at else None


def harm_change(drill: Drill, other: Any, t_now: float, actual: Any = None) -> tuple[str, bool]:
    """What the actions left out of ``other`` (a ``what_if`` simulator) did to the harm from its onset to ``t_now``:
    "kept 60 flows from running unaudited (73 did by 14:40:00 UTC, 133 without it)", "" when it is the same; and
    whether they lowered it (what stops the harm mitigates: the halt that contains it, redteam49 F4).
    ``actual``: the world weighed against ``other`` (None: the drill's own)."""
    from warroom.drill.activity import Activity

    m = measure_of(drill)
    t1 = since(drill)
    if m is None or t_now <= t1:
        return "", False
    did, alt = (len(m.flows(Activity(sim.refresh()), t1, t_now)) for sim in (actual or drill.simulator, other))
    if did == alt:
        return "", False
    said = (m.kept if alt > did else m.more).format(n=abs(alt - did))
    return f"{said} ({did} {m.did} by {datetime.fromtimestamp(drill.wall_time(t_now), UTC):%H:%M:%S} UTC, " \
           f"{alt} without it)", alt > did


def harm_total(drill: Drill, t_end: float) -> dict[str, Any] | None:
    """The harm from its onset to ``t_end`` (scenario seconds) as the PIR's Impact journals it (``metrics.summarised``'s
    ``drill_harm``): {title, value, from, to (unix), rows}; None when the scenario names none."""
    from warroom.drill.activity import Activity

    m = measure_of(drill)
    t1 = since(drill)
    if m is None or t_end <= t1:
        return None
    act = Activity(drill.simulator.refresh())
    flows = m.flows(act, t1, t_end)
    return {"title": m.title, "value": len(flows), "from": drill.wall_time(t1), "to": drill.wall_time(t_end),
            "rows": m.rows(act, t_end, flows) if flows else ""}


def total_text(total: dict[str, Any]) -> str:
    """``harm_total`` on one line: "Flows that ran unaudited (…) from 14:00:00 to 14:40:00 UTC: 73 (69 of …)"."""
    def at(t: float) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%H:%M:%S}"

    return f"{total['title']} from {at(total['from'])} to {at(total['to'])} UTC: {total['value']}" + (
        f" ({total['rows']})" if total.get("rows") else "")
