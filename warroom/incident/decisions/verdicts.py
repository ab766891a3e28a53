"""A verdict recorded: journaled with who, why and the criteria as they were judged; a GO
opens its follow-up runbook beside the current one, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from warroom import scenario_time as stime
from warroom.errors import WarroomError
from warroom.incident.decisions.model import VERDICTS, DecisionView, recorded_key
from warroom.incident.decisions.reminders import note_arisen
from warroom.incident.roles import check_person


@dataclass(frozen=True)
class Recorded:
    """A verdict journaled, and what it opened: ``opened`` is the follow-up runbook this GO
    attached (None when there is none, or it was open already: ``already_open``)."""

    event: Any
    opened: str | None = None
    already_open: bool = False
    not_opened: str | None = None     # why the follow-up runbook could not be attached
    unanswered: str | None = None     # the verdict does not answer the decision: it has not arisen (why, when)

    def said(self, verdict: str, by: str | None = None) -> str:
        on_go = f"; {self.opened} opened beside the current runbook" if self.opened else ""
        return f"{verdict} recorded as seq {self.event.seq}{f' (by {by})' if by else ''}{on_go}" + (
            "; the follow-up runbook was already open" if self.already_open else "") + (
            f"; the follow-up runbook could NOT be opened: {self.not_opened}" if self.not_opened else "") + (
            f"; it does not answer it: {self.unanswered}" if self.unanswered else "")


def record(incident: Any, view: DecisionView, verdict: str, *, by: str, why: str) -> Recorded:
    """Journal the verdict with the criteria as they were judged (state, words and value each);
    on GO the follow-up runbook is attached beside the current one, once (a second GO, or a GO
    after the runbook was opened by hand, does not open it again)."""
    verdict = " ".join(verdict.strip().upper().replace("-", " ").split()).replace("NOGO", "NO GO")
    verdict = {"GO": "GO", "NO GO": "NO-GO"}.get(verdict, verdict)
    if verdict not in VERDICTS:
        raise WarroomError(f"a decision is GO or NO-GO, not {verdict!r}")
    if not why.strip():
        raise WarroomError("say why: a decision without its reason cannot be reviewed")
    if not by.strip():
        raise WarroomError("say who decides: a decision is someone's call")
    by = check_person(by)     # a role's rule: a newline in a name would write lines of its own
    # the arisal this verdict is taken on, journaled first when this look is the first to see it: a
    # later look would journal it at its own moment, after the verdict, which would then answer the
    # arisal before (a metric condition seen again by the dialog's look, not yet by the dashboard's)
    note_arisen(incident, [view])
    state = incident.state
    earlier = [d for d in state.decisions if recorded_key(d) == view.key]
    event = incident.record_decision({
        "id": view.decision.id, "named": view.decision.named, "runbook_id": view.runbook_id,
        "question": view.decision.question, "verdict": verdict, "by": by, "why": why.strip(),
        "suggestion": view.suggestion, "criteria": [c.to_json() for c in view.criteria],
        "judged_at": view.judged_at.isoformat() if view.judged_at else None,
        "go_when": view.decision.go_when, "no_go_when": view.decision.no_go_when,
        **view.deadline_fields(), "due_at": view.due_at.isoformat() if view.due_at else None,
        "late": view.needed and view.due_at is not None
        and max(_now_of(incident), view.judged_at or view.due_at) > view.due_at,
        "applies_when": view.applies.to_json() if view.applies else None,   # a decision not needed now
        "not_needed": view.not_needed,                                      # is never "taken late"
        "on_go": view.decision.on_go,
        "replaces": earlier[-1].get("seq") if earlier else None,
    })
    unanswered = None if view.answered_by({**event.data, "at": event.ts}) else _not_arisen(view)
    on_go = view.decision.on_go if verdict == "GO" else None
    if on_go and incident.state.open_ref(on_go) is not None:
        return Recorded(event, None, True, unanswered=unanswered)
    if on_go:
        try:      # the verdict stands whatever happens here: it is journaled already
            # beside the current runbook, which stays current: both are worked from now on
            attached = incident.attach_runbook_once(
                _library_file(incident, on_go),
                opened_by={"decision": view.decision.id, "runbook_id": view.runbook_id, "seq": event.seq})
        except (WarroomError, OSError) as exc:
            return Recorded(event, None, False, str(exc), unanswered)
        if attached is None:      # another responder's GO opened it in the meantime
            return Recorded(event, None, True, unanswered=unanswered)
    return Recorded(event, on_go, unanswered=unanswered)


def _not_arisen(view: DecisionView) -> str:
    """Why a verdict taken now does not answer its conditional decision, and when it will be asked:
    ``the decision has not arisen (now: not met — …); it arises when: <condition>, and a verdict
    then answers it`` (``model.before_it_arose``)."""
    cond = view.decision.applies_when
    now = f" (now: {view.applies.state} — {view.applies.evidence})" if view.applies is not None else ""
    return (f"the decision has not arisen{now}; it arises when: {cond.text if cond else '?'}, and a verdict"
            " recorded then answers it")


def _library_file(incident: Any, runbook_id: str) -> Path:
    """The file of the runbook ``runbook_id`` names in the library: an id, never a path (a
    runbook cannot make a GO open whatever file it likes)."""
    from warroom.errors import NotFoundError
    from warroom.runbook.library import RunbookLibrary

    if "/" in runbook_id or "\\" in runbook_id or runbook_id.startswith(("~", ".")):
        raise WarroomError(f"{runbook_id!r} is not a runbook id")
    found = RunbookLibrary.from_config(incident.config).get(runbook_id)
    if found is None or found.path is None or found.id.lower() != runbook_id.lower():
        raise NotFoundError(f"runbook {runbook_id!r} is not in the library")
    return Path(found.path)


def _now_of(incident: Any) -> datetime:
    clock = getattr(incident, "clock", None)
    return clock() if callable(clock) else stime.utcnow()
