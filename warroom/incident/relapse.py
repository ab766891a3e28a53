"""Whether a mitigation held: the incident's status snapshot read at one moment (redteam40 R1).

A verify gate that passed is a true milestone: the metrics confirmed the fix then, and Time to
mitigate counts from it for good (the journal is append-only; nothing here rewrites it). It is not
a promise about now. In the rate-limit drill the breaker's gate (``429 share < 10% for 2m``) passed,
then the quota ran out: the very gate's measure went to 99.8%, 60% of flows failed, a pane breached
again, and for hours the header said "MITIGATED" and "VERIFY step 6 ✔ passed at 1.24%", and the
stakeholder draft said "Mitigated at 03:31:24 UTC … Nothing from stakeholders right now".

So every view that says "mitigated" asks :func:`holding` first. The mitigation **relapsed** when,
after its milestone,

* a pane breached again: a ``slo.breached`` the journal holds (the metric watch writes it from the
  panes' own history), dated after the milestone and not recovered since. Pure journal: the PIR's
  "relapsed at" is the first such breach (:func:`first_relapse`), whatever happened after; or
* a passed gate's own measure is past its line now, read at one moment (:func:`read_gates`: the
  gate as journaled, from the source the panes read, at the panes' instant).

A measure that could not be read is *not known* to hold (:attr:`Holding.unknown`): a source that is
down never reads as "held". A pane that was already critical when the gate passed and never recovered
(an hour's failure rate still holding the storm's failures) is no relapse: only a new breach is.

**A containment the runbook itself ends is no relapse** (redteam50 F5). Some gates confirm a measure whose
reversal is the plan: RB-CORE-005 halts FlowEngine (``flows finishing < 1``) and, once InfoSec agrees and the
Go/No-Go says GO, brings it back; from then flows finish again by design, and "the mitigation did not hold …
RELAPSED … being worked out" went to stakeholders about a P1 that was in fact recovered. Such a gate names the
steps that end it (fence ``lifted_by="restore-replicas"``, journaled with the gate: ``VerifyGate.words``); once one
of them ran ok after the gated run started, on the same target (every parameter both runs take has one value:
bringing back another deployment ends nothing), the gate's measure is watched no more (:attr:`GateNow.lifted`)
and what judges a relapse is the harm's own panes: a breach journaled after the milestone (the audit gap growing
again after the restore) is said as before, by every view; and **a lift is no all-clear** (attack50 A3): a pane
breached when the containment began and not recovered by the lift plus a grace (:data:`LIFT_GRACE`, a minute, or
the gate's ``for`` when longer) is the relapse, dated the lift (:func:`still_harmed`: FlowEngine brought back with
the shipper never restarted ran flows unaudited again, and the gap's pane, breached before the halt, never
"breached again" to say so). Why a declaration and not the Go/No-Go's GO, or the
panes alone: a GO is the decision, not the act (flows stay halted until the step runs, and a GO whose step failed
ends nothing), and which measure a later step reverses only the author knows (RB-LAUNCH-005's failure-rate gates
lie before its GO and are the harm itself: they stay watched); the panes alone would lose the gate's reading
where no pane shows the measure (the rate-limit breaker's 429 share). The step must be done: run ok through
warroom (its journaled run, as the Go/No-Go's ``ran`` counts it) or, in a drill, done by hand in its shell (the
credit ``incident show`` draws, ``by_hand.steps_done`` through ``IncidentState.hands``: attack50 A10, the restore
typed word for word was "done by hand" on the checklist and "did not hold" in the header); before it, flows that
finish again (an autoscaler undoing the halt) are still the relapse they are.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom.durations import parse_duration
from warroom.errors import WarroomError
from warroom.incident.gate_relapse import RELAPSED, last_said
from warroom.incident.gates import GateState, gate_states
from warroom.units import format_reading, format_stated

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState

#: the statuses that claim the mitigation: qualified whenever it did not hold
CLAIMS_MITIGATED = ("mitigated", "monitoring")
_NOW = ("ok", "warn", "crit")


#: a lifting step's run states that end the containment: the Go/No-Go's ``ran`` rule (``decisions.criteria.RAN_OK``,
#: not imported: the decisions read the draft, which reads this)
RAN_OK = ("ok", "verifying")


def _hms(at: datetime) -> str:
    return f"{at.astimezone(UTC):%H:%M:%S}"


@dataclass(frozen=True)
class GateNow:
    """A counted passed gate (``gates.GateState``: passed, not ``held before``) and its measure read
    at ``read_at``: ``past`` True past its line now, False within it, None not read (``problem``)."""

    runbook_id: str
    step_id: str
    step: int | None
    what: str                   # "429 share (worst provider) < 10% for 2m"
    title: str                  # "429 share (worst provider)"
    wanted: str                 # "< 10%"
    passed_at: datetime | None
    passed_value: str           # "1.24%"
    read_at: datetime
    value: str | None = None    # "99.8%"; None: not read
    past: bool | None = None
    problem: str | None = None  # why it was not read
    lifted: str = ""            # "lifted by step 30 (Bring FlowEngine back) at 17:48:48": watched no more
    seq: int | None = None      # the journal seq of the pass (``verify.passed``): which pass a ``gate.relapsed`` is of
    seen: bool = False          # read by an earlier look, as the journal says it (``gate_relapse.journaled``), not now
    crossed: datetime | None = None     # seen: when the measure crossed its line (the metric history), before the look

    @property
    def key(self) -> tuple[str, str]:
        return (self.runbook_id, self.step_id)

    def now_words(self) -> str:
        """``now 99.8%, past < 10%`` / ``now 3.1%`` / ``now not read (connection refused)``: what the
        gate line, ``incident show`` and the draft say after ``passed at 1.24% at 03:31:24``; a reading a look
        journaled (``seen``): ``99.8% at 20:24:21, past < 10% since 20:03:05`` (since it crossed the line, when the
        history told)."""
        if self.lifted:
            return self.lifted
        if self.past is None:
            return f"now not read ({self.problem or 'no value'})"
        if self.seen:
            since = f" since {_hms(self.crossed)}" if self.crossed is not None else ""
            return f"{self.value} at {_hms(self.read_at)}" + (f", past {self.wanted}{since}" if self.past else "")
        return f"now {self.value}" + (f", past {self.wanted}" if self.past else "")

    def passed_head(self) -> str:
        """``passed at 1.24% at 03:31:24`` (when the metrics confirmed it)."""
        when = f" at {_hms(self.passed_at)}" if self.passed_at is not None else ""
        value = f" at {self.passed_value}" if self.passed_value else ""
        return f"passed{value}{when}"

    def passed_words(self) -> str:
        """``passed at 1.24% at 03:31:24 · now 99.8%, past < 10%``."""
        return f"{self.passed_head()} · {self.now_words()}"

    def to_json(self) -> dict[str, Any]:
        return {"runbook_id": self.runbook_id, "step": self.step, "step_id": self.step_id, "what": self.what,
                "passed_at": self.passed_at.isoformat() if self.passed_at else None,
                "passed_value": self.passed_value or None, "read_at": self.read_at.isoformat(),
                "value_now": self.value, "past_line": self.past,
                "not_read": self.problem if self.past is None and not self.lifted else None,
                "lifted": self.lifted or None, "crossed_at": self.crossed.isoformat() if self.crossed else None}


@dataclass(frozen=True)
class Again:
    """A pane that breached again after the mitigation and has not recovered: its journaled breach
    (``since``, the value then) and its value now (``now``: the pane's reading, None when none was
    given or it has no value now)."""

    slo_id: str
    title: str
    since: datetime
    seq: int
    then: str
    now: str | None = None
    lifted: str = ""        # a lift that left it harmed (``still_harmed``): ``lift_words``

    def words(self) -> str:
        if self.lifted:
            return self.lifted
        return f"{self.title} {self.now}" if self.now else f"{self.title} ({self.then} at {_hms(self.since)})"


@dataclass(frozen=True)
class Holding:
    """Whether the mitigation holds at ``at``: the milestone (``mitigated_at``, how it was reached),
    the panes breached again since it, and each counted gate's measure now."""

    at: datetime
    mitigated_at: datetime
    how: str                            # verify | status | mark | recovered
    again: tuple[Again, ...] = ()
    gates: tuple[GateNow, ...] = ()

    @property
    def relapsed(self) -> bool:
        return bool(self.again) or any(g.past for g in self.gates)

    @property
    def unknown(self) -> tuple[GateNow, ...]:
        """The gates whose measure was not read: whether they hold is not known (never "held"); a lifted one's
        is not watched (:attr:`GateNow.lifted`)."""
        return tuple(g for g in self.gates if g.past is None and not g.lifted)

    @property
    def known_since(self) -> datetime | None:
        """When the relapse began as far as a header says it: with a pane breached again, :attr:`since`; else the
        earliest crossing of a gate read past its line now (``GateNow.crossed``: journaled, or the history's); None
        when none is known (a reading whose crossing was not read says only that it is past now; a gate the journal
        alone gives says its own crossing in its words)."""
        if self.again:
            return self.since
        return min([g.crossed for g in self.gates if g.past and not g.seen and g.crossed is not None], default=None)

    @property
    def since(self) -> datetime:
        """When the relapse is known from: the first breach again or the first reading of a gate's measure past its
        line (a look's now, or when an earlier look saw it cross: ``GateNow.seen``, ``crossed``), else the moment the
        measure was read."""
        return min([a.since for a in self.again] + [g.crossed or g.read_at for g in self.gates if g.past],
                   default=self.at)

    @property
    def since_seen(self) -> bool:
        """Whether :attr:`since` is only when a look read a gate's measure past its line (its crossing not known: the
        history was not read, or a line an older warroom dated at its look), not when the relapse began: said
        "RELAPSED, seen 14:14:11", never "since" (attack53 A5: dated at the look with nothing saying so)."""
        return self.relapsed and self.since not in {a.since for a in self.again} | {
            g.crossed for g in self.gates if g.past and g.crossed is not None}

    def words(self) -> str:
        """The relapse, or what is not known, in one clause; '' while it holds as far as was read:
        ``breached again since 03:33:30: Flow failure rate 25.6%; 429 share (worst provider) now
        99.8%, past < 10%``."""
        parts = []
        if self.again:
            parts.append(f"breached again since {_hms(self.since)}: " + ", ".join(a.words() for a in self.again))
        parts += [f"{g.title or g.what} {g.now_words()}" for g in self.gates if g.past]
        if parts:
            return "; ".join(parts)
        return "; ".join(f"whether it holds is not known: {g.title or g.what} {g.now_words()}" for g in self.unknown)

    def qualifier(self, status: str) -> str:
        """What follows the status while ``status`` claims the mitigation: ``RELAPSED since 03:33:30:
        Flow failure rate 25.6%; 429 share (worst provider) now 99.8%, past < 10%`` when it did not
        hold, ``whether it holds is not known: …`` when a gate's measure was not read, '' while it
        holds (or the status claims nothing)."""
        if status not in CLAIMS_MITIGATED:
            return ""
        if not self.relapsed:
            return self.words()
        panes = [", ".join(a.words() for a in self.again)] if self.again else []
        gates = [f"{g.title or g.what} {g.now_words()}" for g in self.gates if g.past]
        # the time first: an 80-column header cuts the end of the line, never "since 03:33:30" (attack53 A4: a gate's
        # crossing, which ``incident list`` says, was in no header, so two views gave two moments)
        known = self.known_since
        return f"RELAPSED{f' since {_hms(known)}' if known is not None else ''}: " + "; ".join(panes + gates)

    def status_words(self, status: str) -> str:
        """The status as every view heads with it: ``MITIGATED · RELAPSED since 03:33:30: …``."""
        more = self.qualifier(status)
        return f"{status.upper()} · {more}" if more else status.upper()

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "mitigated_at": self.mitigated_at.isoformat(), "how": self.how,
                "relapsed": self.relapsed, "since": self.since.isoformat() if self.relapsed else None,
                "breached_again": [{"slo_id": a.slo_id, "title": a.title, "at": a.since.isoformat(), "seq": a.seq,
                                    "value_then": a.then, "value_now": a.now, "lifted": a.lifted or None}
                                   for a in self.again],
                "gates": [g.to_json() for g in self.gates], "words": self.words()}


