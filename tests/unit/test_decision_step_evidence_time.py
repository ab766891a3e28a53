"""A Go/No-Go criterion read from a step's output (the triage count) is what the step said when
it ran, not now."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from warroom.incident import decisions as dec
from warroom.runbook.decision import Criterion

NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
STATE = SimpleNamespace(clock_start=NOW, notes=[], time_scale=1.0)


def test_a_step_criterion_says_when_its_output_was_read_and_never_reads_a_later_one() -> None:
    """A triage count is what the step said when it ran: judged 25 minutes later the evidence says
    when ("run 25m00s ago, ended 03:35:00 UTC"), so a verdict's record in the PIR does not read as a count taken
    at the verdict; a run that ended after the moment judged (a pinned or replayed moment) is not
    evidence of it."""
    from datetime import timedelta

    c = Criterion("triage count", step="count", pattern=r"Affected: (\d+)", op=">=", value=5.0)
    ran = NOW - timedelta(minutes=25)
    out = dec.StepOutput("Affected: 4\n", "ok", 12, 0, ran)
    v = dec.judge(c, "go", STATE, NOW, None, lambda _s: out)
    assert (v.state, v.evidence) == (dec.NOT_MET,
                                     f"step count (run 25m00s ago, ended {ran:%H:%M:%S} UTC): 4 >= 5 is false")
    later = dec.judge(c, "go", STATE, ran - timedelta(seconds=1), None, lambda _s: out)
    assert later.state == dec.UNKNOWN and "after the moment judged" in later.evidence


def test_a_step_criterion_says_its_age_in_drill_time_and_is_stale_once_a_change_ran_after_it() -> None:
    """redteam39 F10: at x10 "run ended 00:35:20 UTC" hid that the triage count was 35 drill minutes
    old, and judged after the rollback it still read "4 >= 5 is false" as a fact of now. Its age is
    said in drill time; a step that changes things (``mutating``) run after it makes it stale:
    unknown, as a metric on data a pane calls STALE is, with what it read kept. An ``applies_when``
    condition read in a step's output is a fact of its run and never goes stale."""
    from datetime import timedelta

    from warroom.incident.records import StepRun, StepState

    c = Criterion("triage count", step="count", pattern=r"Affected: (\d+)", op=">=", value=5.0)
    ran = NOW - timedelta(minutes=3, seconds=31, microseconds=200000)     # x10: 35m12s drill time
    out = dec.StepOutput("Affected: 4\n", "ok", 12, 0, ran)
    drill = SimpleNamespace(clock_start=NOW - timedelta(minutes=5), notes=[], time_scale=10.0, steps={})
    fresh = dec.judge(c, "go", drill, NOW, None, lambda _s: out)
    assert (fresh.state, fresh.evidence) == (
        dec.NOT_MET, f"step count (run 35m12s drill time ago, ended {ran:%H:%M:%S} UTC): 4 >= 5 is false")

    def change(step_id: str, started: datetime, mutating: bool = True) -> StepState:
        run = StepRun(seq=20, actor="dana", started_at=started, mutating=mutating, status="ok", ended_at=started)
        return StepState(step_id=step_id, runbook_id="RB-1", status="ok", runs=[run])

    rollback = NOW - timedelta(minutes=1)
    drill.steps = {("RB-1", "read"): change("read", ran + timedelta(seconds=5), mutating=False),
                   ("RB-1", "rollback-deployment"): change("rollback-deployment", rollback),
                   ("RB-1", "restart"): change("restart", rollback + timedelta(seconds=5)),
                   ("RB-1", "later"): change("later", NOW + timedelta(seconds=1))}
    stale = dec.judge(c, "go", drill, NOW, None, lambda _s: out)
    assert (stale.state, stale.value) == (dec.UNKNOWN, 4.0)
    # the first change is when changes began, never named as what moved the count (redteam48 F9)
    assert stale.evidence == (f"stale: step count ran 35m12s drill time ago, ended {ran:%H:%M:%S} UTC, and changes were"
                              f" made since (step rollback-deployment at {rollback:%H:%M:%S} UTC first, and 1 more"
                              " change): it read 4 >= 5 is false; run it again")
    cond = dec.judge(c, "applies_when", drill, NOW, None, lambda _s: out)
    assert cond.state == dec.NOT_MET              # a condition's run is a fact: it stays what it read
    before = dec.judge(c, "go", drill, rollback - timedelta(seconds=1), None, lambda _s: out)
    assert before.state == dec.NOT_MET            # judged before the change: fresh then


def test_a_mutating_step_that_failed_may_have_changed_things_and_is_never_said_to_have() -> None:
    """attack39 G3: `rollout undo --to-revision=99` refused (exit 1, nothing rolled back) and the triage
    count read "stale … before step rollback-deployment changed things". A failed run may have changed
    nothing or part of what it meant to: the count stays unknown, in words that say so; a run that did
    change things (exit 0) is named first, and one still running "may be changing things"."""
    from datetime import timedelta

    from warroom.incident.records import StepRun, StepState

    c = Criterion("triage count", step="count", pattern=r"Affected: (\d+)", op=">=", value=5.0)
    ran = NOW - timedelta(minutes=4)
    out = dec.StepOutput("Affected: 3\n", "ok", 12, 0, ran)

    def run(step_id: str, started: datetime, status: str, code: int | None) -> StepState:
        r = StepRun(seq=20, actor="dana", started_at=started, mutating=True, status=status, exit_code=code,
                    ended_at=None if status == "running" else started)
        return StepState(step_id=step_id, runbook_id="RB-1", status=status, runs=[r])

    refused = NOW - timedelta(minutes=2)
    state = SimpleNamespace(clock_start=NOW - timedelta(minutes=5), notes=[], time_scale=1.0,
                            steps={("RB-1", "rollback-deployment"): run("rollback-deployment", refused, "failed", 1)})
    said = dec.judge(c, "go", state, NOW, None, lambda _s: out)
    assert said.state == dec.UNKNOWN and "changed things (" not in said.evidence.replace("may have changed", ""), said
    assert f"before step rollback-deployment may have changed things (it failed: exit 1) ({refused:%H:%M:%S} UTC)" \
        in said.evidence, said.evidence
    state.steps[("RB-1", "undo")] = run("undo", refused + timedelta(seconds=30), "ok", 0)
    said = dec.judge(c, "go", state, NOW, None, lambda _s: out)
    assert "changes were made since (step undo at " in said.evidence and "and 1 more change" in said.evidence, \
        said.evidence
    state.steps = {("RB-1", "scale"): run("scale", refused, "running", None)}
    said = dec.judge(c, "go", state, NOW, None, lambda _s: out)
    assert "before step scale may be changing things (it is still running)" in said.evidence, said.evidence
