"""The PIR's timeline and key moments: every journaled moment in time order (a step's start, end
and evidence merged into one row, a verify gate's opening folded into its result, exports and
summaries left out), each weighted so ``key_moments`` can pick the 10–15 that matter."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.incident import observer_seat
from warroom.incident.gates import run_gates
from warroom.incident.verify_events import opened_by
from warroom.incident.marks import TROUBLE_MARKS, describe_verdict, run_kind, run_state, run_verdict, run_word
from warroom.incident.records import PHASE_HOW
from warroom.incident.relapse import first_relapse, relapse_said
from warroom.incident.review.effects import history_cite, run_effect
from warroom.incident.md_text import Md, code
from warroom.incident.review.lines import NO_TIME, Line, TypedStep
from warroom.journal import events as ev

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState

KEY_MOMENTS_MAX = 15
KEY_MOMENTS_MIN = 10

_WEIGHTS = {
    ev.DECLARED: 100, ev.RESOLVED: 100, ev.REOPENED: 90, ev.SLO_BREACHED: 95, ev.SLO_RECOVERED: 85,
    ev.SEVERITY_CHANGED: 80, ev.ROLE_ASSIGNED: 75, ev.PHASE_MARKED: 88, ev.VERIFY_PASSED: 85,
    ev.VERIFY_FAILED: 85, ev.ALERT_SEEN: 60, ev.UPDATE_OVERDUE: 50, ev.STATUS_UPDATE: 40,
    ev.RUNBOOK_ATTACHED: 30, ev.STEP_SKIPPED: 35, ev.STEP_REFUSED: 35, ev.TIMELINE_ENTRY: 45,
    ev.STEP_TICKED: 20, ev.STEP_UNTICKED: 20, ev.STEP_DRY_RUN: 10, ev.APPROVAL_REQUESTED: 55, ev.APPROVAL_GRANTED: 70,
    ev.APPROVAL_REFUSED: 70, ev.APPROVAL_EXPIRED: 45, ev.APPROVAL_USED: 20, ev.HANDOFF_ACKNOWLEDGED: 70,
    ev.HANDOFF_REMINDER: 45, ev.DECISION_RECORDED: 88, ev.DECISION_OVERDUE: 50, ev.DECISION_AROSE: 60,
    ev.DECISION_LAPSED: 50, ev.ESCALATED: 65, ev.RUNBOOK_CLOSED: 70,
}
_NOTE_WEIGHTS = {"root-cause": 90, "impact": 55, "contributing": 40, "went-wrong": 30, "action": 25}
# a step's start and end are its run's one row; an untick stays: a tick shown without its withdrawal says a step
# was done that was not (redteam46 R1)
_LEFT_OUT = {ev.PIR_EXPORTED, ev.METRICS_SUMMARISED, ev.EVIDENCE, ev.VERIFY_STARTED, ev.STEP_STARTED,
             ev.STEP_FINISHED}


def _run_line(state: IncidentState, st: Any, run: Any, gate: str | None = None, section: str | None = None) -> Line:
    """A step run as one row: start, end, result and its evidence events; ``section``: its runbook section."""
    cites = [run.seq] + ([run.end_seq] if run.end_seq else [])
    if run.ended_at is None or run.mutating:
        cites += run.evidence_seqs
    cites += history_cite(state, run)
    kind = run_kind(run.mutating, section, phase=getattr(run, "phase", None))
    verdict = run_verdict(run)
    if run.status == "running":
        result = "still running"
    else:
        bits = [run_word(run.status, verdict, gate)]
        if run.exit_code is not None:
            bits.append(f"exit {run.exit_code}")
        if run.duration is not None:
            bits.append(stime.process_text(state, run.duration))
        if verdict is not None:
            bits.append(describe_verdict(verdict))
        result = ", ".join(bits)
    effect = run_effect(run, state.metric_summary, state.time_scale)
    text = f"{state.step_name(st.runbook_id, st.step or st.step_id, start=True)} ({st.label}, {kind}): {result}"
    if effect:
        text += f"; {effect}"
    weight = 20
    if run.mutating:
        weight = 78 if run.status == "ok" else 70
    if run_state(run, gate) in TROUBLE_MARKS:       # what the checklist marks as trouble
        weight = max(weight, 72)
    acted = "run.acted" if run.mutating and run.status == "ok" else "run.changes" if run.mutating else "run.read"
    return Line(text, tuple(c for c in cites if c), at=run.started_at, actor=run.actor, weight=weight,
                step=(st.runbook_id, st.step_id), kind=acted)


TYPED_MOVED = 89     # done in the drill shell and it moved a scenario pane: a key moment (as a marked milestone)
TYPED = 25           # done there and moved none: the full timeline's
TYPED_LATE = 5       # done there after the resolution: no part of the response, the lightest of the full timeline's


_ENV_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:=|-$)")


def setting(command: str) -> str:
    """What a command typed in the drill shell sets, so its typings are one story in Key Moments: ``kubectl set env``
    by its deployment and the variables it sets or unsets (turning the fallback on and off, spelled ``-n`` or
    ``--namespace``, names in either order, is one setting: attack47 Y6), any other command by its words."""
    try:
        words = shlex.split(command)
    except ValueError:
        return command
    if words[:3] != ["kubectl", "set", "env"]:
        return shlex.join(words)
    names = sorted({m.group(1) for w in words[3:] if (m := _ENV_NAME.match(w))})
    target = next((w.split("/", 1)[1] for w in words[3:] if "/" in w and not w.startswith("-")), "?")
    return f"env of {target}: {', '.join(names)}"


def _typed_line(a: Any) -> Line:
    """An action typed in the drill shell outside the runbook's steps (``drill_report.rows.ActionRow``, the
    drill report's "Done outside the runbook's steps"): what it did to the panes, by the simulator. Nothing
    journaled it, so it cites nothing and this record holds no output of it. One typed after the resolution
    (``ActionRow.late``) says so first, and when: no part of the response (attack46 X9)."""
    why = a.why.removesuffix(a.late).removesuffix("; ") if a.late else a.why
    effect = "; ".join(x for x in (a.change, why) if x)
    where = Md(f" {a.late.removeprefix('taken ')}, no part of the response") if a.late else \
        Md(", outside the runbook's steps")
    text = Md("Typed in the drill shell{}: {} ({}){} (not run through warroom: this record holds no output of it)"
              ).format(where, a.description, code(a.command), f": {effect}" if effect else "")
    return Line(text, (), at=datetime.fromtimestamp(a.at, UTC), actor="(drill shell)",
                weight=TYPED_LATE if a.late else TYPED_MOVED if a.moved else TYPED,
                again=None if a.late else setting(a.command),
                kind="typed.late" if a.late else "typed.moved" if a.moved else "typed")


def _typed_step_line(a: TypedStep) -> Line:
    """A step credited done by hand in the drill shell (``TypedStep``): when, and what its calls did to the panes."""
    did = []
    for row in a.actions:
        effect = "; ".join(x for x in (row.change, row.why) if x)
        did.append(Md("{} ({}){}").format(row.description, code(row.command), f": {effect}" if effect else ""))
    text = Md("{} ({}) {}{} (not run through warroom: this record holds no output of it)"
              ).format(a.name, a.label, a.state, Md(": ") + Md("; ").join(did) if did else "")
    return Line(text, (), at=datetime.fromtimestamp(a.at, UTC), actor="(drill shell)",
                weight=TYPED_MOVED if a.moved else TYPED,
                again=setting(a.actions[0].command) if a.actions else f"step: {a.name} ({a.label})",
                kind="typed.moved" if a.moved else "typed")


def timeline(state: IncidentState, now: datetime, typed: Sequence[Any] = (),
             sections: dict[tuple[str, str], str] | None = None) -> list[Line]:
    """Every journaled moment, in time order: a step's start/end/evidence merged into one row,
    a verify gate's opening folded into its result, exports and summaries left out; and ``typed``, what was
    done in the drill shell outside the runbook's steps and the steps credited done by hand there (``TypedStep``),
    (``pir.drill_shell``), which no journal event holds.
    ``sections``: (runbook id, step id) -> its runbook section, what a run that changes things is called by."""
    rows: list[Line] = [_typed_step_line(a) if isinstance(a, TypedStep) else _typed_line(a) for a in typed]
    notes = {n.seq: n for n in state.notes}
    seated = observer_seat.lines(state)
    for t in state.sorted_timeline():
        if t.kind in _LEFT_OUT:
            continue
        weight = _WEIGHTS.get(t.kind, 15)
        if t.kind == ev.NOTE and t.seq in notes:
            weight = _NOTE_WEIGHTS.get(notes[t.seq].tag, 15)
        if t.kind == ev.PHASE_MARKED and "Impact started" in t.text:
            weight = 96
        cites: tuple[int, ...] = (t.seq,)
        text = t.text
        if t.kind in (ev.VERIFY_PASSED, ev.VERIFY_FAILED, ev.VERIFY_SUPERSEDED):
            this = next((x for x in state.verifications if x.get("seq") == t.seq), {})
            opened = opened_by(state.verifications, this) if this else None      # its own start (attack42 A14)
            cites = (*((opened["seq"],) if opened is not None else ()), t.seq)
        if t.original is not None:
            cites = (*cites, *((t.corrected_seq,) if t.corrected_seq else ()))
        rows.append(Line(text, cites, at=t.at, actor=t.actor, weight=weight, corrected=t.original is not None,
                         step=t.step_key, checklist=t.step_key is not None, kind=t.kind,
                         seat=observer_seat.OBSERVER if t.seq in seated else ""))
    gates = run_gates(state, now)
    for st, run in state.commands_run():
        book = st.runbook_id or str((state.runbook or {}).get("id") or "")      # before runbook ids: the current
        rows.append(_run_line(state, st, run, gates.get(run.seq), (sections or {}).get((book, st.step_id))))
    for st in state.steps.values():       # a read-only seat's runs, said as its own, as its dry runs and refusals are
        rows += [Line(f"{state.step_name(st.runbook_id, st.step or st.step_id, start=True)} ({st.label}) "
                      f"{observer_seat.said_of(run)}", tuple(x for x in (run.seq, run.end_seq) if x),
                      at=run.started_at, actor=run.actor, kind="run.observed", seat=observer_seat.OBSERVER)
                 for run in st.observed]
    at, seq, how = state.phase_sources()["mitigated"]
    if at is not None and how == "recovered":   # mitigated by derivation (every breached SLO back): no event says it
        rows.append(Line(f"Mitigated: {PHASE_HOW[how]}", (seq,), at=at, weight=92, actor="(metric history)",
                         kind="mitigated"))
    if (again := first_relapse(state, now)) is not None:      # the mitigation did not hold: a key moment
        # what was typed in the drill shell since the mitigation that moved a pane: the change that undid it
        since = [a for a in typed if a.moved and at is not None and at.timestamp() <= a.at <= again["at"].timestamp()]
        after = f", after {since[-1].description} was typed in the drill shell at " \
                f"{datetime.fromtimestamp(since[-1].at, UTC):%H:%M:%S} UTC" if since else ""
        rows.append(Line(f"The mitigation did not hold: {relapse_said(state, now)}{after}", (int(again["seq"]),),
                         at=again["at"], weight=91, actor="(metric history)", kind="relapse"))
    return sorted(rows, key=lambda r: (r.at or NO_TIME, min(r.cites or (0,))))


def key_moments(rows: list[Line]) -> list[Line]:
    """The heaviest moments (at most 15; at least 10 when there are that many), in time order; a step
    shown is shown with its last run (``_last_runs``), a setting changed again and again in the drill shell by its
    first and last change (``_typed_ends``); of the response's story only (``story``)."""
    rows = _typed_ends(story(rows))
    ranked = sorted(rows, key=lambda r: (-r.weight, r.at or NO_TIME))
    chosen = [r for r in ranked if r.weight >= 50][:KEY_MOMENTS_MAX]
    if len(chosen) < KEY_MOMENTS_MIN:
        rest = [r for r in ranked if r not in chosen]
        chosen += rest[:KEY_MOMENTS_MIN - len(chosen)]
    return sorted(_last_runs(rows, chosen), key=lambda r: (r.at or NO_TIME, min(r.cites or (0,))))


