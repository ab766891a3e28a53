"""The runbook's path through the drill: its steps in its own order, each with what the incident
did with it and what its runs did to the drill (the actions the stand-ins recorded while the run
was going), and the actions no step recorded (done in a shell or another tool)."""

from __future__ import annotations

import math
import shlex
from dataclasses import replace
from datetime import datetime
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from warroom.errors import WarroomError
from warroom.incident import branches, fulfilment, progress
from warroom.incident.by_hand import (TAKES_TYPING, Hands, Shape, after_run, owner_of, param_values, run_windows,
                                     when_typed)
from warroom.incident.drill_report.rows import JOURNALED, SPARED, UNJUDGED, ActionRow
from warroom.incident.gates import gate_states
from warroom.incident.marks import checklist_state

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState
    from warroom.runbook.model import Runbook

Credited = tuple[tuple[str, int, str, str, float, tuple[ActionRow, ...]], ...]   # ``DrillReport.credited``
Steps = tuple[tuple[str, str, str, str], ...]     # a runbook path's step lines: section, label, state, what it did


def runbook_path(runbook: Runbook | None, state: IncidentState | None, actions: list[ActionRow],
                 at: datetime, hands: Hands | None = None, config: Any = None,
                 before: float = math.inf) -> dict[str, Any]:
    """The runbook's steps in its own order, each with its state as the checklist shows it and what
    its runs did to the drill (the actions the stand-ins recorded while it ran), and the actions no
    step of it recorded. A step never begun whose command was typed by hand in the drill and not taken
    by a step before it (``hands``, shared by every runbook of one report) is "done by hand at +6m03s
    (drill shell)", with the actions its calls recorded (``by_hand.Hands.credit``). A checklist item never ticked
    that states what fulfils it is "done: root-cause note at +41m00s [#43]" or "not done: …" by the journal
    (``warroom.incident.fulfilment``; ``config``: the update cadence's). ``before`` (unix): when the runbook was closed
    (``by_hand.closed_at``): nothing typed after it is its step (attack47 Y10), as its count is frozen then."""
    steps = state.steps if state is not None else {}
    windows = run_windows(state)
    owners = [owner_of(a.at, a.tag, windows) for a in actions]
    claimed: set[int] = set()

    def did(key: tuple[str, str]) -> str:
        mine = [i for i, owner in enumerate(owners) if owner == key]
        claimed.update(mine)
        return "; ".join(dict.fromkeys(actions[i].description for i in mine))

    gates = gate_states(state, at) if state is not None else {}

    def shown(key: tuple[str, str]) -> str:      # as its checklist row shows it: an ok run that missed
        record = steps.get(key)                  # its expectation is not "ok" here either
        return "pending" if record is None else checklist_state(record, gates.get(key))

    hand = {} if hands is None or runbook is None else hands.steps(
        runbook, lambda sid: shown((runbook.id, sid)) in TAKES_TYPING, param_values(runbook, state), actions, windows,
        before=before, state=state)

    core = progress.of_runbook(state, runbook, config, at, gates)     # each step as the checklist shows it

    def row(sec: str, st: Any) -> tuple[str, str, str, str]:
        if runbook is None:
            return sec, st.label, "pending", ""
        if st.id not in hand:     # a gate of an earlier run than the latest (which failed) is said, with its run
            gate = gates.get((runbook.id, st.id))
            state_ = path_state(core.get(st.id, progress.Shown(shown((runbook.id, st.id)))))
            return sec, st.label, state_, "; ".join(filter(None, (
                did((runbook.id, st.id)), gate.describe(at) if gate is not None and gate.of_run else "")))
        mine = sorted((*hand[st.id].acted, *hand[st.id].again))      # typed again too: the step's, not outside it
        claimed.update(mine)
        said, ended = hand[st.id].state, shown((runbook.id, st.id))
        if ended != "pending":      # its run through warroom that did not do it, said after the typing (A6)
            record = steps.get((runbook.id, st.id))
            said = after_run(said, ended, record.last_run if record is not None else None)
        return sec, st.label, said, "; ".join(dict.fromkeys(actions[i].description for i in mine))

    path = tuple(row(sec.title, st) for sec in runbook.sections for st in sec.steps) if runbook else ()
    for key in windows:                       # steps of another runbook ran too: theirs, not outside
        did(key)
    listed = state is not None and runbook is not None
    outside = tuple(a for i, a in enumerate(actions) if listed and i not in claimed)
    return {"runbook_path": path, "outside": outside_said(outside), "outside_actions": outside}