def _mitigated(state: IncidentState) -> tuple[datetime, int | None, str] | None:
    at, seq, how = state.phase_sources()["mitigated"]
    return None if at is None else (at, seq, how)


def _after(state: IncidentState, at: datetime) -> list[dict[str, Any]]:
    """The journaled pane transitions dated after ``at``, in time order."""
    return [b for b in sorted(state.breaches, key=lambda b: (b["at"], b["seq"])) if b["at"] > at]


def _stated(b: dict[str, Any]) -> str:
    return format_stated(b["value"], b["unit"], against=(b.get("threshold"),)) if b["value"] is not None else "?"


def breached_again(state: IncidentState, at: datetime | None = None) -> list[dict[str, Any]]:
    """The panes whose breach since the mitigated milestone is still open (their last journaled
    transition), each as that breach, and the panes a lifted containment left harmed (:func:`still_harmed`, known
    at ``at``: None, the journal's last instant). A breach within a lift's grace is the lift's to judge (the world's
    way back: no transient relapse while it may still recover). Pure journal."""
    mit = _mitigated(state)
    if mit is None:
        return []
    last: dict[str, dict[str, Any]] = {}
    for b in _after(state, mit[0]):
        last[b["slo_id"]] = b
    lifts = _lifts(state, at)
    graces, held = _graces(state, at, lifts), _held_back(state, at, lifts)
    again = [b for b in last.values() if b["kind"] == "breached" and not _in_grace(state, b, graces)
             and not _contained(b, held)]
    said = {b["slo_id"] for b in again}
    return again + [b for b in still_harmed(state, at) if b["slo_id"] not in said]


