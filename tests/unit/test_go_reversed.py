"""A GO taken back by a later NO-GO: the runbook it opened stays open beside the current one
(steps done in it may need undoing), but no view may read as if the GO still stood — the
resolve question, the PIR's Rollback line, the beside checklist's heading, ``incident show``
and the incoming commander's brief all say the GO was reversed, by whom and when. A GO taken
again makes it stand again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_runbook_beside import _go, _mass_failure
from warroom.errors import WarroomError
from warroom.incident.handoff import catch_up_brief
from warroom.incident.live import LiveIncident


def _brief_lines(inc) -> list[str]:  # type: ignore[no-untyped-def]
    brief = catch_up_brief(inc.refresh(), inc.clock(), update_every=inc.update_every(), config=inc.config,
                           runbooks=inc.open_runbooks())
    return [line for _title, lines in brief.sections for line in lines]


def _heading(inc) -> str:  # type: ignore[no-untyped-def]
    from tui.view import open_beside

    with LiveIncident(inc) as live:
        snap = live.snapshot()
        (rb,) = open_beside(snap, snap.state, {}, inc.clock())
    return rb.opened_by


def test_a_go_reversed_by_a_no_go_is_said_wherever_the_go_is_said(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tui.cli import main

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    inc.tick(1, "RB-LAUNCH-002")
    assert _heading(inc) == "GO on rollback-to-pilot"
    (opened,) = inc.go_opened()
    assert opened.reversed_by == "" and "reversed" not in opened.text()
    assert not any("reversed" in line for line in _brief_lines(inc))

    nogo = _go(inc, "NO-GO").event
    when = f"{nogo.ts:%H:%M:%S} UTC"
    st = inc.refresh()
    assert st.open_runbook_ids() == ["RB-LAUNCH-005", "RB-LAUNCH-002"]      # stays open: 1 step was done
    (opened,) = inc.go_opened()
    assert opened.reversed_by == f"NO-GO by dana at {when}"
    assert f"(the GO was reversed: NO-GO by dana at {when}): 1 of 19 steps done" in opened.text()
    assert _heading(inc) == f"GO REVERSED: NO-GO by dana at {when}"
    assert f"RB-LAUNCH-002 is open beside, but the GO that opened it was reversed (NO-GO by dana at {when})" \
        in " ".join(_brief_lines(inc))

    base = ["--state-dir", str(tmp_path)]
    assert main(["incident", "show", inc.id, *base]) == 0
    assert f"; the GO was reversed: NO-GO by dana at {when})" in capsys.readouterr().out
    with pytest.raises(WarroomError, match="the GO was reversed: NO-GO by dana"):
        inc.resolve("hotfix deployed", rollback=None)
    inc.resolve("hotfix deployed", rollback=False)
    pir = inc.render("pir")
    assert f"no, as the commander said at resolve ({opened.text()})" in pir      # the words resolving showed
    assert f"(the GO was reversed: NO-GO by dana at {when}): 1 of 19 steps done)" in pir


def test_a_go_taken_again_after_the_no_go_stands_again(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    _go(inc, "NO-GO")
    assert inc.go_opened()[0].reversed_by.startswith("NO-GO by dana")
    _go(inc)
    (opened,) = inc.go_opened()
    assert opened.reversed_by == "" and "reversed" not in opened.text()
    assert _heading(inc) == "GO on rollback-to-pilot"


def test_what_the_go_opened_counts_done_as_the_checklist_marks_it(tmp_path: Path) -> None:
    """A step of the opened runbook that exited 0 but missed its expectation is not "done" at
    resolve or in the PIR (the checklist heading says it is FAILED or unmet): one rule."""
    from panes.runbook import progress_text
    from tui.view import open_beside
    from warroom.journal import events as ev

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    inc.tick(2, "RB-LAUNCH-002")
    step = inc.step(1, "RB-LAUNCH-002")
    ref = {"step": 1, "step_id": step.id, "label": step.label, "runbook_id": "RB-LAUNCH-002"}
    inc._append(ev.STEP_STARTED, {**ref, "command": step.command or "true"})
    inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "expect": "the allowlist",
                                   "expect_verdict": "unmet", "expect_reason": "no allowlist printed"})
    (opened,) = inc.go_opened()
    assert (opened.done, opened.failed) == (1, 1)
    assert opened.progress() == "1 of 19 steps done, 1 failed or unmet"
    with LiveIncident(inc) as live:
        snap = live.snapshot()
        (rb,) = open_beside(snap, snap.state, {}, inc.clock())
        assert progress_text(snap.runbook_by_id("RB-LAUNCH-002"), rb.steps) == "1/19 done, 1 FAILED or unmet"
    inc.resolve("hotfix", rollback=True)
    assert f"yes, as the commander said at resolve ({opened.text()})" in inc.render("pir")
    assert opened.text().endswith(": 1 of 19 steps done, 1 failed or unmet")


def test_a_cancelled_step_is_counted_alike_on_the_checklist_and_at_resolve(tmp_path: Path) -> None:
    """One rule (``marks.DONE_MARKS``/``TROUBLE_MARKS``): a cancelled step of the opened runbook is
    in trouble in the beside checklist's heading as in the resolve question and the PIR."""
    from panes.runbook import progress_text
    from tui.view import open_beside
    from warroom.journal import events as ev

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    step = inc.step(3, "RB-LAUNCH-002")
    ref = {"step": 3, "step_id": step.id, "label": step.label, "runbook_id": "RB-LAUNCH-002"}
    inc._append(ev.STEP_STARTED, {**ref, "command": step.command or "true", "mutating": True})
    inc._append(ev.STEP_FINISHED, {**ref, "status": "cancelled", "signal": "SIGTERM"})
    (opened,) = inc.go_opened()
    assert opened.progress() == "0 of 19 steps done, 1 failed or unmet"
    with LiveIncident(inc) as live:
        snap = live.snapshot()
        (rb,) = open_beside(snap, snap.state, {}, inc.clock())
        assert progress_text(snap.runbook_by_id("RB-LAUNCH-002"), rb.steps) == "0/19 done, 1 FAILED or unmet"
