"""A containment's lift: its grace, the breaches it holds back, and the panes it left harmed.

**A containment the runbook itself ends is no relapse** (redteam50 F5). Some gates confirm a measure whose reversal
is the plan: RB-CORE-005 halts FlowEngine (``flows finishing < 1``) and, once InfoSec agrees and the Go/No-Go says
GO, brings it back; from then flows finish again by design, and "the mitigation did not hold … RELAPSED … being
worked out" went to stakeholders about a P1 that was in fact recovered. Such a gate names the steps that end it
(fence ``lifted_by="restore-replicas"``, journaled with the gate: ``VerifyGate.words``); once one of them ran ok
after the gated run started, on the same target (every parameter both runs take has one value: bringing back another
deployment ends nothing), the gate's measure is watched no more
(:attr:`~warroom.incident.gate_reading.GateNow.lifted`) and what judges a relapse is the harm's own panes: a breach
journaled after the milestone (the audit gap growing again after the restore) is said as before, by every view; and
**a lift is no all-clear** (attack50 A3): a pane breached when the containment began and not recovered by the lift
plus a grace (:data:`LIFT_GRACE`, a minute, or the gate's ``for`` when longer) is the relapse, dated the lift
(:func:`still_harmed`: FlowEngine brought back with the shipper never restarted ran flows unaudited again, and the
gap's pane, breached before the halt, never "breached again" to say so). Why a declaration and not the Go/No-Go's
GO, or the panes alone: a GO is the decision, not the act (flows stay halted until the step runs, and a GO whose
step failed ends nothing), and which measure a later step reverses only the author knows (RB-LAUNCH-005's
failure-rate gates lie before its GO and are the harm itself: they stay watched); the panes alone would lose the
gate's reading where no pane shows the measure (the rate-limit breaker's 429 share). The step must be done: run ok
through warroom (its journaled run, as the Go/No-Go's ``ran`` counts it) or, in a drill, done by hand in its shell
(the credit ``incident show`` draws, ``by_hand.steps_done`` through ``IncidentState.hands``: attack50 A10, the
restore typed word for word was "done by hand" on the checklist and "did not hold" in the header); before it, flows
that finish again (an autoscaler undoing the halt) are still the relapse they are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.durations import parse_duration
from warroom.incident.gate_reading import _confirmed, _hms, _lift, _mitigated, counted_gates
from warroom.incident.gates import GateState
from warroom.units import format_stated

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


def _stated(b: dict[str, Any]) -> str:
    return format_stated(b["value"], b["unit"], against=(b.get("threshold"),)) if b["value"] is not None else "?"



#: incident seconds after the world took work again following a lift (``_graces``: the restored FlowEngine admitting
#: flows) within which the harm's pane may still recover (a lift that ended the harm first, as RB-CORE-005's path
#: does: the shipper restarted, then flows back, the gap below its line at the first audited event): a minute,
#: four of the metric history's 15 s grid steps and a scrape or more of the pane's own source; the gate's ``for``
#: when longer (how long its author wanted a reading to hold before believing it), the pane's own window when longer
#: still (``pane_window``: an hour's failure rate cannot leave its line before the hour has passed)
LIFT_GRACE = 60.0


Lift = tuple[GateState, "tuple[datetime | None, datetime, str] | None"]


def _lifts(state: IncidentState, at: datetime | None) -> list[Lift]:
    """Each counted gate that names what lifts it, with its lift by ``at`` (``_lift``; None: not lifted): read once
    for a look, what :func:`_graces` and :func:`_held_back` both judge from."""
    at = at or state.resolved_at or state.last_at
    if at is None or _mitigated(state) is None:
        return []
    return [(g, _lift(state, g, at)) for g in counted_gates(state, at) if g.lifted_by]


def _graces(state: IncidentState, at: datetime | None,
            lifts: Sequence[Lift] | None = None) -> list[tuple[datetime, datetime, float, str]]:
    """Each lift of a counted gate known at ``at``: (the lift, when its grace starts, the gate's ``for``, ``step 30
    (…)``). The grace starts when the world took work again after the lift (redteam51 R3: the drill admits flows
    once the restored FlowEngine's first pod is ready, and only then can an audited event bring the gap down: a grace
    counted from the restore command said RELAPSED on the runbook's own path for the seconds the pods took), as the
    drill's world tells it (``IncidentState.hands``, ``HandsDone.back``); the lift itself where nothing tells."""
    out = []
    for g, lift in _lifts(state, at) if lifts is None else lifts:
        if lift is not None and lift[0] is not None:
            back = state.hands.back(lift[1]) if state.hands is not None else None
            out.append((lift[1], max(lift[1], back or lift[1]), g.hold, lift[2]))
    return out


def _held_back(state: IncidentState, at: datetime | None,
               lifts: Sequence[Lift] | None = None) -> list[tuple[datetime, datetime | None]]:
    """Each containment holding the world back at ``at``: a counted gate that names what lifts it (``lifted_by``: a
    halt), from when its pass was confirmed to its lift (None: not lifted by then). While it holds, a pane breach is
    no relapse (attack51 A6: the shipper fixed first, then the halt; with no flow no audit event is written, the gap
    grew past its line under the halt and every view said RELAPSED for the whole containment): the containment's own
    measure says whether it holds (``read_gates``: flows finishing again), and once it is lifted the harm's panes are
    judged on it, whenever they breached (:func:`still_harmed`)."""
    out = []
    for g, lift in _lifts(state, at) if lifts is None else lifts:
        start = _confirmed(state, g) or g.at
        if start is not None:
            out.append((start, lift[1] if lift is not None else None))
    return out


def _contained(b: dict[str, Any], held: Sequence[tuple[datetime, datetime | None]]) -> bool:
    """Whether breach ``b`` came while a containment held the world back (:func:`_held_back`), lift excluded."""
    return any(start <= b["at"] and (end is None or b["at"] < end) for start, end in held)


def _seen(state: IncidentState, start: datetime, hold: float, query: str) -> datetime:
    """When a lift whose grace starts at ``start`` is judged on a pane of ``query``: its grace (``LIFT_GRACE``, the
    gate's ``for``, the pane's window) after it."""
    from warroom import scenario_time as stime

    return stime.after(state, start, max(hold, LIFT_GRACE, pane_window(query)))


def _in_grace(state: IncidentState, b: dict[str, Any],
              graces: Sequence[tuple[datetime, datetime, float, str]]) -> bool:
    """Whether breach ``b`` falls after a lift and by its grace's end: the lift judges it (:func:`still_harmed`)."""
    return any(when < b["at"] <= _seen(state, start, hold, b.get("query") or "") for when, start, hold, _ in graces)


def still_harmed(state: IncidentState, at: datetime | None = None, *, since: bool = True) -> list[dict[str, Any]]:
    """The panes a lifted containment left harmed (attack50 A3, redteam51 R9): past critical at the end of the lift's
    grace (``LIFT_GRACE``, or the gate's ``for`` or the pane's window, ``pane_window``, when longer), whenever they
    breached (before the containment, during its gate, after its pass, at the lift or within the grace), said once
    ``at`` (None: the resolution, else the journal's last instant) is past that; ``since``: not recovered since either
    (a breach open now). One breached at or before the lift is said as its breach dated the lift, with
    ``breached_at`` (its own time) and ``lifted`` (``step 30 (Bring FlowEngine back)``); one that breached within the
    grace as its own breach. A containment holds the harm back; lifting it while the harm's pane is still past its
    line lets the harm run again (flows unaudited once FlowEngine is back while the shipper ships nothing), and a pane
    that breached before the milestone never "breaches again" to say so."""
    at = at or state.resolved_at or state.last_at
    if at is None:
        return []
    ordered = sorted(state.breaches, key=lambda b: (b["at"], b["seq"]))
    out: dict[str, dict[str, Any]] = {}
    for when, start, hold, by in _graces(state, at):
        for slo_id in dict.fromkeys(b["slo_id"] for b in ordered):
            mine = [b for b in ordered if b["slo_id"] == slo_id]
            seen = _seen(state, start, hold, next((b.get("query") for b in reversed(mine) if b.get("query")), ""))
            then = [b for b in mine if b["at"] <= seen]
            if at < seen or slo_id in out or not then or then[-1]["kind"] != "breached":
                continue
            b = then[-1]
            if since and any(r["kind"] == "recovered" and seen < r["at"] <= at for r in mine):
                continue
            out[slo_id] = b if b["at"] > when else {**b, "at": when, "breached_at": b["at"], "lifted": by}
    return list(out.values())


_RANGE = re.compile(r"\[\s*([0-9][0-9a-z.]*)\s*(?::[^\]]*)?\]")


def pane_window(query: str) -> float:
    """The longest range a pane's query averages over (``rate(…[1h])``: 3600 s), 0 for an instant one (the audit gap's
    ``time() - max(…)``). Such a pane cannot come back under its line before the harm's samples have left its window:
    an hour's failure rate still holds the storm's failures for an hour after they stopped, and an IC reads it as
    recovering, not relapsed (fix50g's leftover: a minute after the restore it read RELAPSED). A lift is judged on it
    once that window has passed; a fast pane of the same harm says a relapse sooner."""
    out = 0.0
    for text in _RANGE.findall(query):
        try:
            out = max(out, parse_duration(text))
        except ValueError:
            continue
    return out


def lift_words(b: dict[str, Any], now: str | None = None) -> str:
    """``Audit-log gap still critical (12m) since the containment was lifted at 18:31:56 by step 30 (Bring
    FlowEngine back)``: a :func:`still_harmed` pane, its value ``now`` when read (else when it breached, and at
    what)."""
    was = f"critical since {_hms(b['breached_at'])}, breached at {_stated(b)}"
    return (f"{b['title']} still critical ({now or was}) since the "
            f"containment was lifted at {_hms(b['at'])} by {b['lifted']}")
