"""The PIR calls a run that changes things by what its runbook section says it is (redteam43 R14).

"Step 15 (Tell #ops-alerts what is happening and what to expect, mitigation attempt)": every run that changes things
was a "mitigation attempt", a Slack notice in Communication and a flow's retry in Recovery too. One in a mitigation
section (or whose section is not known) still is; any other is said as the checklist says it, with its section.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.incident_fixtures import ran_ok
from warroom.config import Config
from warroom.incident.store import IncidentStore
from warroom.runbook.library import RunbookLibrary


def test_a_notice_that_changes_things_is_no_mitigation_attempt_a_breaker_is(tmp_path: Path) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    book = RunbookLibrary.from_config(cfg).get("RB-CORE-003")
    assert book is not None
    inc = IncidentStore(tmp_path, cfg).create(title="429s", severity="P3", runbook=book.path, source={})
    told = next(s for s in book.steps if s.section == "Communication" and s.kind != "manual")
    breaker = next(s for s in book.steps if s.section == "Mitigation" and s.mutating)
    ran_ok(inc, told.number, mutating=True)
    ran_ok(inc, breaker.number, mutating=True)
    pir = inc.render("pir")
    assert f"Step {told.number} ({told.label}, changes things, Communication): ok" in pir, pir
    assert f"Step {breaker.number} ({breaker.label}, mitigation attempt): ok" in pir
    # a stakeholder update's draft says the same (the CLI's and the dashboard's composer)
    from warroom.incident.cadence import draft_update
    from warroom.incident.marks import step_sections

    text = draft_update(inc.state, inc.clock(), 1800.0, sections=step_sections(inc.open_runbooks()))
    assert f"{told.label} (changes things, Communication): ok." in text
    assert f"{breaker.label} (mitigation attempt)" in text
