"""RB-CORE-005 lifts the bucket deny its Mitigation puts (redteam46 R7's last point).

Its ``revoke-bundle-access`` denies FlowEngine's service account the context-bundles bucket, which stops every flow
as well as the leak (a flow that cannot write its bundle fails before any model call). The Recovery used to bring
FlowEngine back with the deny still on, so a commander who followed the runbook to the letter ended with every flow
failing. Its branch "If FlowEngine was denied the bundles bucket" applies once the deny ran ok, and its step lifts it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

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
