"""RB-CORE-005 lifts the bucket deny its Mitigation puts (redteam46 R7's last point).

Its ``revoke-bundle-access`` denies FlowEngine's service account the context-bundles bucket, which stops every flow
as well as the leak (a flow that cannot write its bundle fails before any model call). The Recovery used to bring
FlowEngine back with the deny still on, so a commander who followed the runbook to the letter ended with every flow
failing. Its branch "If FlowEngine was denied the bundles bucket" applies once the deny ran ok, and its step lifts it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Clock
from warroom.config import Config
from warroom.incident import branches
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev

SECTION = "If FlowEngine was denied the bundles bucket: lift the deny"


def _ran(inc, step_id: str) -> None:  # type: ignore[no-untyped-def]
    step = inc.step(step_id)
    ref = {"step": step.number, "step_id": step.id, "label": step.label, "runbook_id": inc.runbook().id}
    inc._append(ev.STEP_STARTED, {**ref, "command": step.command, "mutating": step.mutating})
    inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 0.1})


def _incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    clock = Clock(datetime(2026, 12, 6, 8, 0, tzinfo=UTC), step=0.0)
    inc = IncidentStore(tmp_path / "inc", Config(), clock=clock).create(
        title="Audit log quiet", severity="P1", commander="Dana Lee", runbook="RB-CORE-005")
    return inc, clock


def test_the_lift_comes_before_flowengine_is_brought_back_and_only_where_the_deny_was_put(tmp_path: Path) -> None:
    inc, _clock = _incident(tmp_path)
    book = inc.runbook()
    (branch,) = [b for b in book.branches if b.section == SECTION]
    assert branch.steps == ("lift-bundle-deny",)
    lift, deny, back = (inc.step(s) for s in ("lift-bundle-deny", "revoke-bundle-access", "restore-replicas"))
    assert deny.number < lift.number < back.number
    assert lift.command.split()[:3] == ["aws", "iam", "delete-user-policy"]
    assert "deny-context-bundles" in lift.command and "flowengine-sa" in lift.command
    assert "deny-context-bundles" in deny.command and "flowengine-sa" in deny.command  # the same policy, the same user
    # the restore is not in the branch: it is owed whether or not a deny was put
    assert all("restore-replicas" not in b.steps for b in book.branches)


def test_the_branch_applies_once_the_deny_ran_and_not_before(tmp_path: Path) -> None:
    inc, clock = _incident(tmp_path)
    (branch,) = [b for b in inc.runbook().branches if b.section == SECTION]
    judged = [e for e in inc.check_branches(None, clock.now) if e.data["section"] == SECTION]
    assert [e.data["condition"]["state"] for e in judged] == ["not met"]
    standing = branches.standing(inc.refresh(), "RB-CORE-005", branch)
    assert standing.state == branches.DID_NOT_APPLY, standing           # no deny put: nothing to lift
    _ran(inc, "halt-flows")
    _ran(inc, "revoke-bundle-access")
    clock.now += timedelta(minutes=1)
    judged = [e for e in inc.check_branches(None, clock.now) if e.data["section"] == SECTION]
    assert [e.data["condition"]["state"] for e in judged] == ["met"]
    standing = branches.standing(inc.refresh(), "RB-CORE-005", branch)
    assert standing.state == branches.APPLIED and standing.said() is None, standing   # owed: the deny is on


def test_a_deny_ticked_or_typed_by_hand_keeps_the_lift_owed(tmp_path: Path) -> None:
    """attack47 Y1, Y2: a deny put outside warroom — ticked done (the AWS console) or typed in the drill shell — read
    "step revoke-bundle-access has not run", not met, and the lift was "not needed" two rows under the tick while
    every flow failed on the deny. The journal's tick and the drill shell's typing are evidence it may have acted: the
    branch is unknown ("could not be judged"), never "did not apply"; the lift stays owed."""
    from warroom.incident.decisions.criteria import judge

    inc, clock = _incident(tmp_path)
    (branch,) = [b for b in inc.runbook().branches if b.section == SECTION]
    reader = lambda ref: None  # noqa: E731 - no step output read
    typed = judge(branch.condition, "applies_when", inc.refresh(), clock.now, None, reader, "RB-CORE-005",
                  typed=lambda ref: "+6m40s" if ref == "revoke-bundle-access" else None)
    assert typed.state == "unknown" and "typed in the drill shell at +6m40s" in typed.evidence, typed
    inc.tick("revoke-bundle-access")
    clock.now += timedelta(minutes=1)
    (judged,) = [e for e in inc.check_branches(None, clock.now) if e.data["section"] == SECTION]
    assert judged.data["condition"]["state"] == "unknown", judged.data
    assert "ticked done at 08:00:00 UTC" in judged.data["condition"]["evidence"]
    standing = branches.standing(inc.refresh(), "RB-CORE-005", branch)
    assert standing.state == branches.UNJUDGED and standing.not_needed is None, standing


@pytest.mark.parametrize("ran, says", [
    ("revoke-bundle-acess", "ran names step 'revoke-bundle-acess', which this runbook does not have"),
    ("5", "ran names step '5', a checklist item with no command: it never runs"),   # Tell InfoSec
    ("lift-bundle-deny", "ran names step 'lift-bundle-deny' of its own branch: it would apply only once it ran"),
])
def test_lint_refuses_a_branch_whose_ran_names_no_step_it_can_read(ran: str, says: str) -> None:
    """attack47 Y3: a one-letter typo in a branch's ``ran`` passed lint and read "has not run" at every look: the
    branch's steps were "not needed" even after the step it meant ran ok (a decision's was an error already)."""
    from warroom.runbook.parser import parse_runbook

    path = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-005-security-incident.md"
    text = path.read_text(encoding="utf-8").replace('ran = ["revoke-bundle-access"]', f'ran = ["{ran}"]')
    found = [f for f in parse_runbook(text, path).findings if f.level == "error"]
    assert [f.message for f in found if says in f.message], [f.message for f in found]
    assert not parse_runbook(path.read_text(encoding="utf-8"), path).findings
