"""The incoming commander's brief lists as "not done" what the checklist does not count as done
(``marks.DONE_MARKS`` over ``marks.step_state``), with the checklist's word.

Found in the mass-failure drill (attack14): step 3 ("Flow success rate over the last hour",
expects 99 or more) printed 90.7 and the checklist marked it ≠ (1/51 done, 1 FAILED or unmet);
``incident brief`` counted it done (its own set of done statuses, {"ok", "ticked", "skipped"})
and left it out of "Steps running and not done"; a mitigation whose verify gate FAILED likewise.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.incident_fixtures import ran_ok
from tests.unit.test_runbook_beside import _mass_failure
from warroom.incident.handoff import catch_up_brief
from warroom.journal import events as ev


def test_the_brief_lists_runs_that_did_not_do_their_job(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    met = ran_ok(inc, 1, expect="5 or more", expect_met=True, expect_verdict="met",
                  expect_reason="the output holds 21.6 (wanted 5 or more)", expect_kind="numeric")
    unmet = ran_ok(inc, 3, expect="99 or more", expect_met=False, expect_verdict="unmet",
                    expect_reason="the output holds 90.7 (wanted 99 or more)", expect_kind="numeric")
    rollback = ran_ok(inc, 2, mutating=True)
    gate = {"step": 2, "step_id": rollback.id, "runbook_id": inc.runbook().id, "expr": "failure_rate < 1 within 10m"}
    inc._append(ev.VERIFY_STARTED, gate)
    inc._append(ev.VERIFY_FAILED, {**gate, "reason": "still 14% after 10m", "value": "14%"})
    st = inc.refresh()
    brief = catch_up_brief(st, inc.clock(), update_every=inc.update_every(),
                           config=inc.config, runbooks=inc.open_runbooks())
    steps = dict(brief.sections)["Steps running and not done"]
    assert f"step 3 ({unmet.label}): ran, expectation not met" in steps
    assert f"step 2 ({rollback.label}): ran, verify gate FAILED" in steps
    assert not any(f"step 1 ({met.label})" in s for s in steps)
    assert f"step 4 ({inc.step(4).label}): pending" in steps
