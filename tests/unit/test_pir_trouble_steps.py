"""The PIR's "Steps Skipped or Failed" lists every step the checklist marks as trouble
(``marks.TROUBLE_MARKS`` through ``marks.step_state``), not only runs whose exit status failed.

Found driving the mass-failure drill (attack14): step 3 ("Flow success rate over the last hour",
expects 99 or more) printed 90.7; ``incident show`` marked it ``≠ [UNMET]``, the PIR's Commands
Run said "ran, expectation not met", yet "Steps Skipped or Failed" left it out, and with only
such steps it said "Every runbook step that was started finished cleanly". A mitigation whose
verify gate FAILED was left out in the same way.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.incident_fixtures import ran_ok
from tests.unit.test_runbook_beside import _mass_failure
from warroom.journal import events as ev


def _section(pir: str) -> str:
    return pir.split("## Steps Skipped or Failed", 1)[1].split("\n## ", 1)[0]



def test_a_run_that_missed_its_expectation_is_listed_with_why(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    step = ran_ok(inc, 3, expect="99 or more", expect_met=False, expect_verdict="unmet",
                   expect_reason="the output holds 90.7 (wanted 99 or more)", expect_kind="numeric")
    inc.resolve("rolled back", rollback=True)
    section = _section(inc.render("pir"))
    assert (f"- Step 3 ({step.label}) **ran, expectation not met** (exit 0) after 1 attempt: "
            "the output holds 90.7 (wanted 99 or more) `[#") in section
    assert "finished cleanly" not in section


def test_a_run_whose_verify_gate_failed_is_listed_with_the_gate(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    step = ran_ok(inc, 28)
    gate = {"step": 28, "step_id": step.id, "runbook_id": inc.runbook().id, "expr": "failure_rate < 1 within 10m"}
    inc._append(ev.VERIFY_STARTED, gate)
    inc._append(ev.VERIFY_FAILED, {**gate, "reason": "still 14% after 10m", "value": "14%"})
    inc.resolve("rolled back", rollback=True)
    section = _section(inc.render("pir"))
    assert (f"- Step 28 ({step.label}) **ran, verify gate FAILED** (exit 0) after 1 attempt: "
            "still 14% after 10m (failure_rate < 1 within 10m) `[#") in section
    assert "finished cleanly" not in section


def test_a_run_that_did_its_job_is_not_listed(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    step = ran_ok(inc, 1, expect="5 or more", expect_met=True, expect_verdict="met",
                   expect_reason="the output holds 21.6 (wanted 5 or more)", expect_kind="numeric")
    inc.resolve("rolled back", rollback=True)
    assert f"Step 1 ({step.label})" not in _section(inc.render("pir"))
