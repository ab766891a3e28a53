"""Where a conditional decision's deadline counts from: the first arisal of its unanswered run.

A condition that lapses and holds again before its deadline, with no verdict between, is the same
question still unanswered: counted per arisal, a flapping condition got a fresh deadline each time it
held again and never went overdue, so the commander was never reminded of a question open for longer
than its deadline (decide40's leftover, attack40 A1). A *run* is the arisals from the first (or the
first after a verdict) to the one a verdict answers (or the latest): a verdict ends its run, and the
next arisal after it begins a new run with a deadline of its own. A verdict still answers the arisal it
was recorded in (``model.answered_arisal``), never a later one; the earlier arisals of its run had
none, so it answers the question open since the run's first arisal.

Every view asks here (``runs``): the view judged now (``judging.evaluate``: ``decide``, ``incident
show``, the dashboard's rows, the dialog), the overdue reminder (one per run), the drill report and
the PIR (one miss per run, its deadline dated to the run's first arisal)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from warroom.incident.decisions.model import Run, answered_arisal


def runs(starts: Sequence[datetime], verdicts: Sequence[dict[str, Any]]) -> list[Run]:
    """The runs of a conditional decision's arisals (``starts``, oldest first), given the journal's
    verdicts on it: a run ends at an arisal a verdict answers (``answered_arisal``), and at the
    latest arisal."""
    answered = {i for d in verdicts if (i := answered_arisal(d, starts)) is not None}
    out: list[Run] = []
    first = 0
    for i in range(len(starts)):
        if i in answered or i == len(starts) - 1:
            out.append(Run(first, i, starts[first]))
            first = i + 1
    return out


def run_holding(found: Sequence[Run], index: int) -> Run | None:
    """The run of ``found`` that holds the arisal at ``index`` (None: none does)."""
    return next((r for r in found if r.holds(index)), None)
