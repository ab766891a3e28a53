"""A Validation step validates a change: run (or typed in the drill shell) before the response changed anything, it
validates nothing (redteam48 F3: RB-CORE-002's "Read the latency percentiles for the last 15 minutes", typed during
triage seven drill minutes before the fix, read the breach and was "done" validation in the report, the checklist and
the PIR).

A Validation step is one of a runbook section whose phase is ``verify`` (``warroom.runbook.phases``: a heading
"Validation", "Verify", "Check recovery"…, or a sub-section under one) that changes nothing itself (a test flow that
does is a change of its own). The response's first change is the earliest of: the first step run through warroom that
changes things and exited 0 (``IncidentState.first_mitigation_at``), the incident marked mitigated, and the moments
the caller knows of changes outside the journal (a drill's world records: a change typed in the drill shell). One
rule, read by every view that counts a runbook's steps (``progress.of_runbook``) and by the drill shell's credits
(``by_hand.Hands``), so the checklist, ``incident show``, the brief, the report's path and the PIR agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

#: the words a Validation step run or typed before any change carries, after when it ran: not done, never a ✔
EARLY = "before any fix: validates nothing"


def validates(step: Any) -> bool:
    """Whether ``step`` is a Validation step that changes nothing (the rule above)."""
    return getattr(step, "phase", None) == "verify" and not getattr(step, "mutating", False)


def first_change(state: Any, moments: Iterable[float] = ()) -> float | None:
    """The response's first change (unix), by the module's rule; None when nothing changed yet."""
    marks = (getattr(state, "first_mitigation_at", None), (getattr(state, "phases", None) or {}).get("mitigated"))
    found = [t.timestamp() for t in marks if isinstance(t, datetime)]
    found += list(moments)
    return min(found, default=None)


def too_early(step: Any, at: float, first: float | None) -> bool:
    """Whether ``step`` run or typed at ``at`` (unix) validated nothing: a Validation step before the first change."""
    return validates(step) and (first is None or at < first)