def first_relapse(state: IncidentState, at: datetime | None = None) -> dict[str, Any] | None:
    """The first pane breach journaled after the mitigated milestone, recovered since or not (the
    PIR's "relapsed at"), or a lift that left the harm's pane past its line (:func:`still_harmed`, dated the lift,
    recovered since or not); None when none. A breach within a lift's grace counts only as the lift judges it."""
    mit = _mitigated(state)
    if mit is None:
        return None
    lifts = _lifts(state, at)
    graces, held = _graces(state, at, lifts), _held_back(state, at, lifts)
    found = [b for b in _after(state, mit[0]) if b["kind"] == "breached" and not _in_grace(state, b, graces)
             and not _contained(b, held)][:1]
    found += still_harmed(state, at, since=False) + _gate_relapsed(state, at)[:1]
    return min(found, key=lambda b: b["at"], default=None)


def _gate_relapsed(state: IncidentState, at: datetime | None) -> list[dict[str, Any]]:
    """Each ``gate.relapsed`` a look journaled of a pass counted at ``at`` (None: the journal's last instant), after
    the mitigated milestone, recovered since or not, in time order, as :func:`first_relapse` gives a breach: its
    ``gate`` says it (``429 share (worst provider) 99.8%, past < 10% (the verify gate of step 10)``)."""
    mit = _mitigated(state)
    at = at or state.resolved_at or state.last_at
    if mit is None or at is None or not state.gate_relapses:
        return []
    counted = {g.seq for g in counted_gates(state, at)}
    return [{**r, "kind": "breached", "slo_id": f"gate {r.get('runbook_id') or ''} {r.get('step_id')}",
             "title": r.get("title") or r.get("what") or "", "value": None, "unit": "", "threshold": None,
             "gate": _gate_words(r)}
            for r in sorted(state.gate_relapses, key=lambda r: (r["at"], r["seq"]))
            if r["kind"] == RELAPSED and r["passed_seq"] in counted and mit[0] < r["at"] <= at]


