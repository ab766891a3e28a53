"""``warroom incident decide``: a runbook's Go/No-Go decision, evaluated, then recorded.

Without ``--go``/``--no-go`` it shows each criterion met / not met / unknown and the suggestion;
with one it records the verdict, who and why (``warroom.incident.decisions``). A decision whose
deadline has passed without a verdict is journaled as overdue the first time anyone looks.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from typing import Any

from warroom.journal import numbers
from warroom.cli.common import out
from warroom.cli.incident_args import _open
from warroom.cli.incident_metrics import sync
from warroom.errors import WarroomError
from warroom.incident import decisions as dec
from warroom.paths import command
from warroom.runbook.decision import rule_words

STATE_MARKS = {dec.MET: "✔ met", dec.NOT_MET: "✗ not met", dec.UNKNOWN: "? unknown"}


def views(inc: Any) -> dec.Judged:
    """Every decision of the incident's runbooks, judged now with the incident's metric source,
    and the decision blocks of those runbooks that could not be read."""
    from warroom.incident.live import LiveIncident, metric_source_for

    source, _speed = metric_source_for(inc)
    live = LiveIncident(inc, source)
    try:
        return dec.judge_incident(inc, live.snapshot(), source, inc.clock())
    finally:
        live.close()


def _pick(found: list[dec.DecisionView], ref: str | None, broken: Sequence[str] = ()) -> dec.DecisionView:
    if not found:
        if broken:
            raise WarroomError("; ".join(broken))
        raise WarroomError("the incident's runbooks have no Go/No-Go decision (a ```decision block)")
    if ref:
        match = [v for v in found if v.decision.id == ref]
        if not match:
            more = f" ({'; '.join(broken)})" if broken else ""
            raise WarroomError(f"no decision {ref!r}; the runbooks have: {', '.join(v.decision.id for v in found)}{more}")
        return match[0]
    return next((v for v in found if v.recorded is None), found[0])


def cmd_decide(args: argparse.Namespace) -> int:
    inc = _open(args)
    if args.verdict is not None:     # said at once, before the criteria are judged (``observer_seat``)
        from warroom.incident.observer_seat import require_writer

        require_writer(inc.config, inc.id, "record a Go/No-Go verdict")
    sync(inc)          # what the journal is owed first (tiers, breaches, an overdue update), as `show` does
    judged = views(inc)
    dec.remind_overdue(inc, judged.views)
    view = _pick(judged.views, args.decision, judged.broken)
    for line in judged.broken:      # a readable decision is shown; a broken block is still said
        out(f"warning: {line}", sys.stderr)
    if args.verdict is None:
        if args.json:
            out(numbers.dumps(view.to_json(), indent=2))
            return 0
        if inc.state.resolved and view.judged_at is not None:
            out(f"resolved: judged as it stood at the resolution, {view.judged_at:%H:%M:%S} UTC; a verdict needs"
                f" `{command('incident', 'reopen', inc.id, '--reason', 'R')}` first")
        for line in render(view):
            out(line)
        return 0
    by = args.by or inc.config.incident.commander or getpass.getuser()
    done = dec.record(inc, view, args.verdict, by=by, why=args.why)
    out(done.said(args.verdict, by))
    return 0


def render(view: dec.DecisionView) -> list[str]:
    lines = [f"{view.decision.question}  [{view.runbook_id} / {view.decision.id}]"]
    if view.due_at is not None:
        lines.append(f"deadline {view.due_text}" + ("  OVERDUE" if view.overdue else ""))
    if view.applies is not None:
        lines.append(f"arises when: {STATE_MARKS[view.applies.state]:<11} {view.applies.text} — {view.applies.evidence}"
                     + arisal_words(view))
    if view.not_needed:
        lines.append(f"not needed now ({view.not_needed}); a verdict can still be recorded"
                     + (f": it answers it as it arose at {view.arisen_at:%H:%M:%S} UTC, not if it arises again"
                        if view.arisen_at is not None else ", but it does not answer the decision if it arises"))
    for side, title in (("go", rule_words("go", view.decision.go_when) + ":"),
                        ("no_go", rule_words("no_go", view.decision.no_go_when) + ":")):
        rows = [c for c in view.criteria if c.side == side]
        if rows:
            lines.append(title)
            lines.extend(f"  {STATE_MARKS[c.state]:<11} {c.text} — {c.evidence}" for c in rows)
    lines.append(f"suggestion: {view.suggestion}")
    if view.recorded:
        rec = view.recorded
        where = f" (in {rec.get('runbook_id')})" if rec.get("runbook_id") not in (None, view.runbook_id) else ""
        lines.append(f"recorded: {rec.get('verdict')} by {rec.get('by')}{where}: {rec.get('why')}"
                     + (f" (on its arisal of {view.arisen_at:%H:%M:%S} UTC)" if view.again and view.arisen_at else ""))
    if early := view.early_words():
        lines.append(f"{early} (why: {(view.early or {}).get('why')})")
    return lines


def arisal_words(view: dec.DecisionView) -> str:
    """What the ``arises when`` line says of the decision's arisals beside the condition's mark, each
    word true of it: ``(needed since 10:00:03 UTC)`` while it holds, ``(needed again since …; it
    first arose at …)`` once it arose again, and once it stopped holding ``(it arose at …, no longer
    holds since …; still needed: no verdict answered it)`` — never "not met" beside "needed since"
    alone (attack39 G2)."""
    began = view.arisen_at
    if began is None or view.applies is None:
        return ""
    first = f"; it first arose at {view.arisals[0]:%H:%M:%S} UTC" if view.again else ""
    if view.applies.arises:
        return f" (needed {'again ' if view.again else ''}since {began:%H:%M:%S} UTC{first})"
    since = f" since {view.lapsed_at:%H:%M:%S} UTC" if view.lapsed_at is not None else ""
    held = "no longer holds" if view.applies.state == dec.NOT_MET or view.lapsed_at is not None else "not read now"
    still = ("; still needed: no verdict answered it" if view.needed and view.recorded is None
             else "; answered" if view.recorded is not None else "")
    return f" (it arose at {began:%H:%M:%S} UTC, {held}{since}{still}{first})"
