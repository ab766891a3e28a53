"""A store keeps what it was given. The drill's TaskDB (psql's tasks and audit_logs), its log group and its bundles'
bucket held only the last two drill hours, so at x60 rows vanished within minutes (redteam36): while the audit
shipper was stuck, ``count(*)`` of audit_logs fell 974 → 884 → 740 with nothing written, which reads as records
deleted in the very drill that rehearses tampering; the incident's own failures left the tasks table that the drill
report counts them from; ``blocks flow retry`` called a task psql had listed "archived"; ``aws logs`` cut the
impact window's errors without a word."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill.directory import Drill

MOMENTS = (600.0, 1800.0, 4800.0, 9000.0)         # the last ones well past two hours


def _ask(drill: Drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, shlex.split(command), t)
    assert code == 0, (command, t, err)
    return out


def test_audit_logs_never_lose_a_row_while_the_shipper_is_stuck(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "audit-gap")
    said = [_ask(drill, "psql -At -c 'SELECT min(created_at), max(created_at), count(*) FROM audit_logs'", t)
            for t in MOMENTS]
    first, last, count = zip(*(s.strip().split("|") for s in said), strict=True)
    assert len(set(first)) == 1                                   # the oldest row stays
    assert list(last) == sorted(last) and [int(c) for c in count] == sorted(int(c) for c in count)
    tasks = [int(_ask(drill, "psql -At -c 'SELECT count(*) FROM tasks'", t)) for t in MOMENTS]
    assert tasks == sorted(tasks) and tasks[0] < tasks[-1]


def test_a_failed_task_stays_listed_and_retryable_hours_later(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout")
    columns = "psql -At -c \"SELECT task_id, status, created_at FROM tasks WHERE "
    row = _ask(drill, columns + "status = 'failed' ORDER BY created_at LIMIT 1\"", 600.0).strip()
    task = row.split("|")[0]
    again = _ask(drill, columns + f"task_id = '{task}'\"", 9600.0)
    assert again.strip() == row
    assert f"Would retry {task}" in _ask(drill, f"blocks flow retry {task} --dry-run", 9600.0)


def test_a_log_window_answers_the_same_hours_later(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout")
    t1, t2 = (int(drill.wall_time(t) * 1000) for t in (300.0, 900.0))
    query = (f"aws logs filter-log-events --log-group-name /aws/lambda/flowengine --start-time {t1} --end-time {t2} "
             "--filter-pattern ERROR")
    then = json.loads(_ask(drill, query, 900.0))["events"]
    later = json.loads(_ask(drill, query, 9600.0))["events"]
    assert then and [e["message"] for e in later] == [e["message"] for e in then]
