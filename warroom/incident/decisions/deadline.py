"""When a decision is due: whether its ``applies_when`` condition arose (the journal's
``decision.arose``, or this look) and lapsed since (``decision.lapsed``), which of its arisals a
verdict answers, and where its deadline counts from — the first arisal of its run (``runs``) — as
the journal has them for the views that read it only (the reminder's record, the drill report, the
PIR, the update)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom import scenario_time as stime
from warroom.incident.records import moment_of
from warroom.incident.decisions.model import (CriterionVerdict, Run, answered_arisal, before_it_arose,
                                              decision_key, recorded_key)
from warroom.incident.decisions.runs import run_holding, runs
from warroom.runbook.decision import Decision


@dataclass(frozen=True)
class Arisal:
    """One arisal of a conditional decision, from the journal: the ``decision.arose`` that began it,
    when it held from (``at``), and the ``decision.lapsed`` that ended it, if one did. A decision
    that arose, lapsed and arises again is asked again: each arisal is its own question, with its
    own deadline and its own verdict (attack39 G2)."""

    arose: dict[str, Any]
    at: datetime | None
    lapsed: dict[str, Any] | None = None
    lapsed_at: datetime | None = None


def arisals_of(state: Any, decision: Decision, runbook_id: str) -> list[Arisal]:
    """The journal's arisals of this decision as this runbook states it (the condition is the
    runbook's own: RB-CORE-004's "all providers down" says nothing of RB-LAUNCH-004's), in order:
    each ``decision.arose`` with the ``decision.lapsed`` journaled after it and before the next one.
    A journal from before lapses were journaled has one ``decision.arose``: one arisal, as it read."""
    return _arisals(state, decision_key(decision, runbook_id), runbook_id)


def _arisals(state: Any, key: tuple[str, str], runbook_id: str) -> list[Arisal]:
    def mine(a: dict[str, Any]) -> bool:
        return recorded_key(a) == key and str(a.get("runbook_id")) == runbook_id

    arose = sorted((a for a in getattr(state, "decisions_arose", None) or [] if mine(a)),
                   key=lambda a: int(a.get("seq") or 0))
    lapses = sorted((x for x in getattr(state, "decisions_lapsed", None) or [] if mine(x)),
                    key=lambda x: int(x.get("seq") or 0))
    out = []
    for i, a in enumerate(arose):
        since = int(a.get("seq") or 0)
        upto = int(arose[i + 1].get("seq") or 0) if i + 1 < len(arose) else None
        lapse = next((x for x in lapses
                      if since < int(x.get("seq") or 0) and (upto is None or int(x.get("seq") or 0) < upto)), None)
        out.append(Arisal(a, arose_at(a), lapse, arose_at(lapse) if lapse is not None else None))
    return out


def arose_of(state: Any, decision: Decision, runbook_id: str) -> dict[str, Any] | None:
    """The journal's latest ``decision.arose`` for this decision as this runbook states it (None: it
    never arose); whether it lapsed since is ``arisals_of``'s."""
    found = arisals_of(state, decision, runbook_id)
    return found[-1].arose if found else None


def arose_at(arose: dict[str, Any]) -> datetime | None:
    """When a journaled ``decision.arose`` (or ``decision.lapsed``) says the condition began (or
    stopped) holding: the instant its look judged the condition (``judged_at``, the moment the
    metrics were read at, or a step run's end), else the line's own time."""
    judged = arose.get("judged_at")
    try:
        when = datetime.fromisoformat(str(judged).replace("Z", "+00:00")) if judged else None
    except ValueError:
        when = None
    if when is not None and when.tzinfo is not None:
        return when
    at = arose.get("at")
    return at if isinstance(at, datetime) else None


def seen_arising(applies: CriterionVerdict | None, now: datetime) -> datetime | None:
    """When a condition seen to hold now began holding, as this look knows it: a step's output held
    it from the run's end, not from the look that read it; a metric from this look. None: it is not
    seen to hold."""
    if applies is None or not applies.arises:
        return None
    seen = applies.seen_at
    return seen if seen is not None and seen <= now else now