def typed_again(path: dict[str, Any], books: Sequence[Runbook | None], state: IncidentState | None,
                rows: list[ActionRow], hands: Hands, beside: Mapping[str, Steps] | None = None
                ) -> tuple[dict[str, Any], dict[str, Steps], Credited]:
    """``runbook_path``'s answer with each row left outside the runbook's steps that a step's command made, typed in
    the drill shell with any value of its parameters (``by_hand.Shape``), said as that step's: on its path line,
    "failed flows retried (typed again by hand at +23m55s (drill shell, with task_id=tsk_cca1f49c))" ("typed by hand"
    before the step was run or credited), and, as ``DrillReport.credited`` holds a step credited by hand, for the
    PIR's timeline. One call credits one step, yet the runbook asks for some again (redteam47 F2: RB-CORE-003's "Retry
    one task", "repeat for each task id from triage", run once, then typed for four more tasks: "Done outside the
    runbook's steps" four times). ``books``: every runbook the incident has open, the report's first (``path`` is
    its), then those a GO opened, whose paths ``beside`` holds by id (fix47credit: a row typed from the rollback
    runbook opened beside stayed "done outside the runbook's steps"); one closed takes nothing typed after its close.
    The step that has the command and began last before the row takes it (else the first that has it, the report's
    runbook first); a row taken after the resolve stays what it is (``ActionRow.late``), a row with a run's tag its
    run's; a command no open runbook's step has stays outside. Returns the path, ``beside`` with the rows said, and
    the credits."""
    from warroom.incident.by_hand import closed_at

    out = path["outside_actions"]
    paths: dict[str, Steps] = dict(beside or {})
    main = books[0] if books else None
    open_ = [b for b in books if b is not None and (b is main or b.id in paths)]
    if state is None or not out or not open_:
        return path, paths, ()
    typed = hands.typed
    spans = run_windows(state)
    began: dict[tuple[str, str], float] = {key: min(lo for lo, _, _ in s) for key, s in spans.items()}
    for key, c in hands.credited.items():
        began[key] = min(began.get(key, c.at), c.at)
    shapes = [(book, st, shape, param_values(book, state), closed_at(state, book.id)) for book in open_
              for st in book.steps if st.kind == "shell" and st.command and (shape := Shape.of(book, st))]
    said: dict[tuple[str, str], list[str]] = {}
    taken: list[tuple[Runbook, Any, str, ActionRow]] = []
    for a in out:
        if a.late or a.tag or a.at > typed.until:
            continue
        argv = tuple(shlex.split(a.command))
        has = [(book, st, shape.chose(got, values)) for book, st, shape, values, shut in shapes if a.at <= shut
               and (got := next((g for w in shape.calls[0] if (g := shape.match(w, argv, {}, values)) is not None
                                 and hands.fits(book, st, shape, w, {**g, **values}, a.action, a)), None))
               is not None]
        if not has:
            continue
        book, st, chose = max(has, key=lambda h: b if (b := began.get((h[0].id, h[1].id), math.inf)) <= a.at
                              else -math.inf)
        again = "again " if began.get((book.id, st.id), math.inf) <= a.at else ""
        state_ = (f"typed {again}by hand at {when_typed(a.at, a.t, typed.t_zero)}"
                  f" (drill shell{', with ' if chose else ''}{chose})")
        said.setdefault((book.id, st.id), []).append(f"{a.description} ({state_})")
        taken.append((book, st, state_, a))
    if not taken:
        return path, paths, ()
    outside = tuple(a for a in out if not any(a is b for _, _, _, b in taken))
    for book in open_:
        if book is main:
            path = {**path, "runbook_path": said_on(path["runbook_path"], book, said)}
        else:
            paths[book.id] = said_on(paths[book.id], book, said)
    more = tuple((book.id, st.number, st.label, state_, a.at, (a,)) for book, st, state_, a in taken)
    return {**path, "outside": outside_said(outside), "outside_actions": outside}, paths, more


