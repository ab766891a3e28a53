"""A retried task's rows while its retry runs (issue 13 item 5, attack36 F4): the task is running, its ``updated_at``
when the retry began, and its outcome is written once, when the retry ended, at that moment; an audit row keeps its
id forever. Before psql37 the task said ``succeeded`` from the retry's first second, its ``updated_at`` and its
``flow.succeeded`` row were stamped with each query's now, and that row's id (its rank) moved under the others."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill

TASK, RETRY = "tsk_8ff949db", 1200.0        # a task of the timeout drill that failed early; retried, it succeeds


def rows(drill, t: float) -> list[list[str]]:  # type: ignore[no-untyped-def]
    out = run_one(drill, ["psql", "-At", "-c", "SELECT a.id, a.event, a.created_at, t.status, t.updated_at FROM "
                          f"audit_logs a JOIN tasks t USING (task_id) WHERE task_id = '{TASK}' ORDER BY a.id"], t)[1]
    return [line.split("|") for line in out.splitlines()]


def test_a_retry_is_running_until_it_ends_and_its_outcome_is_written_once(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout", ids="timeout")     # its ids pinned: the test names TASK
    said = run_one(drill, ["blocks", "flow", "retry", TASK], RETRY)[1]
    took = float(said.split("succeeded in ")[1].split("s")[0])
    began, ended = (f"{datetime.fromtimestamp(drill.wall_time(t), UTC):%Y-%m-%d %H:%M:%S.%f}".rstrip("0").rstrip(".")
                    + "+00" for t in (RETRY, RETRY + took))
    before = rows(drill, RETRY - 1)
    for t in (RETRY + 1, RETRY + 5, RETRY + took / 2):
        during = rows(drill, t)
        assert during == [[*r[:3], "running", began] for r in before], (t, during)
        # the first run's failure stays in FlowEngine's log while the retry runs (audit37: it left, then came back)
        logged = run_one(drill, ["aws", "logs", "filter-log-events", "--log-group-name", "/aws/lambda/flowengine",
                                 "--filter-pattern", TASK, "--start-time", "0"], t)[1]
        assert "ERROR worker-" in logged and f"{TASK} retry" not in logged, (t, logged)
    after = rows(drill, RETRY + took + 100)
    assert after[:-1] == [[*r[:3], "succeeded", ended] for r in before]
    assert after[-1][1:] == ["flow.succeeded", ended, "succeeded", ended]


def test_an_audit_row_keeps_its_id(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout", ids="timeout")     # its ids pinned: the test names TASK
    run_one(drill, ["blocks", "flow", "retry", TASK], RETRY)
    ask = ["psql", "-At", "-c", "SELECT id, task_id, event, created_at FROM audit_logs ORDER BY id"]
    seen = run_one(drill, ask, RETRY + 1)[1].splitlines()
    later = run_one(drill, ask, RETRY + 200)[1].splitlines()
    assert len(later) > len(seen) and later[:len(seen)] == seen
