"""A relapse only a gate's measure shows, journaled when a look first sees it (attack51 A3's other half).

The mitigation relapsed when a pane breached again (journaled by the metric watch) or a counted gate's own measure
is past its line now (``relapse.read_gates``, read by the header, ``show`` and the brief). The second was read live
only: ``incident list`` and the resume offer, which read many incidents from their journals alone
(``status_said``), kept saying "mitigated" of rate-limit's routing undone by hand after the milestone's gate passed,
while the header said RELAPSED. So the watcher that keeps the journal in step with the world (``MetricWatch.sync``:
the dashboard's poll, each CLI command) reads each counted gate's measure too and journals what it sees change:
``gate.relapsed`` the first time the measure is past its line, ``gate.recovered`` when it is back within it (or the
containment it confirms was lifted), each once per change of that pass (:func:`due`, judged on the journal's last
line about it under a conditional append: two watchers, or a restart, never write it twice). Every view that reads
the journal alone takes the open ones (``relapse.journaled``) as the gate readings it has. A journal without these lines
reads as before: nothing is inferred from their absence.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.incident.records import _ts
from warroom.journal import events as ev
from warroom.journal.log import Event
from warroom.sources.evidence import iso

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState

RELAPSED, RECOVERED = "relapsed", "recovered"


def _seen(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    """Kept with the state (``gate_relapses``) and told on the timeline at the instant read."""
    kind = RELAPSED if e.type == ev.GATE_RELAPSED else RECOVERED
    at = _ts(d.get("at")) or e.ts
    passed = d.get("passed_seq")
    s.gate_relapses.append({"seq": e.seq, "at": at, "kind": kind, "passed_seq": passed if isinstance(passed, int)
                            and not isinstance(passed, bool) else None, **{k: d.get(k) for k in _WORDS}})
    what = str(d.get("what") or d.get("title") or d.get("step_id") or "its measure")
    whose = f"the verify gate of step {d.get('step') or d.get('step_id')}"
    if kind == RELAPSED:
        text = f"Mitigation did not hold: {whose} ({what}) read {d.get('value_text') or '?'}, past its line"
    elif d.get("lifted"):
        text = f"Mitigation's gate watched no more: {whose} ({what}) {d.get('lifted')}"
    else:
        text = f"Mitigation holds again: {whose} ({what}) read {d.get('value_text') or '?'}, back within its line"
    s._add_timeline(e, e.type, text, at=at)


_WORDS = ("step", "step_id", "runbook_id", "title", "wanted", "what", "value_text", "lifted")

HANDLERS = {ev.GATE_RELAPSED: _seen, ev.GATE_RECOVERED: _seen}


def last_said(state: IncidentState, at: datetime | None = None) -> dict[int, dict[str, Any]]:
    """The last line journaled about each pass (by its seq), by ``at`` when given (the instant it was read)."""
    out: dict[int, dict[str, Any]] = {}
    for r in sorted(state.gate_relapses, key=lambda r: int(r["seq"])):
        if r["passed_seq"] is not None and (at is None or r["at"] <= at):
            out[r["passed_seq"]] = r
    return out


def due(state: IncidentState, gates: Sequence[Any]) -> list[tuple[str, dict[str, Any]]]:
    """The lines a look's readings of the counted gates (``relapse.read_gates``) call for on ``state``: a gate read
    past its line whose pass has no open relapse, a gate read within it or lifted whose pass has one. A gate not read
    says nothing (not known is no change), nor does a reading made no later than the journal's last line about its
    pass (attack52 F3: two watchers, the slower one's reading made before the other's "recovered" landed after it
    and journaled a false, second relapse dated before the line it followed): the journal's lines about a pass are
    in the order of the instants read, and a watcher that lost the race, judging again on the journal that now holds
    the other's line (``MetricWatch.gates_once``), changes nothing with an older look. Nothing once resolved or
    while nothing is mitigated."""
    if state.resolved or state.phases.get("mitigated") is None:
        return []
    last = last_said(state)
    out: list[tuple[str, dict[str, Any]]] = []
    for g in gates:
        if g.seq is None:
            continue
        said = last.get(g.seq, {})
        read = iso(g.read_at.timestamp())       # the instant as a line holds it (ms), so one reading equals its line
        if said and (_ts(read) or g.read_at) <= said["at"]:
            continue
        open_ = said.get("kind") == RELAPSED
        data = {"step": g.step, "step_id": g.step_id, **({"runbook_id": g.runbook_id} if g.runbook_id else {}),
                "passed_seq": g.seq, "title": g.title, "wanted": g.wanted, "what": g.what, "at": read}
        if g.past and not open_:
            out.append((ev.GATE_RELAPSED, {**data, "value_text": g.value}))
        elif open_ and g.lifted:
            out.append((ev.GATE_RECOVERED, {**data, "lifted": g.lifted}))
        elif open_ and g.past is False:
            out.append((ev.GATE_RECOVERED, {**data, "value_text": g.value}))
    return out
