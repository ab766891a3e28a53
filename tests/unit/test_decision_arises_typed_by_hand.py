"""A decision's condition read from a step typed by hand arises, as the checklist credits the step (redteam49 F12).

RB-CORE-005's "Bring FlowEngine back?" arises when the no-active-flows check counted 0. With the halt and the check
typed in the drill shell, ``incident show`` said the check "typed by hand" while the decision said "step
confirm-no-active-flows has not run" and "not needed now": no deadline, no reminder, no Decisions section in the
PIR, FlowEngine left halted. The condition's number is still not read (the shell's output is not kept), so it stays
unknown and says why, yet the decision arises from the typing: the one judge (``criteria.judge``) feeds the
deadline, the reminder's ``decision.arose`` and every view.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import typed_drill_incident
from tests.unit.standins_corpus import typed_in_shell
from warroom.incident.decisions import evaluate_all, note_arisen

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-005-security-incident.md"
HALT = ["kubectl", "scale", "deployment/flowengine", "--replicas=0", "-n", "production"]     # step 7, word for word
CHECK = ["blocks", "status", "flows", "--active"]                                               # step 8


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def test_the_halt_checked_by_hand_makes_bring_flowengine_back_arise_with_its_deadline(tmp_path: Path) -> None:
    d, clock, inc = typed_drill_incident(tmp_path, "audit-gap", RUNBOOK, title="Audit log quiet")
    assert typed_in_shell(d, HALT, 150.0) == 0
    assert typed_in_shell(d, CHECK, 250.0) == 0
    clock.t = d.wall_time(300.0)
    [view] = [v for v in evaluate_all(inc, inc.state, [inc.runbook()], None, clock())
              if v.decision.id == "bring-flowengine-back"]
    applies = view.applies
    assert applies is not None and applies.state == "unknown" and applies.by_hand
    assert "has not run" not in applies.evidence, applies.evidence
    assert applies.evidence.startswith("step confirm-no-active-flows was typed by hand at +"), applies.evidence
    assert view.not_needed is None and view.needed
    assert view.arisen_at is not None and abs(view.arisen_at.timestamp() - d.wall_time(250.0)) < 1.0
    assert view.due_at is not None           # its deadline counts from the typing
    [arose] = note_arisen(inc, [view])       # journaled, so the reminder, ``incident show`` and the PIR have it
    assert arose.type == "decision.arose" and arose.data["condition"]["by_hand"] is True