def said_on(steps: Steps, book: Runbook, said: Mapping[tuple[str, str], Sequence[str]]) -> Steps:
    """A runbook path's step lines (``runbook_path``'s, in ``book``'s order) with what ``said`` adds to each step's
    (by (runbook id, step id)): the rows the drill shell typed that are its."""
    order = [st for sec in book.sections for st in sec.steps]
    return tuple((sec, label, state_, "; ".join(filter(None, (did, *said.get((book.id, st.id), ())))))
                 for (sec, label, state_, did), st in zip(steps, order, strict=True))


def outside_said(rows: tuple[ActionRow, ...]) -> tuple[str, ...]:
    """``DrillReport.outside``: each row done outside the runbook's steps while the incident was open, as the summary
    names it; one taken after the resolution is no part of the response (``ActionRow.late``), said apart."""
    return tuple(f"{a.description} ({a.command}{', ' + a.after_close if a.after_close else ''})" for a in rows
                 if not a.late)


def after_close(rows: list[ActionRow], state: IncidentState | None, runbook_of: Any) -> list[ActionRow]:
    """``rows`` with each one typed in the drill shell after a runbook was closed (``by_hand.closed_at``) that one of
    its steps' commands made (``by_hand.Shape``, any value) said so (``ActionRow.after_close``): a closed runbook takes
    no credit, as it takes no tick (attack47 Y10), and the row, outside the steps, says whose step it was."""
    from warroom.incident.by_hand import closed_at
    from warroom.incident.closing import closed_now

    out = list(rows)
    for closure in closed_now(state) if state is not None else ():
        try:
            book = runbook_of(closure.runbook_id)
        except WarroomError:
            continue            # its copy cannot be read here (closed: ``Incident.runbook`` refuses it)
        shut = closed_at(state, closure.runbook_id)
        if book is None or math.isinf(shut):
            continue
        shapes = [(st, shape) for st in book.steps if st.kind == "shell" and st.command
                  and (shape := Shape.of(book, st))]
        values = param_values(book, state)
        for i, a in enumerate(out):
            if a.tag or a.late or a.after_close or a.at <= shut:
                continue
            argv = tuple(shlex.split(a.command))
            st = next((st for st, shape in shapes if any(shape.match(w, argv, {}, values) is not None
                                                         for w in shape.calls[0])), None)
            if st is not None:
                out[i] = replace(a, after_close=f"typed after {book.id} was closed (its step {st.number}'s command)")
    return out


def path_state(shown: progress.Shown) -> str:
    """A path step's state, the checklist's (``progress.of_runbook``: one rule, one count) with why said: one of a
    branch that did not apply is ``not needed: why`` (``warroom.incident.branches``); an item the journal fulfilled
    ``done: what did it`` (``warroom.incident.fulfilment``); one never begun whose branch could not be judged, or an
    item the journal does not show done, or one only a read-only seat ran (``Shown.observed``), ``not done: why``
    (never "not needed"); any other its own."""
    standing, done = shown.standing, shown.fulfilment
    if shown.state == branches.NOT_NEEDED and standing is not None:
        return SPARED + str(standing.said())
    if shown.state == fulfilment.FULFILLED and done is not None:
        return JOURNALED + done.text
    if shown.state == "pending" and standing is not None and standing.said() is not None:
        return UNJUDGED + str(standing.said())
    if shown.state == "pending" and done is not None:
        return UNJUDGED + done.text
    if shown.early:          # a Validation step run before any change (``validation``): not done, and why
        return UNJUDGED + shown.early
    if shown.state == "pending" and shown.observed:     # a read-only seat's run: the journal has it, not the step's
        return UNJUDGED + shown.observed
    return shown.state
