"""A counted passed gate's measure now: which passes count, whether a containment's lift ended the watch, and the
measure read from a source at one moment or as a look journaled it (:class:`GateNow`).

Its own module because the watcher that journals a gate's relapse (``metric_watch``), ``incident show``, the header
and the brief all read gates this one way, and ``relapse.holding`` words them beside the panes: one rule, whichever
view asks. Why a lifted containment's measure is watched no more: ``containment_lift``'s docstring.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom.errors import WarroomError
from warroom.incident.gate_relapse import RELAPSED, last_said
from warroom.incident.gates import GateState, gate_states

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


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



def _mitigated(state: IncidentState) -> tuple[datetime, int | None, str] | None:
    at, seq, how = state.phase_sources()["mitigated"]
    return None if at is None else (at, seq, how)



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
    its measure is still watched. ``containment_lift``'s docstring says why."""
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
