"""The PIR's approvals: every request with the command and target it covered, who asked, who
approved or refused (or that it expired or was withdrawn unanswered), and the run it was used for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warroom.incident.approvals import good_until, step_word
from warroom.incident.closing import WITHDRAWN
from warroom.incident.md_text import Md, code
from warroom.incident.review.lines import Line, hms

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


def approvals(state: IncidentState) -> list[Line]:
    """Every approval request: the command and target it covered, who asked, who approved or
    refused (or that it expired unanswered), and the run it was used for."""
    out = []
    for r in state.approvals.values():
        target = ", ".join(f"{k} {v}" for k, v in sorted(r.target.items()) if v and k in ("context", "namespace", "host"))
        # the command as a code span; every other part is escaped where it is joined (Md)
        text = (Md("{} {} ({}): {}").format(r.id, step_word(state, r), r.label, code(r.command))
                + (f" on {target}" if target else "")
                + f"; requested by {r.who()} at {hms(r.at)} UTC ({'; '.join(r.reasons) or 'approval needed'})")
        cites = [r.seq]
        if r.approved_until is not None:
            text += (f"; approved by {r.approved_by.shown if r.approved_by else '?'} at {hms(r.approved_at)} UTC"
                     f" (good until {good_until(r)})")
            cites.append(r.approved_seq or 0)
        if r.status == "refused":
            text += (f"; REFUSED by {r.decided_by.shown if r.decided_by else '?'} at {hms(r.decided_at)} UTC"
                     + (f": {r.reason}" if r.reason else ""))
            cites.append(r.decided_seq or 0)
        if r.used_seq is not None:
            text += f"; run at {hms(r.used_at)} UTC by {r.used_by.shown if r.used_by else '?'}"
            cites.append(r.used_seq)
        if r.status == "expired":
            what = "approval" if r.approved_until else "request (never answered)"
            text += f"; the {what} EXPIRED at {hms(r.expires_at())} UTC, not used"
            cites.append(r.expired_seq or 0)
        elif r.status == WITHDRAWN:
            text += f"; WITHDRAWN at {hms(r.decided_at)} UTC ({r.reason}), not used"
            cites.append(r.decided_seq or 0)
        elif r.status in ("pending", "approved"):
            text += f"; still {r.status} when this was written"
        out.append(Line(text, tuple(c for c in cites if c), at=r.at, actor=r.actor))
    return out
