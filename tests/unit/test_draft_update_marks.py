"""The stakeholder update drafted from the journal names each recent run as the checklist marks
it (``marks.step_state``), never "ok" for a check that missed its expectation or a mitigation
whose verify gate failed.

Found in the mass-failure drill (attack14): step 37 ("Flow success rate over the last 30
minutes", expects 99 or more) printed 78.3, the checklist showed ≠, and ``incident draft-update``
told stakeholders "Flow success rate over the last 30 minutes, in percent (check): ok."
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.incident_fixtures import ran_ok
from tests.unit.test_runbook_beside import _mass_failure
from warroom.incident.cadence import draft_update
from warroom.journal import events as ev



def test_the_draft_never_calls_a_run_that_did_not_do_its_job_ok(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    met = ran_ok(inc, 1, expect="5 or more", expect_met=True, expect_verdict="met",
                  expect_reason="the output holds 21.6 (wanted 5 or more)", expect_kind="numeric")
    unmet = ran_ok(inc, 37, expect="99 or more", expect_met=False, expect_verdict="unmet",
                    expect_reason="the output holds 78.3 (wanted 99 or more)", expect_kind="numeric")
    rollback = ran_ok(inc, 28, mutating=True)
    gate = {"step": 28, "step_id": rollback.id, "runbook_id": inc.runbook().id, "expr": "failure_rate < 1 within 10m"}
    inc._append(ev.VERIFY_STARTED, gate)
    inc._append(ev.VERIFY_FAILED, {**gate, "reason": "still 14% after 10m", "value": "14%"})
    text = draft_update(inc.refresh(), inc.clock(), 600.0)
    assert f"{met.label} (check): ok." in text
    assert f"{unmet.label} (check): ran, expectation not met." in text
    assert f"{rollback.label} (mitigation attempt): ran, verify gate FAILED." in text