def _gate_words(r: dict[str, Any]) -> str:
    """A journaled relapse of a gate as the PIR says it: ``Failure rate (5m) 2.55%, past < 1% (the verify gate of step
    10; 14.5% when a look saw it at 00:40:17)``: the value when it crossed its line (the line's date), and the look's
    when that came later, or that the date is the look's."""
    seen = f"; {r.get('value_text') or '?'} when a look saw it at {_hms(r['seen'])}" if r["seen"] > r["at"] else \
        "; when a look read it: when it crossed its line was not read"      # dated at the look (attack53 A5)
    return (f"{r.get('title') or r.get('what')} {r.get('crossed_text') or r.get('value_text') or '?'}, past"
            f" {r.get('wanted') or 'its line'} (the verify gate of step {r.get('step') or r.get('step_id')}{seen})")


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


def _in_grace(state: IncidentState, b: dict[str, Any], graces: Sequence[tuple[datetime, datetime, float, str]]) -> bool:
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


def relapse_said(state: IncidentState, at: datetime | None = None) -> str:
    """``relapsed at 03:33:30: Flow failure rate breached again (1.35%)`` for the PIR, '' when none; or, when it
    came first, the commander's own word taking the mitigation back (a status short of mitigated after it):
    ``withdrawn at 03:35:10 UTC: status investigating (relapse)`` (attack42 A2b: the withdrawal was said nowhere)."""
    b, back = first_relapse(state, at), first_withdrawal(state)
    if back is not None and (b is None or back["at"] < b["at"]):
        why = f" ({back['reason']})" if back["reason"] else ""
        return f"withdrawn at {_hms(back['at'])} UTC: status {back['to']}{why}"
    if b is not None and b.get("lifted"):
        return f"relapsed at {_hms(b['at'])} UTC: {lift_words(b)}"
    if b is not None and b.get("gate"):
        return f"relapsed at {_hms(b['at'])} UTC: {b['gate']}"
    return "" if b is None else f"relapsed at {_hms(b['at'])} UTC: {b['title']} breached again ({_stated(b)})"


