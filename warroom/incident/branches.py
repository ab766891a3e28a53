"""Whether a runbook branch applied: its condition judged by the looks, and what its steps are called.

A runbook branch (``warroom.runbook.branch``: a section with an ``applies_when`` condition, "Two providers
down") holds steps an incident owes only while its condition holds. The condition is one criterion of the
Go/No-Go kinds, judged by the decision's own code (``decisions.criteria.judge`` as an ``applies_when``, its
metrics through ``decisions.looks.metric_query``): met, not met, or unknown.

Who judges: every look that can read the incident's sources — the dashboard's periodic look, each CLI command
that brings the journal up to date (``cli.incident_metrics.sync``) — judges every branch of the open runbooks
and journals ``branch.judged`` when the state differs from the last one journaled for it (``note_judged``: once
per change, whoever looks). A look with no metric source judges no metric condition: nothing was seen.

The rule (``standing``), over the incident while it was open, as the journal has it (the looks are its samples;
the line for a change is written only while the incident is open):

* **applied** — it was seen met at least once: its steps are owed, as any other step ("did it ever hold while
  open"; a branch the incident went through stays one it went through after its condition lapsed);
* **did not apply** — every judgement journaled said not met: a step of it that was never begun is
  "not needed" (with why), never "not done", and is not counted among the steps owed;
* **could not be judged** — never judged, or judged unknown at least once and never met: an unknown reading
  may hide a moment it held, so its steps stay "not done", and every view says whether the branch applied
  could not be judged (never turned into "not needed"). A condition read in a step's output is judged only once
  that step has run (before, nothing read the state: no look is journaled for it).

A step the commander did run, tick or skip keeps its own state whatever its branch says: the rule only names
a step never begun, and ``not needed`` never wears the ✔ of one that ran (``marks.STEP_MARKS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom.incident.decisions.model import MET, NOT_MET, UNKNOWN, CriterionVerdict
from warroom.runbook.branch import Branch

NOT_NEEDED = "not_needed"       # the checklist's state of a step never begun in a branch that did not apply
APPLIED, DID_NOT_APPLY, UNJUDGED = "applied", "did not apply", "could not be judged"


@dataclass(frozen=True)
class Standing:
    """A branch as the journal has it: ``state`` (``APPLIED`` / ``DID_NOT_APPLY`` / ``UNJUDGED``) and why, in the
    words every view says (``Providers failing: 1 >= 2 is false``)."""

    branch: Branch
    state: str
    why: str

    @property
    def not_needed(self) -> str | None:
        """Why a step of it never begun is not needed, or None when it is owed (or it could not be judged)."""
        if self.state != DID_NOT_APPLY:
            return None
        return f"its branch \u201c{self.branch.section}\u201d did not apply: {self.why}"

    @property
    def unjudged(self) -> str | None:
        """What a step of it never begun says beside "not done" when the branch could not be judged, else None."""
        if self.state != UNJUDGED:
            return None
        return f"whether its branch \u201c{self.branch.section}\u201d applied could not be judged: {self.why}"

    def said(self) -> str | None:
        """What a step of it never begun says where its section is named already (the drill report's path): the
        branch did not apply or could not be judged, and why; None when it applied (the step is owed)."""
        if self.state == APPLIED:
            return None
        return ("its branch did not apply: " if self.state == DID_NOT_APPLY
                else "whether its branch applied could not be judged: ") + self.why


def standing(state: Any, runbook_id: str, branch: Branch) -> Standing:
    """The branch over the incident while it was open (the module's rule), from its ``branch.judged`` lines."""
    lines = [j for j in getattr(state, "branches_judged", None) or []
             if j.get("runbook_id") == runbook_id and j.get("section") == branch.key]
    cond = branch.condition.text

    def said(j: dict[str, Any]) -> str:
        c = j.get("condition") if isinstance(j.get("condition"), dict) else {}
        return str(c.get("evidence") or c.get("state"))

    met = [j for j in lines if _state(j) == MET]
    if met:
        return Standing(branch, APPLIED, f"{cond}: {said(met[0])}")
    unknown = [j for j in lines if _state(j) not in (MET, NOT_MET)]
    if not lines:
        return Standing(branch, UNJUDGED, f"{cond}: never judged while open (no look read it)")
    if unknown:
        return Standing(branch, UNJUDGED, f"{cond}: unknown at a look ({said(unknown[-1])}), never seen to hold")
    return Standing(branch, DID_NOT_APPLY,
                    f"{cond}: judged not met ({said(lines[-1])}, the last reading) and never seen to hold while open")


def _state(line: dict[str, Any]) -> str:
    c = line.get("condition") if isinstance(line.get("condition"), dict) else {}
    return str(c.get("state") or UNKNOWN)


def of_steps(state: Any, runbook: Any) -> dict[str, Standing]:
    """Each step of ``runbook`` that a branch covers -> that branch's standing (steps no branch covers: absent)."""
    out: dict[str, Standing] = {}
    if runbook is None:
        return out
    for b in getattr(runbook, "branches", None) or ():
        s = standing(state, runbook.id, b)
        out.update({sid: s for sid in b.steps})
    return out


def step_shown(shown: str, standing_: Standing | None) -> str:
    """The checklist's state of a step: ``NOT_NEEDED`` for one never begun (``pending``) whose branch did not
    apply, else its own (a step run, ticked or skipped keeps what it did, whatever its branch says)."""
    return NOT_NEEDED if shown == "pending" and standing_ is not None and standing_.not_needed else shown


def judge_now(incident: Any, state: Any, books: Sequence[Any], source: Any | None,
              now: datetime) -> list[tuple[str, Branch, CriterionVerdict]]:
    """Every branch condition of ``books`` judged at ``now`` by the decision's rule (metrics through ``source``;
    a look with none skips metric conditions: nothing was seen). Blocking (queries): off the event loop."""
    from warroom.incident.decisions.criteria import judge
    from warroom.incident.decisions.judging import judged_moment
    from warroom.incident.decisions.looks import metric_query, step_output_reader, typed_reader
    from warroom.runbook.criterion_query import on_pane, pane_queries

    now = judged_moment(state, now)
    query = metric_query(incident, source, now)
    panes = pane_queries(getattr(getattr(incident, "config", None), "slo", None) or ())
    # a ``ran`` condition reads the drill shell as a decision's does: the deny typed there is no "has not run"
    # (attack47 Y1: the lift read "not needed" while the same report credited the deny done by hand)
    typed = typed_reader(incident, state, books, now)
    out = []
    for book in books:
        for b in getattr(book, "branches", None) or ():
            cond = on_pane(b.condition, panes)
            if cond.kind == "metric" and source is None:
                continue
            reader = step_output_reader(Path(incident.dir), state, book.id)
            if cond.kind == "step" and ((run := reader(cond.step or "")) is None or run.status == "running"):
                # nothing measured yet: a look before the step read the state saw no moment it could have held
                # unseen (attack46 X3: the declaration's look made RB-LAUNCH-004's level 3 "unknown" for ever)
                continue
            v = judge(cond, "applies_when", state, now, query, reader, book.id,
                      typed=lambda ref, rb_id=book.id: typed(rb_id, ref))
            out.append((book.id, replace(b, condition=cond), v))
    return out


def note_judged(incident: Any, judged: Sequence[tuple[str, Branch, CriterionVerdict]], now: datetime) -> list[Any]:
    """Journal ``branch.judged`` for each judgement whose state differs from the branch's last line (the first
    one too), once whoever looks (``append_once``); none on a resolved incident (the watcher writes nothing)."""
    from warroom.journal import events as ev

    out = []
    for rb_id, b, v in judged:
        if _last_state(getattr(incident, "state", None), rb_id, b) == v.state:
            continue        # the journal has it already: no append to try at every look

        def due(st: Any, rb_id: str = rb_id, b: Branch = b, v: CriterionVerdict = v
                ) -> tuple[str, dict[str, Any]] | None:
            if _last_state(st, rb_id, b) == v.state:
                return None
            return ev.BRANCH_JUDGED, {"runbook_id": rb_id, "section": b.key, "condition": v.to_json(),
                                      "judged_at": now.isoformat()}

        event = incident.append_once(due)
        if event is not None:
            out.append(event)
    return out


def _last_state(state: Any, runbook_id: str, branch: Branch) -> str | None:
    """The state of the branch's last ``branch.judged`` line, or None when none was journaled."""
    last = [j for j in getattr(state, "branches_judged", None) or []
            if j.get("runbook_id") == runbook_id and j.get("section") == branch.key]
    return _state(last[-1]) if last else None
