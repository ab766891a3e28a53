"""``warroom incident show`` and ``list``: the incident as text for a terminal or a script.

The text view is long and changes for reasons of its own (what a reader needs at 3 a.m.), so it
lives apart from the subcommands that change the incident.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.journal import numbers
from warroom.cli.common import out
from warroom.cli.incident_args import _hms, _open, _reconcile, _store, _when
from warroom.incident import observer_seat, progress
from warroom.incident.closing import closed_now, closure_of
from warroom.incident.go_opened import reversal
from warroom.incident.gates import GateState, gate_states
from warroom.incident.jsonview import state_to_json
from warroom import scenario_time as stime
from warroom.errors import WarroomError
from warroom.incident.marks import STEP_MARKS, describe_verdict, run_verdict
from warroom.incident.session import Incident
from warroom.incident.state import IncidentState
from warroom.incident.status_said import StatusSaid, status_said
from warroom.incident.verdicts import of_state
from warroom.paths import command, id_neighbour, is_drills_store, store_option

if TYPE_CHECKING:   # imported where the list runs, as this module's other uses of incident_metrics are
    from warroom.cli.sources_down import SourcesDown


def _state(shown: str, step: Any = None) -> str:
    """The step's state as its checklist row shows it (``progress.of_runbook``, the one rule: ``unmet`` for a run
    that exited 0 without giving what the runbook expected, ``unverified`` for a failed gate, ``not_needed`` for one
    never begun in a runbook branch that did not apply, ``fulfilled`` for an item nobody ticked that the journal shows
    done), with ``manual`` for an item to tick: one rule for the text's mark and ``--json``'s ``state``."""
    if shown == "pending" and step is not None and step.kind == "manual" and not step.runnable:
        return "manual"   # a checklist item to tick, as the dashboard shows it
    return shown


def _mark(shown: str, step: Any = None) -> str:
    """The step's mark in the dashboard's vocabulary (``warroom.incident.marks``): the same
    state, icon and word as the checklist line, e.g. ``≠ [UNMET]`` for a run that exited 0
    without giving what the runbook expected, ``⊠ [VERIFY-FAIL]`` for one whose gate failed."""
    mark = STEP_MARKS.get(_state(shown, step))
    return f"{mark.icon} {mark.ascii}" if mark is not None else "? [?]"


def cmd_list(args: argparse.Namespace) -> int:
    from warroom.cli.sources_down import SourcesDown

    _, store = _store(args)
    states = store.open_incidents() if args.open else store.list()
    down = SourcesDown()    # a source this list found unreachable is not asked again for the next incident (A2)
    if args.json:      # each incident on its own clock: a drill's may be pinned, a real one's never
        looked = _looked(store, states, down)
        out(numbers.dumps([state_to_json(s, stime.utcnow_of(s)) | _relapse_json(*looked[id(s)]) for s in states],
                          indent=2))
        return 0
    # the neighbour store, listed after under its own heading: a dashboard drill's incidents live
    # apart (<state dir>/drills); given that drills' store, its state dir's incidents (one id sequence)
    other = id_neighbour(store.state_dir)
    beside = None if store.shared is not None or not (other / "incidents").is_dir() else \
        type(store)(other, store.config)
    listed = (beside.open_incidents() if args.open else beside.list()) if beside is not None else []
    if not states and not listed:
        out("no open incidents" if args.open else f"no incidents in {store.root}")
        return 0
    kind = "incidents" if is_drills_store(store.state_dir) else "drill incidents"
    # the status as the header says it, the relapse with it (``status_said``; redteam51 R8: "mitigated" beside a
    # header's "MITIGATED · RELAPSED"), a mitigation's gates looked at first (``_looked``, attack52 F6)
    looked = {**_looked(store, states, down), **_looked(beside, listed, down)}
    said = {k: _words(*v) for k, v in looked.items()}
    width = max([13, *(len(w) for w in said.values())])
    for head, group in ((None, states), (beside, listed)):
        if head is not None and group:
            out(f"{kind} in {head.state_dir} (`{command('resume', 'ID', '--state-dir', str(head.state_dir))}`):")
        for s in group:
            rb = (s.runbook or {}).get("id") or "-"
            drill = " [DRILL]" if s.drill else ""
            drill += "  [journal damaged]" if any("torn" not in w for w in s.journal_issues) else ""
            out(f"{s.id:<18} {s.severity:<3} {said[id(s)]:<{width}}"
                f" {stime.text(s, s.elapsed(stime.utcnow_of(s)), wall=False):>7}  {rb:<14} {s.title}{drill}")
    for s in (*states, *listed):
        for why in looked[id(s)][1]:
            if (s.id, why) not in down.folded:      # a source found down: said once, below, for all it left
                print(f"warning: {s.id}: {why}: its status is the journal's, not checked now", file=sys.stderr)
    for line in down.warnings():
        print(f"warning: {line}", file=sys.stderr)
    return 0


def _looked(store: Any, states: list[IncidentState], down: SourcesDown) -> dict[int, tuple[StatusSaid, list[str]]]:
    """Each incident's status as the list says it, by ``id`` of its state, with why a gate was not read: one that
    claims its mitigation on a counted gate is looked at first (``incident_metrics.listed_status``: attack52 F6, the
    list said "mitigated" of a gate's measure past its line until another command looked), the others from the
    journal alone (``status_said``). ``down``: the list's ``SourcesDown``, one for all its looks."""
    from warroom.incident.gate_reading import counted_gates
    from warroom.incident.relapse import CLAIMS_MITIGATED

    out: dict[int, tuple[StatusSaid, list[str]]] = {}
    for s in states:
        now = stime.utcnow_of(s)
        if s.status in CLAIMS_MITIGATED and not s.resolved and s.phases.get("mitigated") is not None \
                and counted_gates(s, now):
            from warroom.cli.incident_metrics import listed_status

            try:
                out[id(s)] = listed_status(store.open(s.id), down)
            except WarroomError as exc:
                out[id(s)] = (status_said(s, now), [f"its gates were not looked at: {exc}"])
        else:
            out[id(s)] = (status_said(s, now), [])
    return out


def _words(said: StatusSaid, why: list[str]) -> str:
    """``mitigated · RELAPSED since 20:24:21``, ``mitigated · NOT CHECKED`` (a gate of the mitigation not read now:
    the journal's word is not an all-clear), else the status."""
    return said.text() + (" · NOT CHECKED" if why and said.since is None else "")


def _relapse_json(said: StatusSaid, why: list[str]) -> dict[str, Any]:
    """``relapsed``: the relapse the text's status carries (``status_said``; ``since_is``: ``crossed`` when it began,
    ``seen`` when only a look's moment is known), else None; ``not_checked``: why a mitigation's gate was not read now
    (None: all read, or none to read)."""
    return {"relapsed": {"since": said.since.isoformat(), "words": said.words, "since_is": "seen" if said.seen else
                         "crossed"} if said.since is not None else None,
            "not_checked": why or None}


def _now(inc: Incident) -> datetime:
    """What ``show`` judges at: the incident's own clock (a drill's may be pinned, never before the
    drill began: ``Incident.own_clock``), not a clock of the process's."""
    return inc.clock()


def cmd_show(args: argparse.Namespace) -> int:
    from warroom.cli.incident_metrics import sync

    inc = _open(args)
    _reconcile(inc)
    if not inc.state.resolved:
        sync(inc)
    st = inc.state
    now = _now(inc)
    held = _holding(inc, st, now)
    for issue in st.journal_issues:
        print(f"warning: {inc.id}: {issue} (`{command('incident', 'verify', inc.id, *store_option(inc.dir))}`)",
              file=sys.stderr)
    if args.json:
        data = state_to_json(st, now)
        typed = inc.typed_by_hand(now)
        data["checklist"] = _checklist(inc, st, now, typed)
        # each runbook open beside with its own checklist, counted by the same rule (attack47 Y13)
        data["beside"] = [ref | {"checklist": _checklist(inc, st, now, typed, str(ref.get("id") or ""))}
                          for ref in st.beside]
        data["holding"] = held.to_json() if held is not None else None    # whether the mitigation held
        data["verify_gates"] = [g.to_json() | {"window_ended": ended.isoformat() if (ended := g.window_ended(now)) else None}
                                for g in gate_states(st, now).values()]     # pending, but nobody watches it
        try:
            book = inc.runbook()
        except WarroomError:
            book = None
        from warroom.incident.decisions import standing

        data["decisions"] = [{k: v for k, v in view.to_json().items() if k not in ("criteria", "suggestion")}
                             for view in standing(book, st, now)]
        data["decisions_recorded"] = [{k: v for k, v in d.items() if k != "at"} | {"at": d["at"].isoformat()}
                                      for d in st.decisions if hasattr(d.get("at"), "isoformat")]
        out(numbers.dumps(data, indent=2, ensure_ascii=False))
        return 0
    for line in render_show(inc, st, now, held=held):
        out(line)
    if inc.shared:
        out("")
        out(_shared_line(inc))
    return 0


def _shared_line(inc: Incident) -> str:
    """Where a shared incident lives and who has it open now (their dashboards' presence)."""
    from warroom.shared.db import SharedStoreDown

    journal: Any = inc.journal
    try:
        here = journal.store.presence(inc.id, 3 * inc.config.shared.presence_every)
    except SharedStoreDown as exc:
        return f"Shared store {journal.where}: {exc}"
    people = ", ".join(f"{who}" + (f" ({step})" if step else "") for who, step, _age in here)
    return f"Shared store {journal.where}; open now: {people or 'nobody else'}"


def _checklist(inc: Incident, st: IncidentState, now: datetime, typed: dict[tuple[str, str], Any] | None = None,
               runbook_id: str | None = None) -> list[dict[str, Any]]:
    """Every step of the runbook snapshot (``runbook_id``: the open runbook beside it) with where it stands at ``now``
    (pending included; ``typed``: the drill shell's credits, ``Incident.typed_by_hand``), each row naming its
    runbook."""
    try:
        book = inc.runbook(runbook_id)
    except WarroomError:
        return []
    if book is None:
        return []
    rows = []
    gates = gate_states(st, now)
    shown = progress.of_runbook(st, book, inc.config, now, gates, inc.typed_by_hand(now) if typed is None else typed)
    for step in book.steps:
        s = st.steps.get((book.id, step.id))
        gate = gates.get((book.id, step.id))
        by = shown[step.id].fulfilment
        rows.append({"runbook": book.id,
                     "verify": gate.shown if gate is not None else None,    # "held before": a pass proving nothing
                     "step": step.number, "step_id": step.id, "label": step.label, "kind": step.kind,
                     "section": step.section, "status": s.status if s else "pending",
                     "state": _state(shown[step.id].state, step),   # as the checklist
                     "fulfilled_by": by.shown if by is not None else None,
                     "by_hand": shown[step.id].by_hand or None,     # its credit in the drill shell, as the report's
                     "observed": shown[step.id].observed or None,   # a read-only seat's run of it: not the step's
                     "mutating": step.mutating, "command": step.command})
    return rows


def _holding(inc: Incident, st: IncidentState, now: datetime) -> Any:
    """Whether the mitigation holds now (``relapse.holding``), the panes and each passed gate's
    measure read once; None while nothing is mitigated or once resolved."""
    from warroom.cli.incident_metrics import panes_now
    from warroom.incident.relapse import holding

    if st.resolved or st.phases.get("mitigated") is None:
        return None
    readings, gates = panes_now(inc)
    return holding(inc.state, now, readings, gates)


def render_show(inc: Incident, st: IncidentState, now: datetime, *, held: Any = None) -> list[str]:
    """``held``: whether the mitigation holds now (``relapse.Holding``; None: not read), said in the
    status and beside each passed gate (``passed at 1.24% at 03:31:24 · now 99.8%, past < 10%``)."""
    lines = []
    drill = "  [DRILL]" if st.drill else ""
    status = held.status_words(st.status) if held is not None else st.status.upper()
    lines.append(f"{st.id}  {st.severity}  {status}  {st.title}{drill}")
    lines.append(f"declared {_when(st.declared_at)} by {st.declared_by}; commander {st.commander}")
    if st.runbook:
        lines.append(f"runbook {st.runbook.get('id')} — {st.runbook.get('title')}"
                     f" (snapshot {st.runbook.get('snapshot', 'runbook.md')})")
    esc = st.escalation_tier(now)
    clock = f"elapsed {stime.text(st, st.elapsed(now))}"
    if st.time_scale != 1.0:
        clock += f" at ×{st.time_scale:g}"
    if st.phases.get("started") and st.phases["started"] != st.clock_start:
        clock += f" (impact {stime.text(st, st.impact_duration(now), wall=False)})"
    if st.resolved:
        lines.append(f"{clock}; resolved {_when(st.resolved_at)}")
    else:
        due = st.next_update_due(now, inc.update_every_of)
        upd = ""
        if due is not None:
            left = stime.left(st, due, now)
            upd = (f"; next status update due {_hms(due)} UTC (in {stime.of_scenario(st, left).text(wall=False)})"
                   if left >= 0 else f"; status update OVERDUE by {stime.of_scenario(st, -left).text(wall=False)}")
        lines.append(f"{clock}; escalation tier {esc.tier}: {esc.label} ({esc.action}){upd}")
    lines.extend(_people(inc, st, now))
    lines.append("")
    lines.append("Steps:")
    try:
        book = inc.runbook()
    except WarroomError as exc:
        book = None
        lines.append(f"  (runbook snapshot unavailable: {exc})")
    known: set[tuple[str, str]] = set()
    gates = gate_states(st, now)
    current = str((st.runbook or {}).get("id") or "")
    rows: list[tuple[str, str, str]] = []
    typed = inc.typed_by_hand(now)       # the drill shell's credits: one count with the report's path (attack47 Y4)
    if book is not None:
        shown = progress.of_runbook(st, book, inc.config, now, gates, typed)
        for step in book.steps:
            s = st.steps.get(step.id)
            known.add((current, step.id))
            done = shown[step.id].fulfilment
            by = f" ({shown[step.id].by_hand})" if shown[step.id].by_hand else (
                f" ({done.shown})" if done is not None and s is None else "")
            rows.append((_mark(shown[step.id].state, step),
                         f"{step.number:>3}",
                         f"{step.label}{by}{_step_detail(s, gates.get((current, step.id)), now, st, held)}"))
    # Runbooks a GO opened beside the current one: worked next to it, every step listed (as
    # the dashboard's second checklist), run with ``--runbook ID``.
    beside: list[tuple[str, list[tuple[str, str, str]]]] = []
    for ref in st.beside:
        rb_id = str(ref.get("id") or "")
        opened = ref.get("opened_by") if isinstance(ref.get("opened_by"), dict) else {}
        head = (f"Open beside it: {rb_id}" + (f" — {ref.get('title')}" if ref.get("title") else "")
                + (f" (opened by the GO on {opened.get('decision')}, seq {opened.get('seq')}"
                   + (f"; the GO was reversed: {undone}" if (undone := reversal(st, opened)) else "") + ")"
                   if opened else "")
                + f"; its steps: --runbook {rb_id}")
        try:
            other = inc.runbook(rb_id)
        except WarroomError as exc:
            beside.append((head, [("", "", f"(runbook snapshot unavailable: {exc})")]))
            continue
        brows = []
        shown = progress.of_runbook(st, other, inc.config, now, gates, typed)
        for step in other.steps if other is not None else []:
            key = (rb_id, step.id)
            known.add(key)
            hand = f" ({shown[step.id].by_hand})" if shown[step.id].by_hand else ""
            brows.append((_mark(shown[step.id].state, step),
                          f"{step.number:>3}",
                          f"{step.label}{hand}{_step_detail(st.steps.get(key), gates.get(key), now, st, held)}"))
        beside.append((head, brows))
    earlier: dict[str, list[tuple[str, str, str]]] = {}
    for s in st.step_list():
        key = (s.runbook_id, s.step_id)
        if key in known:
            continue
        row = (_mark(progress.shown(s, gates.get(key))), f"{s.step if s.step is not None else '?':>3}",
               f"{s.label}{_step_detail(s, gates.get(key), now, st, held)}")
        if s.runbook_id and s.runbook_id != current:
            earlier.setdefault(s.runbook_id, []).append(row)
        else:
            rows.append(row)
    if not rows:
        lines.append("  (no runbook steps)")
    for mark, num, text in rows:
        lines.append(f"  {mark:<11} {num}  {text}")
    for head, brows in beside:
        lines.append("")
        lines.append(head + ":")
        for mark, num, text in brows:
            lines.append(f"  {mark:<11} {num}  {text}")
    # Runbooks attached before this one, newest first, each under its own name: their step 1
    # is not this runbook's step 1 (the dashboard's "EARLIER:" rows below the checklist).
    titles = {str(r.get("id") or ""): str(r.get("title") or "") for r in st.runbooks}
    order = list(dict.fromkeys(str(r.get("id") or "") for r in reversed(st.runbooks)))
    for c in closed_now(st):        # a runbook closed before any of its steps moved is said too
        earlier.setdefault(c.runbook_id, [])
    for rb in [*[r for r in order if r in earlier], *[r for r in earlier if r not in order]]:
        lines.append("")
        shut = closure_of(st, rb)     # closed beside: who, when, why and its frozen count, not "earlier"
        lines.append(f"Closed beside it: {shut.line()}:" if shut is not None else
                     f"Earlier runbook {rb}" + (f" — {titles[rb]}" if titles.get(rb) else "") + ":")
        if not earlier[rb]:
            lines.append("  (none of its steps was done)")
        for mark, num, text in earlier[rb]:
            lines.append(f"  {mark:<11} {num}  {text}")
    from warroom.incident.decisions import standing_lines

    decided = standing_lines(book, st, now)
    if decided:
        lines.append("")
        lines.append("Decisions:")
        lines.extend(decided)
    notes = [n for n in st.notes]
    if notes:
        lines.append("")
        lines.append("Notes:")
        for n in notes:
            extra = "".join(f" [{k}: {v}]" for k, v in (("owner", n.owner), ("due", n.due)) if v)
            lines.append(f"  {n.tag:<12} {n.text}{extra}")
    lines.append("")
    lines.append("Response times (target):")
    said_of = of_state(st, now)   # the PIR's and the drill report's rule
    for r in st.response_times():
        took = f"{r.minutes:.1f} min" if r.minutes is not None else ("not reached" if r.at is None else "n/a")
        if r.minutes is not None and r.wall_minutes is not None and st.time_scale != 1.0:
            # judged in drill time; both figures through the one rule (``1m44s drill time (1.7s wall)``):
            # "1.7 min drill time (0.0 wall)" at x60 read as no wall time at all, and named no unit
            took = stime.span(st, r.wall_minutes * 60.0).text()
        said = said_of[r.key]
        verdict = "" if said.word in ("not reached", "not measured") else f"  {said.word.upper() if said.ok is False else said.word}"
        if said.sentence.startswith(f"{said.word}: "):      # not reached, and why (a gate that held before)
            verdict = f"  {said.sentence.partition(': ')[2]}"
        elif r.early_by:            # journaled before its start: why there is no figure (not a bare n/a)
            verdict = f"  {said.sentence}"
        elif said.sentence.startswith("met on the clock, but "):     # why it is on the clock only
            verdict = f"  {said.sentence.split('; ')[0]}"
        if said.relapse:
            verdict += f"; {said.relapse}"      # the milestone stands; that it did not hold is said beside it
        if said.unseen:
            verdict += f"; {said.unseen}"       # counted from a drill's first look: what passed before it
        if said.raised:     # a fast drill's floor of wall time for people (``people_target``): said on every row
            verdict += f"; {said.raised}" if verdict else f"  {said.raised}"
        lines.append(f"  {r.label:<20} {took:>12}  (< {r.target_min:g} min){verdict}")
    lines.append("")
    lines.append("Timeline (UTC):")
    for t in st.sorted_timeline():
        fix = " (corrected)" if t.original is not None else ""
        head = f"  {_hms(t.at)}  #{t.seq:<4} "
        # an entry of several lines (a note, a why typed with line breaks) hangs under its text: a
        # second line at the margin read as an entry of its own ("  11:00:00  #99   …" typed in it)
        text = f"\n{' ' * len(head)}".join(f"{t.text}{fix}".splitlines() or [""])
        lines.append(f"{head}{text}")
    return lines


def _people(inc: Incident, st: IncidentState, now: datetime) -> list[str]:
    """Roles (and a pending handoff or a handoff reminder), then every approval request."""
    from warroom.incident.approval_desk import describe
    from warroom.incident.handoff import ROLES, header_text

    lines = ["roles: " + header_text(st, now)]
    extra = sorted(r for r in st.roles if r not in ROLES)
    if extra:
        lines.append("  other roles (from before the role list was fixed): "
                     + ", ".join(f"{r} {st.roles[r]}" for r in extra))
    if st.approvals:
        lines.append("")
        lines.append("Approvals:")
        for req in st.approvals.values():
            lines.extend(f"  {ln}" for ln in describe(req, req.state_at(now), st))
    return lines


def _step_detail(s: Any, gate: GateState | None = None, now: datetime | None = None,
                 state: IncidentState | None = None, held: Any = None) -> str:
    """What follows a step's label: how its last run ended, and its verify gate (as the
    dashboard's header gate line says it; at ``now``: a gate whose window ended unwatched is
    never called pending)."""
    detail = _run_detail(s, state)
    if gate is None:
        return detail
    said = gate.describe(now, state.id if state is not None else "ID")
    read = next((g for g in (held.gates if held is not None else ()) if g.key == (gate.runbook_id, gate.step_id)),
                None)
    if read is not None and gate.shown == "passed":      # the measure now, beside the pass; and whose run's it is
        said = f"verify{f' ({gate.of_run})' if gate.of_run else ''} {read.passed_words()} ({gate.what})"
    return f"{detail}; {said}" if detail else f" — {said}"


def _run_detail(s: Any, state: IncidentState | None = None) -> str:
    if s is None:
        return ""
    if s.status == "skipped":
        return f" — skipped: {s.skipped_reason}"
    if s.status == "ticked":
        return f" — ticked by {s.ticked_by}"
    run = s.last_run
    if run is None:
        return f" — {observer_seat.said_of(s.observed[-1])}" if s.observed else ""
    bits = []
    if run.exit_code is not None:
        bits.append(f"exit {run.exit_code}")
    if run.duration is not None:
        bits.append(stime.process_text(state, run.duration))   # the process's own run time: "wall" in a drill
    verdict = run_verdict(run)
    if verdict is not None:
        bits.append(describe_verdict(verdict))
    if s.attempts > 1:
        bits.append(f"{s.attempts} attempts")
    return f" — {', '.join(bits)}" if bits else ""