def deadline_start(decision: Decision, state: Any, run: Run | None,
                   not_needed: str | None) -> tuple[datetime | None, str]:
    """Where a decision's deadline counts from, and how to say it.

    A decision every incident of the runbook faces counts from detection (the runbook's clock,
    like its escalation tiers). A conditional one (``applies_when``) counts from the first arisal of
    its current run (``runs``: the arisals since the last one a verdict answered, this look's own
    included when it sees the condition hold again and the journal does not have it yet) — so a
    decision that arises at minute 40 with a 30-minute deadline is due at minute 70, never overdue
    on arrival; one that arises again after a verdict answered it gets a deadline of its own; one
    that lapsed and holds again with no verdict between keeps the deadline it had (a flapping
    condition goes overdue). Before it arises no deadline runs. A condition read in a step's output
    arose when that run ended (the look that first read it may come much later). One needed only
    because another runbook's unconditional copy of it is overdue counts from detection, as that
    copy does."""
    if decision.applies_when is None:
        return state.clock_start, "detection"
    if run is not None:
        return run.since, "it arose again" if run.first > 0 else "it first arose" if run.arisals > 1 else "it arose"
    if not_needed is None:       # needed through another runbook that states it unconditionally
        return state.clock_start, "detection"
    return None, "it arises"


def given_deadline(state: Any, deadline: float) -> float:
    """The deadline the commander gets (incident seconds): the runbook's, in a drill never under the
    wall time people need to read the criteria and decide (``scenario_time.for_people``, the floor an
    approval's life has too: at x60 a 30-minute deadline was 30 wall seconds, redteam41 G5)."""
    return stime.for_people(float(deadline), stime.scale_of(state))


def raised_words(state: Any, given: Any, asked: Any) -> str:
    """Why a deadline (incident seconds) is longer than the runbook's, or '' (the same, or not known)."""
    if not isinstance(given, int | float) or not isinstance(asked, int | float):
        return ""
    return stime.raised_said(state, float(given), float(asked), "the runbook's deadline",
                             "so the commander has time to decide")


def recorded_raised(state: Any, recorded: dict[str, Any]) -> str:
    """:func:`raised_words` of a journaled reminder or verdict (its ``deadline`` and ``deadline_asked``)."""
    return raised_words(state, recorded.get("deadline"), recorded.get("deadline_asked"))


def run_deadline(state: Any, since: datetime, deadline: Any) -> datetime:
    """A run's deadline: ``deadline`` (the one given, :func:`given_deadline`; scenario time in a drill)
    after its first arisal began, as the view judged now counts it (``judging.evaluate``)."""
    return stime.after(state, since, deadline)


def runs_for(state: Any, key: tuple[str, str], runbook_id: str) -> tuple[list[datetime], list[Run]]:
    """The journal's arisals of a decision as a runbook states it (their starts) and their runs
    (``runs.runs``, given the journal's verdicts on it): what the views that read the journal only
    (the reminder's record, the drill report, the PIR) go by."""
    starts = [a.at for a in _arisals(state, key, runbook_id) if a.at is not None]
    return starts, runs(starts, [d for d in state.decisions if recorded_key(d) == key])


def arose_after(state: Any, recorded: dict[str, Any]) -> datetime | None:
    """When the decision a journaled verdict was taken on first arose, where it arose after the
    verdict (``model.before_it_arose``: then the verdict answers none of its arisals); None otherwise.
    Read from the journal alone (the verdict's runbook's ``decision.arose``): what the PIR, the drill
    report and the update, which judge no condition, go by."""
    if not recorded.get("not_needed"):
        return None
    found = _arisals(state, recorded_key(recorded), str(recorded.get("runbook_id")))
    when = found[0].at if found else None
    return when if when is not None and before_it_arose(recorded, when) else None


def arose_for(state: Any, recorded: dict[str, Any]) -> dict[str, Any] | None:
    """The journal's first ``decision.arose`` of the decision a journaled verdict was taken on (its
    runbook's: the condition is the runbook's own), None while it has not arisen."""
    found = _arisals(state, recorded_key(recorded), str(recorded.get("runbook_id")))
    return found[0].arose if found else None


@dataclass(frozen=True)
class Answered:
    """Which arisal a journaled verdict answers, read from the journal (``model.answered_arisal``):
    ``number`` (1-based; 0 for a decision that never arose, or has no condition), when that arisal
    began, when the decision arose again after it (None: it did not, so the verdict is its latest
    answer), and the run it ended (``runs``: the question open since its first arisal; None for a
    decision that never arose)."""

    number: int
    began: datetime | None
    again: datetime | None
    run: Run | None = None


