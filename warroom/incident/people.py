"""What the dashboard's roles and approvals dialogs show, computed once in the core.

The dialogs only lay this out; which buttons mean anything (an acknowledgement only the incoming
commander can give, an approval the requester cannot give) is decided here from the same rules
the service enforces, so a button the screen offers is one the service will honour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.incident.approval_desk import describe
from warroom.incident.approvals import OPEN
from warroom.incident.handoff import Brief, pending_handoff
from warroom.incident.identity import Person, names_person, same_person
from warroom.incident.roles import ROLES


@dataclass(frozen=True)
class HandoffView:
    person: str
    previous: str
    at: datetime
    brief: str
    mine: bool                 # this process's person is the incoming commander


@dataclass(frozen=True)
class ApprovalView:
    id: str
    state: str
    lines: tuple[str, ...]
    mine: bool                 # this process's person asked for it (so cannot approve it)
    step: str                  # "step 6 Label", named as every screen names it (``IncidentState.step_name``)


@dataclass(frozen=True)
class PeopleView:
    incident_id: str
    me: str
    roles: tuple[tuple[str, str, str], ...]      # (role word, role name, person or "")
    handoff: HandoffView | None
    approvals: tuple[ApprovalView, ...]          # open ones first, then the rest, newest first

    @property
    def open_approvals(self) -> tuple[ApprovalView, ...]:
        return tuple(a for a in self.approvals if a.state in OPEN)


def people_view(state: Any, now: datetime, me: Person) -> PeopleView:
    roles = tuple((r, name, str(state.roles.get(r) or "")) for r, name in ROLES.items())
    pend = pending_handoff(state)
    handoff = None
    if pend is not None:
        brief = Brief.from_json(pend.get("brief"))
        handoff = HandoffView(person=str(pend["person"]), previous=str(pend.get("previous") or ""), at=pend["at"],
                              brief=brief.text() if brief is not None else "(no brief was journaled)",
                              mine=names_person(me, str(pend["person"])))
    rows = []
    for req in state.approvals.values():
        st = req.state_at(now)
        rows.append(ApprovalView(id=req.id, state=st, lines=tuple(describe(req, st, state)),
                                 mine=req.requester is not None and same_person(req.requester, me),
                                 step=f"{state.step_name(req.runbook_id, req.step or req.step_id)} {req.label}".strip()))
    rows.sort(key=lambda a: (a.state not in OPEN, -int(a.id[1:]) if a.id[1:].isdigit() else 0))
    return PeopleView(incident_id=str(state.id), me=me.shown, roles=roles, handoff=handoff,
                      approvals=tuple(rows))
