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
* a passed gate's own measure is past its line now, read at one moment
  (:func:`~warroom.incident.gate_reading.read_gates`: the gate as journaled, from the source the panes read, at the
  panes' instant).

A measure that could not be read is *not known* to hold (:attr:`Holding.unknown`): a source that is
down never reads as "held". A pane that was already critical when the gate passed and never recovered
(an hour's failure rate still holding the storm's failures) is no relapse: only a new breach is.

A containment the runbook itself ends is no relapse, and a lift is no all-clear: ``containment_lift`` says
why and how. A counted gate's measure is read by ``gate_reading``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.incident.containment_lift import (_contained, _graces, _held_back, _in_grace, _lifts, _stated,
                                               lift_words, still_harmed)
from warroom.incident.gate_reading import GateNow, _hms, _mitigated, _now, counted_gates, journaled, lifted
from warroom.incident.gate_relapse import RELAPSED
from warroom.units import format_reading

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState

#: the statuses that claim the mitigation: qualified whenever it did not hold
CLAIMS_MITIGATED = ("mitigated", "monitoring")
_NOW = ("ok", "warn", "crit")


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


def _after(state: IncidentState, at: datetime) -> list[dict[str, Any]]:
    """The journaled pane transitions dated after ``at``, in time order."""
    return [b for b in sorted(state.breaches, key=lambda b: (b["at"], b["seq"])) if b["at"] > at]



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