def first_withdrawal(state: IncidentState) -> dict[str, Any] | None:
    """The commander's first status short of mitigated after the mitigated milestone (None: none)."""
    mit = _mitigated(state)
    if mit is None:
        return None
    return next((c for c in state.status_changes if c["at"] > mit[0] and c["to"] not in CLAIMS_MITIGATED
                 and c["to"] != "resolved"), None)


def journal_said(state: IncidentState, at: datetime | None = None) -> str:
    """``, RELAPSED: Flow failure rate breached again at 04:05:54 UTC (1.35%), not recovered`` after a
    status that claims the mitigation, from the journal alone (the handoff brief reads nothing else; a gate's measure
    as a look journaled it, :func:`journaled`: a reading now is :func:`holding`'s); '' when it holds as journaled."""
    if state.status not in CLAIMS_MITIGATED:
        return ""
    again = [lift_words(b) if b.get("lifted") else f"{b['title']} breached again at {_hms(b['at'])} UTC ({_stated(b)})"
             for b in breached_again(state, at)]
    when = at or state.resolved_at or state.last_at
    again += [f"{g.title or g.what} {g.now_words()}" for g in (journaled(state, when) if when is not None else ())]
    return f", RELAPSED: {'; '.join(again)}, not recovered" if again else ""


def journaled(state: IncidentState, at: datetime) -> tuple[GateNow, ...]:
    """The counted gates (:func:`counted_gates` at ``at``) whose last journaled line by ``at`` is a relapse, as the
    reading that look made (``GateNow.seen``): what a view reading the journal alone knows of their measures. A pass
    no longer counted (a later counted pass of its step took over), or a gate lifted by a run journaled since, says
    nothing."""
    if not state.gate_relapses:
        return ()
    last = last_said(state, at)
    out = []
    for g in counted_gates(state, at):
        r = last.get(g.seq)
        if r is None or r["kind"] != RELAPSED or lifted(state, g, at):
            continue
        out.append(_now(state, g, r["seen"], value=str(r.get("value_text") or "?"), past=True, seen=True,
                        crossed=r["at"] if r["at"] < r["seen"] else None))
    return tuple(out)


