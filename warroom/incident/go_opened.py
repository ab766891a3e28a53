"""What a GO opened, and how far it got: read when the incident is resolved.

A GO on a Go/No-Go decision opens its follow-up runbook (RB-LAUNCH-002, the rollback to pilot)
beside the current one. That proves a verdict, not that the rollback happened: resolving asks
the commander whether it was part of the fix, shows how far the opened runbook got, and the
resolution records both (``go_opened``). Nothing here is guessed from the verdict alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.errors import WarroomError

DONE = frozenset({"ok", "ticked", "skipped"})
TROUBLE = frozenset({"failed", "timed_out", "cancelled", "interrupted"})


@dataclass(frozen=True)
class GoOpened:
    """A runbook a GO opened beside the current one, with its steps' progress now."""

    runbook_id: str
    title: str
    decision: str                   # the decision's id
    question: str
    by: str
    at: datetime | None             # when the GO was recorded
    verdict_seq: int | None
    done: int                       # steps ok, ticked or skipped
    failed: int                     # steps whose last run failed, timed out, was cancelled or interrupted
    total: int | None               # the runbook's steps (None: its snapshot could not be read)
    open_now: bool                  # still open beside the current runbook (not replaced since)

    def progress(self) -> str:
        of = f" of {self.total}" if self.total is not None else ""
        text = f"{self.done}{of} steps done"
        return text + (f", {self.failed} failed" if self.failed else "")

    def text(self) -> str:
        """``GO on "Roll back…?" by dana at 07:12:26 UTC opened RB-LAUNCH-002 (Rollback to pilot): 4 of 19 steps done``."""
        when = f" at {self.at:%H:%M:%S} UTC" if self.at is not None else ""
        title = f" ({self.title})" if self.title else ""
        return (f"GO on \"{self.question}\" by {self.by}{when} opened {self.runbook_id}{title}:"
                f" {self.progress()}")

    def to_json(self) -> dict[str, Any]:
        return {"runbook_id": self.runbook_id, "title": self.title, "decision": self.decision,
                "verdict_seq": self.verdict_seq, "by": self.by, "done": self.done, "failed": self.failed,
                "total": self.total, "open_now": self.open_now}


def go_opened(state: Any, runbook_of: Callable[[dict[str, Any]], Any | None]) -> list[GoOpened]:
    """Every runbook a GO opened (``runbook.attached`` with ``opened_by``), once each, with its
    progress from the journal; ``runbook_of(attachment)`` gives the runbook its snapshot holds
    (for its step count) or None."""
    by_seq = {int(d.get("seq") or 0): d for d in state.decisions}
    out: list[GoOpened] = []
    seen: set[str] = set()
    for ref in reversed(state.runbooks):
        opened = ref.get("opened_by")
        rb_id = str(ref.get("id") or "")
        if not isinstance(opened, dict) or rb_id in seen:
            continue
        seen.add(rb_id)
        verdict = by_seq.get(int(opened.get("seq") or 0), {})
        states = state.steps.of(rb_id)
        try:
            book = runbook_of(ref)
        except (WarroomError, OSError):
            book = None        # its snapshot is gone: the total is unknown, said as such
        steps = [states.get(s.id) for s in book.steps] if book is not None else list(states.values())
        out.append(GoOpened(
            runbook_id=rb_id, title=str(ref.get("title") or ""), decision=str(opened.get("decision") or ""),
            question=str(verdict.get("question") or opened.get("decision") or ""),
            by=str(verdict.get("by") or verdict.get("actor") or "?"), at=verdict.get("at"),
            verdict_seq=int(opened["seq"]) if opened.get("seq") is not None else None,
            done=sum(1 for st in steps if st is not None and st.status in DONE),
            failed=sum(1 for st in steps if st is not None and st.status in TROUBLE),
            total=len(book.steps) if book is not None else None,
            open_now=state.open_ref(rb_id) is not None))
    out.reverse()
    return out
