"""The incident log's Type is what the PIR's Type row says: the type given at resolve, else
nothing (the PIR asks a human for it); never a guess that reads as the commander's word.

Found in the mass-failure drill (attack14): resolved without --type, the PIR said "Type: _Needs a
human:_ incident type (not given at resolve)" while incident_log.csv said "Mass failure response"
(the runbook's title) for the same incident.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_runbook_beside import _mass_failure
from warroom.incident import csvlog


def _exported(tmp_path: Path, **resolve: str) -> tuple[str, dict[str, str]]:
    inc, _ = _mass_failure(tmp_path)
    inc.resolve("v1.2.0 rolled back", rollback=True, **resolve)
    r = inc.export("pir")
    return r.path.read_text(), csvlog.read_rows(r.log_path)[-1]


def test_a_type_not_given_is_blank_in_the_log_as_the_pir_asks_for_it(tmp_path: Path) -> None:
    pir, row = _exported(tmp_path)
    assert "| **Type** | _Needs a human:_ incident type (not given at resolve) |" in pir
    assert row["Type"] == ""


def test_a_type_given_is_the_same_in_both(tmp_path: Path) -> None:
    pir, row = _exported(tmp_path, type="bad release")
    assert "| **Type** | bad release `[#" in pir and row["Type"] == "bad release"


def test_what_fixed_it_not_said_is_asked_of_a_human_never_the_summary_again(tmp_path: Path) -> None:
    """redteam43 R6: resolved with the summary alone ("what fixed it" left empty), the journal's resolution, the PIR's
    Resolution row and section and the log's Resolution column all repeated the summary as if the commander had
    said what fixed it. Not said, it is asked of a human (the PIR) and blank (the log), as the type is."""
    pir, row = _exported(tmp_path)
    assert "| **Resolution** | _Needs a human:_ what fixed it (not given at resolve) |" in pir
    assert "v1.2.0 rolled back `[#" not in pir.split("## Summary", 1)[0] and row["Resolution"] == ""
    assert pir.split("## Resolution\n\n", 1)[1].startswith("_Needs a human:_ what fixed it (not given at resolve)")
    pir, row = _exported(tmp_path / "said", resolution="rollout undo")
    assert "| **Resolution** | rollout undo `[#" in pir and row["Resolution"] == "rollout undo"