def answered_of(state: Any, recorded: dict[str, Any]) -> Answered | None:
    """The arisal a journaled verdict answers (``Answered``), None for one that answers none (recorded
    before its decision first arose). What the PIR, the drill report and the update say of a verdict
    on a decision that arose more than once: which time it answered, that it arose again, and since
    when the question it answered was open."""
    starts, found = runs_for(state, recorded_key(recorded), str(recorded.get("runbook_id")))
    if not starts:
        return None if recorded.get("not_needed") else Answered(0, None, None)
    i = answered_arisal(recorded, starts)
    if i is None:
        return None
    return Answered(i + 1, starts[i], starts[i + 1] if i + 1 < len(starts) else None, run_holding(found, i))


def answering(state: Any) -> list[dict[str, Any]]:
    """The journal's verdicts that answer their decision, in order: every one but those recorded
    before their decision arose (``arose_after``)."""
    return [d for d in state.decisions if arose_after(state, d) is None]


def same_question(state: Any, recorded: dict[str, Any]) -> list[dict[str, Any]]:
    """The journal's verdicts that answer the same arisal of the same decision as ``recorded``
    (``answered_of``), in order: a verdict on the decision's second arisal neither confirms nor
    reverses one on its first, nor stood by its deadline (each arisal is its own question)."""
    mine = answered_of(state, recorded)
    key = recorded_key(recorded)
    return [d for d in answering(state) if recorded_key(d) != key or answered_of(state, d) == mine]


def overdue_run(state: Any, overdue: dict[str, Any]) -> Run | None:
    """The run a journaled ``decision.overdue`` reminded of (``runs``): the one whose first arisal it
    names (``open_since``); a line from before runs (decide40's) names its arisal (``arose_at``), an
    older one none (then the latest arisal begun by the time it was journaled): the run holding that
    arisal. None for a decision that never arose (asked from detection). Two lines of one run (a
    journal from before runs reminded each arisal) are one missed deadline."""
    starts, found = runs_for(state, recorded_key(overdue), str(overdue.get("runbook_id")))
    named = moment_of(overdue.get("open_since")) or moment_of(overdue.get("arose_at"))
    at = overdue.get("at")
    upto = named if named is not None else at if isinstance(at, datetime) else None
    began = [i for i, s in enumerate(starts) if upto is None or s <= upto]
    return run_holding(found, began[-1]) if began else None


def overdue_due(state: Any, overdue: dict[str, Any]) -> datetime | None:
    """The deadline a journaled ``decision.overdue`` reminded of, as every view counts it: the runbook's
    deadline after the first arisal of its run (``run_deadline``), so a line journaled before runs
    (decide40's, one per arisal) names the run's deadline too; the line's own ``due_at`` for a decision
    asked from detection (or a line that does not say the deadline)."""
    run, deadline = overdue_run(state, overdue), overdue.get("deadline")
    if run is not None and deadline is not None:
        return run_deadline(state, run.since, deadline)
    return moment_of(overdue.get("due_at"))


def missed_by(state: Any, recorded: dict[str, Any]) -> datetime | None:
    """The deadline of the run a journaled verdict answers when that run was reminded overdue before
    it (``overdue_due``), None otherwise: the verdict came after a missed deadline, so the drill report
    and the PIR say it was taken late beside the PIR's "(decided later)" — also when it was recorded
    while the condition had lapsed (not needed then, so not journaled ``late``): one miss, said once,
    never "missed" in one view and "taken while not needed" in the other."""
    answered = answered_of(state, recorded)
    if answered is None or answered.run is None:
        return None
    key, seq = recorded_key(recorded), int(recorded.get("seq") or 0)
    return next((overdue_due(state, o) for o in getattr(state, "decisions_overdue", None) or ()
                 if recorded_key(o) == key and int(o.get("seq") or 0) < seq and overdue_run(state, o) == answered.run),
                None)


def decided_later(state: Any, overdue: dict[str, Any]) -> bool:
    """Whether a verdict answers the run a journaled ``decision.overdue`` reminded of (the PIR's
    "(decided later)"): a verdict on an earlier or a later run of the same decision does not."""
    key, run = recorded_key(overdue), overdue_run(state, overdue)
    return any(recorded_key(d) == key and (a := answered_of(state, d)) is not None and a.run == run
               for d in answering(state))
