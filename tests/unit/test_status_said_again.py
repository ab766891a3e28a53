"""Setting the status an incident already reads is said as what it is, never "Status X -> X".

redteam35: a verify gate passed (the status read mitigated by derivation), then the commander typed
`incident status ID mitigated`: the journal kept `{"from": "mitigated", "to": "mitigated"}` and
the PIR's timeline said "Status mitigated -> mitigated", a change that changed nothing. The
commander's word still counts (it pins the status against later derivations, and it is the
mitigated milestone when nothing else marked it), so it is journaled, in words that say so. The
same status said twice by the commander is refused, as a severity set twice is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.errors import WarroomError
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev


def _incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    return IncidentStore(tmp_path / "state").create(title="Quota", severity="P3", runbook=None)


def test_the_status_a_verify_gate_derived_said_by_the_commander_reads_as_a_confirmation(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    inc.append(ev.VERIFY_PASSED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m", "value": 70.0})
    assert inc.refresh().status == "mitigated"          # derived from the gate
    inc.set_status("mitigated")
    st = inc.refresh()
    text = [t.text for t in st.timeline if t.kind == ev.STATUS_CHANGED]
    assert text == ["Status mitigated (said by the commander; it already read mitigated)"]
    assert "mitigated -> mitigated" not in inc.render()


def test_a_status_the_commander_already_said_is_refused(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    inc.set_status("identified")
    with pytest.raises(WarroomError, match="already identified"):
        inc.set_status("identified")
    assert [t.text for t in inc.refresh().timeline if t.kind == ev.STATUS_CHANGED] == \
        ["Status investigating -> identified"]


def test_the_commanders_reason_goes_on_the_timeline_redacted(tmp_path: Path) -> None:
    """What the commander saw, said with the word (the dashboard's ``m`` and ``incident status --reason``), is on
    the timeline the PIR prints, through the same redaction as every other free text."""
    inc = _incident(tmp_path)
    inc.set_status("mitigated", "no failure since the rollback; token sk-ant-abcdefghijklmnopqrstu")
    [said] = [t.text for t in inc.refresh().timeline if t.kind == ev.STATUS_CHANGED]
    assert said.startswith("Status investigating -> mitigated: no failure since the rollback")
    assert "sk-ant-abcdefghijklmnopqrstu" not in said
    inc.set_status("monitoring", "   ")
    assert [t.text for t in inc.refresh().timeline if t.kind == ev.STATUS_CHANGED][-1] == \
        "Status mitigated -> monitoring"