def story(rows: list[Line]) -> list[Line]:
    """The response's own moments of ``rows``: none a read-only seat wrote (``Line.seat``, ``observer_seat.lines``),
    which the Full Timeline alone lists, each said as the observer's. What the PIR's Key Moments and the brief's "What
    happened" choose from."""
    return [r for r in rows if not r.seat]


def _typed_ends(rows: list[Line]) -> list[Line]:
    """``rows`` (in time order) with only the first and the last typing of each setting changed in the drill shell
    (``Line.again``: ``setting``), the last saying how many there were. Each typing that moved a pane weighs as a
    milestone, so a fallback switched on and off eight times took every Key Moment from the NO-GO, the severity change
    and the recoveries, and the typing that stood at the resolution fell past the fifteenth (fix47x): the first says
    when it began, the last what stood, the count that it went back and forth; the Full Timeline lists every one."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r.again is not None:
            groups.setdefault(r.again, []).append(i)
    middle = {i for ix in groups.values() for i in ix[1:-1]}
    out = []
    for i, r in enumerate(rows):
        if i in middle:
            continue
        ix = groups.get(r.again or "", ())
        if len(ix) > 1 and i == ix[-1]:
            # what stood outweighs the group's heaviest typing: one typed again that moved nothing (the fallback
            # was already on) is still the last word on it, and tied with the others it was the first the cut to
            # fifteen dropped (attack47 Y12: Key Moments ended on "removed" while the fallback stood enabled)
            r = replace(r, weight=max(rows[j].weight for j in ix) + 1)
        if len(ix) > 2 and i == ix[-1]:
            r = replace(r, text=r.text + Md(f" (the last of {len(ix)} changes typed in the drill shell to this"
                                                " setting; the Full Timeline lists each)"))
        out.append(r)
    return out


def _last_runs(rows: list[Line], chosen: list[Line]) -> list[Line]:
    """``chosen`` with the last run of every step it shows a run of (and the ticks, unticks and skips of a step
    after the first of its lines shown). A failed run weighs more than a
    passing one, so the re-run that met its expectation was left out and the failure stood as the
    step's last word (redteam39 F7: "status page … expectation NOT met", then the provider put back into
    routing; the re-run that read "none" 28 s later was not there). The lightest moments that are no
    step's runs make room (a moment no step's, or a step's one run shown: leaving it out leaves no
    stale word), so there are still at most 15 when any can be spared."""
    last = {r.step: r for r in rows if r.step is not None}          # ``rows`` are in time order
    owed = list(dict.fromkeys(last[r.step] for r in chosen if r.step is not None and last[r.step] not in chosen))
    # a tick shown brings what became of it: each later tick, untick or skip of its step (attack46 X5: Key Moments
    # said "Step 5 done" and left out its untick, the Full Timeline's rule broken in the PIR's summary)
    taken = {id(r) for r in (*chosen, *owed)}
    first: dict[tuple[str, str], int] = {}
    for i, r in enumerate(rows):
        if r.step is not None and id(r) in taken:
            first.setdefault(r.step, i)
    at = {id(r): i for i, r in enumerate(rows)}
    owed += [r for i, r in enumerate(rows) if r.checklist and r.step in first and i > first[r.step]
             and id(r) not in taken]
    owed.sort(key=lambda r: at[id(r)])
    if not owed:
        return chosen
    shown = [r.step for r in chosen]
    over = len(chosen) + len(owed) - KEY_MOMENTS_MAX
    spare = sorted((r for r in chosen if r.step is None or (shown.count(r.step) == 1 and last[r.step] is r)),
                   key=lambda r: r.weight)[:max(0, over)]
    return [r for r in chosen if r not in spare] + owed
