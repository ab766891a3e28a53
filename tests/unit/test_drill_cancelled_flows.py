"""A flow in flight when FlowEngine's pods go is cancelled, and its row says why (redteam44 L1: a cancelled flow's
error_message was NULL, so an IC could not find them by it)."""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import create_drill

NS = "-n production"


def test_a_flow_cancelled_by_a_scale_to_zero_says_so_in_its_row(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "audit-gap", speed=10.0, start=START, name="cancel")
    assert run_one(drill, f"kubectl scale deployment/flowengine --replicas=0 {NS}".split(), 600.0)[0] == 0
    rows = run_one(drill, ["psql", "-At", "-c", "SELECT status, error_message FROM tasks WHERE status = 'cancelled'"],
                   700.0)[1].splitlines()
    said = "cancelled|cancelled: FlowEngine pod terminated (SIGTERM)"
    assert rows and set(rows) == {said}, rows
