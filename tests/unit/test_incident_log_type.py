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
