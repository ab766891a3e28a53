"""How far a runbook got: each step's state as every view shows it, and one count of those states.

A step's state is the checklist's (``marks.checklist_state``: its journaled status, its latest run's verdict, its
verify gate), then the runbook's own say over a step nobody touched: ``not_needed`` when its branch did not apply
(``branches.step_shown``), ``fulfilled`` when the journal shows the checklist item done (``fulfilment.step_shown``,
judged by the incident's own update cadence: ``config``). Every view that shows or counts a runbook's steps reads
both from here: the checklist and its heading, ``incident show``, the handoff brief, a GO's progress (which the
resolution journals, and the PIR's Rollback line says) and a closed runbook's frozen count, the drill report's path.
A read-only seat's run (``StepState.observed``) is no state of the step: the fold keeps it apart, so it ticks and counts
nothing here; a step only an observer ran is ``pending`` with the run said (``Shown.observed``).
So none of them can count a step the others do not (fix46r4b left a GO's progress counting the checklist state alone:
an item the journal fulfilled was done on the checklist and not done in "4 of 19 steps done").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.incident import branches, fulfilment, observer_seat, validation
from warroom.incident.by_hand import BY_HAND, TAKES_TYPING
from warroom.incident.marks import DONE_MARKS, TROUBLE_MARKS, checklist_state

#: a step never begun through warroom whose command was typed in the drill shell and credited done by the drill
#: report's rule (``by_hand.Hands``): counted done on every view that is given the drill shell's credits (``typed``:
#: ``by_hand.drill_typed``), as the report's path counts it (``drill_report.rows.counted``; attack47 Y4).
DONE_BY_HAND = "done_by_hand"
#: a Validation step whose latest run began before the response's first change (``warroom.incident.validation``):
#: it read the world before anything was done to it, so it validates nothing: not done, not trouble (redteam48 F3)
EARLY = "early"


@dataclass(frozen=True)
class Shown:
    """One step as every view shows it: its ``state`` (a ``marks.STEP_MARKS`` key; ``pending`` for one nobody
    touched, which a view may draw as ``manual``), its branch's ``standing`` and what the journal says of it
    (``fulfilment``), each None when the runbook says nothing of it."""

    state: str
    standing: branches.Standing | None = None
    fulfilment: fulfilment.Fulfilment | None = None
    by_hand: str = ""       # its credit in the drill shell, as the report's path says it ("done by hand at +6m40s
                            # (drill shell)", or "typed by hand at …, not checked": not done), "" when none
    early: str = ""         # a Validation step run before any change (``validation``): when, and that it validates
                            # nothing (state ``EARLY``: not done, never a ✔)
    observed: str = ""      # a step nobody of the response began that a read-only seat ran: its latest such run
                            # as every view says it, with its output file (``observer_seat.said_of``; never the
                            # step's run, not counted)


def shown(st: Any, gate: Any, standing: branches.Standing | None = None,
          done: fulfilment.Fulfilment | None = None) -> str:
    """One step's state by the module's rule: ``st`` its record (None: never touched), ``gate`` its verify gate."""
    return fulfilment.step_shown(branches.step_shown(checklist_state(st, gate), standing), done)


def of_runbook(state: Any, runbook: Any, config: Any, now: datetime,
               gates: Mapping[tuple[str, str], Any] | None = None,
               typed: Mapping[tuple[str, str], Any] | None = None) -> dict[str, Shown]:
    """Each step of ``runbook`` (by step id) as every view shows it at ``now``; ``config``: the incident's, whose
    update cadence judges a cadence item; ``gates``: ``gates.gate_states(state, now)`` when the caller has it;
    ``typed``: the drill shell's credits (``by_hand.drill_typed``, the report's ``Hands.credited``) by (runbook id,
    step id): a step never begun through warroom, or whose runs did not do it (``by_hand.TAKES_TYPING``), that one
    credits done is ``DONE_BY_HAND`` (the path's rule: it outranks its branch and the journal's fulfilment), one
    typed but not judged keeps its own state (pending, or how its run ended), its ``by_hand`` said."""
    if runbook is None or state is None:
        return {}
    if gates is None:
        from warroom.incident.gates import gate_states

        gates = gate_states(state, now)
    spared = branches.of_steps(state, runbook)
    done_by = fulfilment.of_steps(state, runbook, config, now)
    records = state.steps.of(runbook.id)
    out = {}
    found: list[float | None] = []

    def first() -> float | None:        # the response's first change, read once when a Validation step asks
        if not found:
            found.append(validation.first_change(state, (c.at for c in (typed or {}).values()
                                                         if getattr(c, "acted", None))))
        return found[0]
    for step in runbook.steps:
        standing, done = spared.get(step.id), done_by.get(step.id)
        gate = gates.get((runbook.id, step.id))
        hand = (typed or {}).get((runbook.id, step.id))
        if hand is not None and (ended := checklist_state(records.get(step.id), gate)) in TAKES_TYPING:
            said = str(hand.state)
            # typed but not done by it (a gated fix, not verified; a check not checked): the step's own state, the
            # typing beside: a run that failed keeps its ✗ (attack53 A8: it became ○, a step never begun)
            out[step.id] = Shown(DONE_BY_HAND if said.startswith(BY_HAND) else
                                 shown(None if ended == "pending" else records.get(step.id), gate, standing, done),
                                 standing, done, said)
            continue
        record = records.get(step.id)
        state_ = shown(record, gate, standing, done)
        run = record.last_run if record is not None else None
        if run is not None and state_ not in ("running", "pending") and validation.too_early(
                step, run.started_at.timestamp(), first()):
            out[step.id] = Shown(EARLY, standing, done, early=f"ran at {run.started_at:%H:%M:%S} UTC,"
                                 f" {validation.EARLY}")
            continue
        seen = record.observed[-1] if record is not None and record.observed and state_ == "pending" else None
        out[step.id] = Shown(state_, standing, done, observed=observer_seat.said_of(seen) if seen else "")
    return out


@dataclass(frozen=True)
class Progress:
    """How far a runbook got: ``done`` (``marks.DONE_MARKS``: ok, ticked, skipped, fulfilled by the journal, and
    done by hand in a drill), ``failed`` (``marks.TROUBLE_MARKS``), ``running``, ``not_needed`` (a branch that did
    not apply: not owed) of ``total`` steps (None: the runbook could not be read)."""

    done: int
    failed: int
    running: int
    not_needed: int
    total: int | None

    @property
    def owed(self) -> int | None:
        """The steps the incident owes: all but those not needed."""
        return None if self.total is None else self.total - self.not_needed

    def text(self) -> str:
        """``4 of 15 steps done, 1 not needed, 1 failed or unmet`` (``closing.progress_text``)."""
        from warroom.incident.closing import progress_text

        return progress_text(self.done, self.failed, self.total, self.not_needed)


def is_done(state: str) -> bool:
    """Whether a step in ``state`` counts done: ``marks.DONE_MARKS`` (ok, ticked, skipped, a gate held before it,
    fulfilled by the journal), or done by hand in the drill shell."""
    return state in DONE_MARKS or state == DONE_BY_HAND


def count(states: Iterable[str]) -> Progress:
    """The one count of a runbook's step states (``of_runbook``'s, or a drill report path's with ``DONE_BY_HAND``), of
    as many steps as ``states`` (a caller that knows only the journal's steps replaces ``total`` by None)."""
    states = list(states)
    return Progress(done=sum(1 for s in states if is_done(s)),
                    failed=sum(1 for s in states if s in TROUBLE_MARKS),
                    running=sum(1 for s in states if s == "running"),
                    not_needed=sum(1 for s in states if s == branches.NOT_NEEDED),
                    total=len(states))


def not_done(states: Iterable[str]) -> int:
    """How many of a runbook's steps in ``states`` the one count leaves not done: owed (not ``not_needed``) and not
    done (never begun, failed or unmet, still running). What the resolve dialog says is left (redteam48 F9: its "not
    done, skipped or ticked" counted the never begun alone, and read as if ticked steps were among them)."""
    got = count(states)
    return (got.owed or 0) - got.done