def counted_gates(state: IncidentState, now: datetime) -> list[GateState]:
    """The passed gates that count (the latest run of each step; not ``held before``; not a gate that only checks
    its step took effect, ``mitigates=false``: its measure is no mitigation to hold), and the gate of the mitigated
    milestone whatever its step did since (attack51 A1: the routing run again, a no-op whose gate held before, left
    no gate watched, and the routing undone by hand read MITIGATED): a re-run whose gate held before, failed or still
    watches adds no evidence and takes none away; only a later counted pass of the same step replaces it."""
    out = [g for g in gate_states(state, now).values()
           if g.status == "passed" and g.held_before is None and g.mitigates]
    _, seq, how = state.phase_sources()["mitigated"]
    if how != "verify" or seq is None or any(g.seq == seq for g in out):
        return out
    kept = _gate_then(state, seq, now)
    if kept is not None and not any((g.runbook_id, g.step_id) == (kept.runbook_id, kept.step_id) for g in out):
        out.append(kept)
    return out


def _gate_then(state: IncidentState, seq: int, now: datetime) -> GateState | None:
    """The gate whose pass is journal event ``seq`` as ``gate_states`` read it then: the journal cut after that
    event (its verifications and its steps' runs), so the gate is the one that pass settled."""
    cut = copy.copy(state)
    cut.verifications = [v for v in state.verifications if int(v.get("seq") or 0) <= seq]
    cut.steps = {}
    for key, st in state.steps.items():
        then = copy.copy(st)
        then.runs = [r for r in st.runs if int(r.seq or 0) <= seq]
        cut.steps[key] = then
    return next((g for g in gate_states(cut, now).values() if g.seq == seq and g.status == "passed"), None)


def lifted(state: IncidentState, g: GateState, at: datetime) -> str:
    """``lifted by step 30 (Bring FlowEngine back) at 17:48:48``: the first run of a step ``g`` names in
    ``lifted_by`` that started after the gated run, ended ok by ``at`` (the checklist's rule, as the Go/No-Go's
    ``ran`` counts it) and acted on the gated run's target (the parameters both take have one value); '' when none:
    its measure is still watched. The module's docstring says why."""
    lift = _lift(state, g, at)
    return f"lifted by {lift[2]} at {_hms(lift[1])}" if lift is not None else ""


def _lift(state: IncidentState, g: GateState, at: datetime) -> tuple[datetime | None, datetime, str] | None:
    """:func:`lifted`'s run: (when the gated run started, when the lifting run ended, ``step 30 (Bring FlowEngine
    back)``); None when none."""
    if not g.lifted_by:
        return None
    from warroom.incident.gates import run_gates
    from warroom.incident.marks import run_state

    gated = next((r for r in getattr(state.steps.get((g.runbook_id, g.step_id)), "runs", ())
                  if g.run_seq is not None and r.seq == g.run_seq), None)
    since = gated.started_at if gated is not None else g.at
    judged: dict[int, str] | None = None
    best: tuple[datetime, str] | None = None
    for st in state.steps.values():
        if st.runbook_id != g.runbook_id or st.step_id not in g.lifted_by:     # by name, as lint checks them
            continue
        for run in st.runs:
            if since is None or run.started_at <= since or run.ended_at is None or run.ended_at > at:
                continue
            judged = run_gates(state, at) if judged is None else judged
            same = gated is None or all(run.params.get(k) == v for k, v in gated.params.items() if k in run.params)
            if same and run_state(run, judged.get(run.seq)) in RAN_OK and (best is None or run.ended_at < best[0]):
                best = (run.ended_at, f"step {st.step or st.step_id}" + (f" ({st.label})" if st.label else ""))
    if since is not None and state.hands is not None:
        # done by hand in the drill shell: the credit the checklist draws ("done by hand"), each typing of it that
        # acted after the gated run began (attack50 A10: typed word for word, credited, and the halt still watched);
        # the earlier of it and a run through warroom, which after the typing is a no-op (attack51 A8: the run moved
        # the lift to itself and opened a new grace; the typing stays credited, ``by_hand.Hands.before_runs``)
        for (rb_id, step_id), done in state.hands(state).items():
            if rb_id != g.runbook_id or step_id not in g.lifted_by:
                continue
            for d in done:
                when = datetime.fromtimestamp(d.at, UTC)
                same = gated is None or all(d.values.get(k) == v for k, v in gated.params.items() if k in d.values)
                if since < when <= at and same and (best is None or when < best[0]):
                    best = (when, d.step)
    return (since, best[0], best[1]) if best is not None else None


