"""A relapse only a gate's measure shows, journaled when a look first sees it (attack51 A3's other half).

The mitigation relapsed when a pane breached again (journaled by the metric watch) or a counted gate's own measure
is past its line now (``gate_reading.read_gates``, read by the header, ``show`` and the brief). The second was read live
only: ``incident list`` and the resume offer, which read many incidents from their journals alone
(``status_said``), kept saying "mitigated" of rate-limit's routing undone by hand after the milestone's gate passed,
while the header said RELAPSED. So the watcher that keeps the journal in step with the world (``MetricWatch.sync``:
the dashboard's poll, each CLI command) reads each counted gate's measure too and journals what it sees change:
``gate.relapsed`` the first time the measure is past its line, ``gate.recovered`` when it is back within it (or the
containment it confirms was lifted), each once per change of that pass (:func:`due`, judged on the journal's last
line about it under a conditional append: two watchers, or a restart, never write it twice). Every view that reads
the journal alone takes the open ones (``gate_reading.journaled``) as the gate readings it has. A journal without
these lines reads as before: nothing is inferred from their absence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom.incident.records import _ts
from warroom.journal import events as ev
from warroom.journal.log import Event
from warroom.sources.evidence import iso

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState

RELAPSED, RECOVERED = "relapsed", "recovered"


class NotAsked(Exception):
    """A history read the look's asker declined to make, or cut short, for reasons of its own: ``incident list``'s
    time for reading gates ran out, or the source was found too slow for history looking at another incident
    (``cli.sources_down.AskedOnce``). Not the history unreadable: it is no ``QueryError`` (``verify.crossed`` and
    ``verify.flaps`` take those for "no crossing read" silently), so the look knows it and says why the line it
    journals is dated at the look (attack55 F1). ``whose``: what declined it, as the asker names it (its source, or its
    budget)."""

    def __init__(self, why: str, whose: str) -> None:
        super().__init__(why)
        self.whose = whose


@dataclass(frozen=True)
class NotRead:
    """A line's history a look did not read (:class:`NotAsked`). The line is journaled all the same, dated at the look
    as one whose history could not be read (``seen_at`` absent): what a look read is never lost (attack56 A1: held
    back "for the next look", a relapse the list had shown was in no journal once the measure came back before it;
    A7: a slow source declined the same read on every list, and no list ever journaled), and the look says why."""

    why: str
    whose: str
    what: str                             # what was not read, as the list says it

    @classmethod
    def of(cls, exc: NotAsked, what: str) -> NotRead:
        return cls(str(exc), exc.whose, what)


def _seen(s: IncidentState, e: Event, d: dict[str, Any]) -> None:
    """Kept with the state (``gate_relapses``) and told on the timeline at the instant the measure crossed its line
    (``at``; a line without ``seen_at``, an older warroom's, was dated at the look that read it)."""
    kind = RELAPSED if e.type == ev.GATE_RELAPSED else RECOVERED
    at = _ts(d.get("at")) or e.ts
    seen = _ts(d.get("seen_at")) or at
    passed = d.get("passed_seq")
    s.gate_relapses.append({"seq": e.seq, "at": at, "seen": seen, "kind": kind,
                            "passed_seq": passed if isinstance(passed, int) and not isinstance(passed, bool) else None,
                            **{k: d.get(k) for k in _WORDS}})
    what = str(d.get("what") or d.get("title") or d.get("step_id") or "its measure")
    whose = f"the verify gate of step {d.get('step') or d.get('step_id')}"
    then = d.get("crossed_text") or d.get("value_text") or "?"
    later = f" (seen at {seen.astimezone(UTC):%H:%M:%S} UTC, reading {d.get('value_text') or '?'})" \
        if seen > at else " (when a look read it: when it crossed its line was not read)"     # attack53 A5
    if kind == RELAPSED:
        text = f"Mitigation did not hold: {whose} ({what}) read {then}, past its line{later}"
    elif d.get("lifted"):
        text = f"Mitigation's gate watched no more: {whose} ({what}) {d.get('lifted')}"
    else:
        text = f"Mitigation holds again: {whose} ({what}) read {then}, back within its line{later}"
    s._add_timeline(e, e.type, text, at=at)


_WORDS = ("step", "step_id", "runbook_id", "title", "wanted", "what", "value_text", "crossed_text", "lifted")

HANDLERS = {ev.GATE_RELAPSED: _seen, ev.GATE_RECOVERED: _seen}


def last_said(state: IncidentState, at: datetime | None = None) -> dict[int, dict[str, Any]]:
    """The last line journaled about each pass (by its seq), by ``at`` when given (the line's date: when the measure
    crossed its line, or the look that read it for a line that does not say)."""
    out: dict[int, dict[str, Any]] = {}
    for r in sorted(state.gate_relapses, key=lambda r: int(r["seq"])):
        if r["passed_seq"] is not None and (at is None or r["at"] <= at):
            out[r["passed_seq"]] = r
    return out


#: a line's crossing by (the seq of its pass, the line's type): when the measure crossed its line and its value then,
#: as the gate words it, or why its history was not read (:func:`crossings`)
Crossings = Mapping[tuple[int, str], tuple[datetime, str] | NotRead]


def due(state: IncidentState, gates: Sequence[Any],
        crossed: Crossings | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The lines a look's readings of the counted gates (``gate_reading.read_gates``) call for on ``state``: a gate read
    past its line whose pass has no open relapse, a gate read within it or lifted whose pass has one. A gate not read
    says nothing (not known is no change), nor does a reading made no later than the journal's last line about its
    pass was seen (attack52 F3: two watchers, the slower one's reading made before the other's "recovered" landed
    after it and journaled a false, second relapse dated before the line it followed): the journal's lines about a
    pass are in the order of the looks that saw them, and a watcher that lost the race, judging again on the journal
    that now holds the other's line (``MetricWatch.gates_once``), changes nothing with an older look. Nothing once
    resolved or while nothing is mitigated. A line is dated when the measure crossed its line (``crossed``, the
    metric history's: :func:`crossings`), with the look that saw it beside (``seen_at``; attack52 F6: a relapse was
    dated at the first look, twenty drill minutes late at x60), else at the look, as is a line whose history the
    look's asker declined (:class:`NotRead`: what a look read is journaled, attack56 A1/A7)."""
    if state.resolved or state.phases.get("mitigated") is None:
        return []
    last = last_said(state)
    out: list[tuple[str, dict[str, Any]]] = []
    for g in gates:
        if g.seq is None:
            continue
        said = last.get(g.seq, {})
        read = iso(g.read_at.timestamp())       # the instant as a line holds it (ms), so one reading equals its line
        if said and (_ts(read) or g.read_at) <= said["seen"]:
            continue
        open_ = said.get("kind") == RELAPSED
        data = {"step": g.step, "step_id": g.step_id, **({"runbook_id": g.runbook_id} if g.runbook_id else {}),
                "passed_seq": g.seq, "title": g.title, "wanted": g.wanted, "what": g.what, "at": read}
        if g.past and not open_:
            type_ = ev.GATE_RELAPSED
        elif open_ and g.lifted:
            out.append((ev.GATE_RECOVERED, {**data, "lifted": g.lifted}))
            continue
        elif open_ and g.past is False:
            type_ = ev.GATE_RECOVERED
        else:
            continue
        out.append(_dated(type_, {**data, "value_text": g.value}, crossed))
    return out


def _dated(type_: str, data: dict[str, Any], crossed: Crossings | None) -> tuple[str, dict[str, Any]]:
    """A line ``data`` (dated at its look) dated at its crossing when one is known before the look, the look kept
    beside (``seen_at``) with the value the crossing read (``crossed_text``)."""
    look = data["at"]
    when = (crossed or {}).get((data["passed_seq"], type_))
    if when is None or isinstance(when, NotRead) or when[0] >= (_ts(look) or when[0]):
        return type_, data
    return type_, {**data, "at": iso(when[0].timestamp()), "seen_at": look, "crossed_text": when[1]}


def _gate_of(passed: Any, slos: Sequence[Any]) -> Any | None:
    """The verify gate a journaled pass (``passed``: its gate.started line's) was judged by, or None when it no longer
    reads (its SLO gone, its query refused): that pass's lines are then not dated by the history."""
    from warroom.errors import WarroomError
    from warroom.sources.verify import VerifyError, journaled_gate

    try:
        return journaled_gate(passed.started_data(), slos)
    except (VerifyError, WarroomError):
        return None


#: the most stretches past the line and back one look journals before the relapse it reads now (:func:`earlier`)
FLAPS = 5


def earlier(state: IncidentState, lines: Sequence[tuple[str, dict[str, Any]]], counted: Sequence[Any], source: Any,
            slos: Sequence[Any], speed: float = 1.0) -> dict[int, list[tuple[str, dict[str, Any]]] | NotRead]:
    """The lines a relapse line a look journals (``lines``: :func:`due`'s, dated) leaves unsaid, by the seq of its pass:
    each stretch the gate's history read past its line and back within it between the journal's last line about the
    pass (or the pass) and the crossing the line is dated at (``verify.flaps``), as a ``gate.relapsed`` and a
    ``gate.recovered`` dated when they happened, with the look beside (``seen_at``): attack53 A1, the routing undone,
    put back and undone again between two looks was one line dated at the last crossing, and the PIR's "relapsed at"
    said the mitigation held until then. The first ``FLAPS``; none when the line was not dated by the history;
    :class:`NotRead` when the look's asker declined the read (:class:`NotAsked`): the relapse line is journaled all the
    same (what the look read is never lost, attack56 A1), what came before it unsaid, and the look says so."""
    from warroom.sources.verify import flaps

    passes = {g.seq: g for g in counted}
    last = last_said(state)
    out: dict[int, list[tuple[str, dict[str, Any]]] | NotRead] = {}
    for type_, data in lines:
        then, look, crossed = passes.get(data["passed_seq"]), data.get("seen_at"), _ts(data["at"])
        if type_ != ev.GATE_RELAPSED or then is None or look is None or crossed is None:
            continue
        since = max(t for t in (state.phases.get("mitigated"), then.at,
                                last.get(data["passed_seq"], {}).get("at")) if t is not None)
        if (gate := _gate_of(then, slos)) is None:
            continue
        base = {k: v for k, v in data.items() if k not in ("at", "crossed_text")}     # the look's reading kept
        try:
            stretches = flaps(gate, source, since.timestamp(), crossed.timestamp(), speed=speed)[:FLAPS]
        except NotAsked as exc:
            out[data["passed_seq"]] = NotRead.of(exc, "what came before the relapse read")
            continue
        said: list[tuple[str, dict[str, Any]]] = []
        for began, value, back, within in stretches:
            said += [(ev.GATE_RELAPSED, {**base, "at": iso(began), "crossed_text": gate.show(value)}),
                     (ev.GATE_RECOVERED, {**base, "at": iso(back), "crossed_text": gate.show(within)})]
        if said:
            out[data["passed_seq"]] = said
    return out


def back_since(state: IncidentState, line: dict[str, Any], read_at: datetime, counted: Sequence[Any], source: Any,
               slos: Sequence[Any], until: float, speed: float = 1.0) -> dict[str, Any] | None:
    """A ``gate.recovered`` for the relapse ``line`` a look just journaled from a reading made at ``read_at``, when the
    gate's history says the measure came back within its line between that reading and ``until`` (unix: the append's
    moment), dated when it did, seen at ``until``; else None. A slow look (its range reads outlasting another's whole
    look, which saw the measure within and journaled nothing) landed an open relapse the world had left behind
    (attack53 A11): the journal then says both, each when it happened. Raises :class:`NotAsked` when the look's
    asker declined the read (``MetricWatch._stale`` says so)."""
    from warroom.sources.verify import crossed

    then = next((g for g in counted if g.seq == line.get("passed_seq")), None)
    if then is None or source is None:
        return None
    if (gate := _gate_of(then, slos)) is None:
        return None
    found = crossed(gate, source, read_at.timestamp(), until, past=False, speed=speed)
    if found is None:
        return None
    keep = ("step", "step_id", "runbook_id", "passed_seq", "title", "wanted", "what")
    return {**{k: line[k] for k in keep if k in line}, "at": iso(found[0]), "seen_at": iso(until),
            "value_text": gate.show(found[1]), "crossed_text": gate.show(found[1])}


def dated(gates: Sequence[Any], crossed: Crossings) -> tuple[Any, ...]:
    """``gates`` (``gate_reading.read_gates``) with the crossing of each one read past its line that the history gave
    (:func:`crossings`) and the journal did not (``GateNow.crossed``): what a seat that journals nothing says of when
    the relapse began, the moment a writing seat journals (attack53 A4: a read-only ``incident list`` said "RELAPSED
    since" the look, the writing one the crossing nine seconds before)."""
    from dataclasses import replace

    out = []
    for g in gates:
        when = crossed.get((g.seq, ev.GATE_RELAPSED)) if g.past and g.crossed is None and g.seq is not None else None
        out.append(replace(g, crossed=when[0]) if isinstance(when, tuple) and when[0] < g.read_at else g)
    return tuple(out)


def crossings(state: IncidentState, gates: Sequence[Any], counted: Sequence[Any], source: Any, slos: Sequence[Any],
              speed: float = 1.0) -> dict[tuple[int, str], tuple[datetime, str] | NotRead]:
    """When each line a look's readings call for (:func:`due`) happened: the first instant of the measure's stretch
    past its line (a relapse) or back within it (a recovery) that the look read, in the gate's own metric history
    (``verify.crossed``), after the mitigated milestone, the pass's confirmation and the journal's last line about the
    pass. Blocking (range reads: a watcher's, outside the incident's lock); only for lines due, so a look that
    changes nothing reads no history. ``counted``: the passes ``gates`` read (``gate_reading.counted_gates``), whose
    ``verify.started`` says what to read. A gate lifted, or a history that cannot be read, gives none (dated at the
    look); a history read the look's asker declined (:class:`NotAsked`) gives :class:`NotRead`: its line is dated at
    the look too, and the look says why."""
    from warroom.sources.verify import crossed

    lines = due(state, gates)
    if not lines or source is None:
        return {}
    read = {g.seq: g for g in gates if g.seq is not None}
    passes = {g.seq: g for g in counted}
    last = last_said(state)
    out: dict[tuple[int, str], tuple[datetime, str] | NotRead] = {}
    for type_, data in lines:
        seq = data["passed_seq"]
        now, then = read.get(seq), passes.get(seq)
        if data.get("lifted") or now is None or then is None:
            continue
        since = max(t for t in (state.phases.get("mitigated"), now.passed_at, last.get(seq, {}).get("at"))
                    if t is not None)
        if (gate := _gate_of(then, slos)) is None:
            continue
        try:
            found = crossed(gate, source, since.timestamp(), now.read_at.timestamp(), past=type_ == ev.GATE_RELAPSED,
                            speed=speed)
        except NotAsked as exc:
            out[(seq, type_)] = NotRead.of(exc, "when what was read began (journaled as read at the look)")
            continue
        if found is not None:
            out[(seq, type_)] = (datetime.fromtimestamp(found[0], UTC), gate.show(found[1]))
    return out
