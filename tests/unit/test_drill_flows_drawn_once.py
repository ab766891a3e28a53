"""A drill world draws each flow, and psql makes each flow's rows, once (``Activity._flow``, ``psql.task_row``);
what a later instant or a later action makes of them is worked out anew. So a world that has answered before (its
draws held) answers every question as a world asked for the first time does: a flow running at one instant has
ended at the next, a retried task shows its second run, a flow in flight when FlowEngine is scaled to zero is
cancelled. Cold: the same drill reopened (as the next stand-in process opens it), a world of its own."""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import Drill, create_drill, open_drill

TASKS = ["psql", "-At", "-c", "SELECT task_id, status, attempts, duration_s, error_message, updated_at FROM tasks "
                              "ORDER BY created_at, task_id"]
AUDIT = ["psql", "-At", "-c", "SELECT task_id, event, created_at FROM audit_logs ORDER BY created_at, task_id, event"]


def _warm_and_cold(drill: Drill, argv: list[str], t: float) -> tuple[str, str]:
    code, warm, err = run_one(drill, argv, t)
    assert code == 0, err
    drill.simulator.save_cache()        # the integration is read back: the draws and rows are not
    return warm, run_one(open_drill(drill.path, wrappers=False), argv, t)[1]


def _rows(out: str) -> dict[str, list[str]]:
    return {line.split("|")[0]: line.split("|")[1:] for line in out.splitlines()}


def test_a_later_instant_and_a_later_action_answer_as_a_fresh_world(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "rate-limit", speed=SPEED, start=START, name="drawn")
    first, cold = _warm_and_cold(drill, TASKS, 1140.0)
    assert first == cold
    later, cold = _warm_and_cold(drill, TASKS, 1200.0)
    assert later == cold
    ended = [task for task, row in _rows(first).items() if row[0] == "running" and _rows(later)[task][0] != "running"]
    assert ended, "no flow running at 1140 s had ended by 1200 s: the instant's cut is not exercised"

    # in flight when FlowEngine's pods stop (10 s on), drawn before the stop was taken: cancelled all the same
    assert run_one(drill, "kubectl scale deployment/flowengine -n production --replicas=0".split(), 1200.0)[0] == 0
    stopped, cold = _warm_and_cold(drill, TASKS, 1230.0)
    assert stopped == cold
    assert any(row[0] == "running" and _rows(stopped)[task][0] == "cancelled" for task, row in _rows(later).items())

    task = next(task for task, row in _rows(stopped).items() if row[0] == "failed" and row[1] == "1")
    assert run_one(drill, ["blocks", "flow", "retry", task], 1230.0)[0] in (0, 1)    # recorded either way
    retried, cold = _warm_and_cold(drill, TASKS, 1260.0)
    assert retried == cold
    assert _rows(retried)[task][1] == "2", _rows(retried)[task]
    audit, cold = _warm_and_cold(drill, AUDIT, 1260.0)
    assert audit == cold and f"{task}|flow.started|" in audit
