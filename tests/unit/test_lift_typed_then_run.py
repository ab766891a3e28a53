"""attack51 A8: a no-op run through warroom after a restore typed by hand does not move the lift.

RB-CORE-005's halt (step 7) is lifted by "Bring FlowEngine back" (step 30). Typed by hand, the restore is credited and
lifts the halt's watch (attack50 A10); run through warroom afterwards (the world already restored: a no-op), the lift
moved to the run, which opened a new grace: with the harm still running the header read MITIGATED again for the grace
and the relapse window restarted. Once the step ran through warroom its typed credit was no longer listed (the
checklist shows the run), so the lift could not see it. The lift is the earlier of the two: the typing before the
step's first run stays credited (``by_hand.Hands.before_runs``) and the lift takes the earlier (``gate_reading._lift``).
The audit-gap world, the runbook and the journal are the real ones; the clock is pinned.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.unit.standins_corpus import run_one, typed_in_shell
from tests.unit.test_lifted_by_hand import NS, _halted, _said
from warroom.journal import events as ev

RESTORE = {"step": 30, "step_id": "restore-replicas", "runbook_id": "RB-CORE-005", "label": "Bring FlowEngine back",
           "mutating": True, "params": {"deployment": "flowengine", "namespace": "production"}}
SCALE = ["kubectl", "scale", "deployment/flowengine", "--replicas=5", *NS]


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")
    yield


def _run_restore(inc: Any, d: Any, clock: Any, t: float) -> None:
    """Step 30 run through warroom at drill second ``t``: FlowEngine already back, its scale changes nothing."""
    clock.t = d.wall_time(t)
    inc.append(ev.STEP_STARTED, {**RESTORE, "command": " ".join(SCALE)})
    assert run_one(d, SCALE, t + 0.1)[0] == 0
    clock.t = d.wall_time(t + 1.0)
    inc.append(ev.STEP_FINISHED, {**RESTORE, "status": "ok", "exit_code": 0})


def test_a_no_op_run_after_the_typed_restore_opens_no_new_grace(tmp_path: Path) -> None:
    """The shipper restarted onto a refused credential, FlowEngine brought back by hand at 400: the gap's pane says
    the relapse once the lift's grace is over; the restore run through warroom at 700 is no new lift."""
    d, clock, inc = _halted(tmp_path)
    shipper = ["deployment/audit-shipper", *NS]
    assert typed_in_shell(d, ["kubectl", "set", "env", *shipper[:1], "AUDIT_STORE_SECRET=bogus", *NS], 250.0) == 0
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", *shipper], 300.0) == 0
    assert typed_in_shell(d, SCALE, 400.0) == 0
    held, _, _ = _said(inc, d, clock, 650.0)
    assert held is not None and held.relapsed, held
    before = held.status_words("mitigated")
    _run_restore(inc, d, clock, 700.0)
    for t in (705.0, 720.0, 800.0):     # within what would be the run's grace, and after it
        held, draft, concerns = _said(inc, d, clock, t)
        assert held is not None and held.relapsed, (t, held)
        said = held.status_words("mitigated")
        assert said == before and "by step 30 (Bring FlowEngine back, done by hand)" in said, (t, said)
        assert f"lifted at {datetime.fromtimestamp(d.wall_time(400.0), UTC):%H:%M:%S}" in said, (t, said)
        assert "RELAPSED" in draft.splitlines()[0] and any("did not hold" in c for c in concerns), (t, concerns)


def test_a_run_through_warroom_before_anything_typed_still_lifts_at_the_run(tmp_path: Path) -> None:
    """Nothing typed: the run is the lift, as before (the earlier of the two is the run's own)."""
    d, clock, inc = _halted(tmp_path)
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", *NS], 300.0) == 0
    _run_restore(inc, d, clock, 400.0)
    held, _, _ = _said(inc, d, clock, 420.0)
    assert held is not None and not held.relapsed, held
    [gate] = held.gates
    assert gate.lifted == f"lifted by step 30 (Bring FlowEngine back) at " \
                          f"{datetime.fromtimestamp(d.wall_time(401.0), UTC):%H:%M:%S}", gate.lifted