def _now(state: IncidentState, g: GateState, read_at: datetime, **reading: Any) -> GateNow:
    """A counted gate ``g`` as read at ``read_at`` (``reading``: what the read found, ``GateNow``'s fields): the one
    place a gate's pass becomes the reading every view words."""
    return GateNow(runbook_id=g.runbook_id, step_id=g.step_id, step=g.step, what=g.what, title=g.title,
                   wanted=g.wanted, passed_at=_confirmed(state, g), passed_value=g.value or "", read_at=read_at,
                   seq=g.seq, **reading)


def _confirmed(state: IncidentState, g: GateState) -> datetime | None:
    """When the metrics confirmed a pass (``confirmed_at``, never after its own line): a gate settled
    after its window is journaled later than it passed, and "passed at … at 03:31:24" is the former."""
    from warroom.incident.records import _ts

    v = next((v for v in state.verifications if int(v.get("seq") or 0) == g.seq), {})
    confirmed = _ts(v.get("confirmed_at"))
    return min(confirmed, g.at) if confirmed is not None and g.at is not None else g.at


def read_gates(state: IncidentState, source: Any, slos: Iterable[Any], now: datetime,
               at: float | None = None) -> tuple[GateNow, ...]:
    """Each counted gate's measure read from ``source`` at ``at`` (unix; None: the source's now, as the
    panes' own fetch reads it), the gate as its ``verify.started`` journaled it. Blocking (a worker's).
    A gate that cannot be read, or no source, is said not read: never within its line."""
    from warroom.sources.verify import VerifyError, journaled_gate, probe

    slos = list(slos)
    out = []
    last = last_said(state, now)
    for g in counted_gates(state, now):
        if said := lifted(state, g, now):       # ended on purpose: its measure is not read
            out.append(_now(state, g, now, lifted=said))
            continue
        value: float | None = None
        problem: str | None = "no metric source"
        gate = None
        if source is not None:
            try:
                gate = journaled_gate(g.started_data(), slos)
                value, problem = probe(gate, source, at)
            except (VerifyError, WarroomError, OSError) as exc:
                value, problem = None, str(exc)
        read = gate is not None and value is not None and not math.isnan(value)
        past = (not gate.holds(value)) if read and gate is not None and value is not None else None
        line = last.get(g.seq) if g.seq is not None else None      # past now, and journaled so: since its crossing
        crossed = line["at"] if past and line is not None and line["kind"] == RELAPSED and line["at"] < now else None
        out.append(_now(state, g, now, value=gate.show(value) if read and gate is not None else None, past=past,
                        problem=None if read else (problem or "no value"), crossed=crossed))
    return tuple(out)


def holding(state: IncidentState, at: datetime, readings: Sequence[Any] | None = None,
            gates: Sequence[GateNow] | None = None) -> Holding | None:
    """Whether the mitigation holds at ``at``; None when nothing was mitigated or the incident is
    resolved. ``readings``: the panes' ``SloReading``s at ``at`` (the value now beside a breach
    again); ``gates``: :func:`read_gates` at ``at``. Without ``gates`` each counted gate is said
    not read (a look that did not read the measure does not know it holds)."""
    mit = _mitigated(state)
    if mit is None or state.resolved:
        return None
    shown = {r.slo.id: r for r in readings or ()}
    again = []
    for b in breached_again(state, at):
        r = shown.get(b["slo_id"])
        now = format_reading(r.value, r.slo) if r is not None and r.state in _NOW and r.value is not None else None
        again.append(Again(b["slo_id"], b["title"], b["at"], int(b["seq"]), _stated(b), now,
                           lift_words(b, now) if b.get("lifted") else ""))
    if gates is None:
        gates = tuple(_now(state, g, at, problem="its measure was not read", lifted=lifted(state, g, at))
                      for g in counted_gates(state, at))
    return Holding(at=at, mitigated_at=mit[0], how=mit[2], again=tuple(again), gates=tuple(gates))
