"""A store keeps what it was given. The drill's TaskDB (psql's tasks and audit_logs), its log group and its bundles'
bucket held only the last two drill hours, so at x60 rows vanished within minutes (redteam36): while the audit
shipper was stuck, ``count(*)`` of audit_logs fell 974 → 884 → 740 with nothing written, which reads as records
deleted in the very drill that rehearses tampering; the incident's own failures left the tasks table that the drill
report counts them from; ``blocks flow retry`` called a task psql had listed "archived"; ``aws logs`` cut the
impact window's errors without a word."""

from __future__ import annotations

import json
import re
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


def _events(drill: Drill, w1: float, w2: float, t: float) -> list[str]:
    start, end = (int(drill.wall_time(w) * 1000) for w in (w1, w2))
    query = f"aws logs filter-log-events --log-group-name /aws/lambda/flowengine --start-time {start} --end-time {end}"
    return [e["message"] for e in json.loads(_ask(drill, query, t))["events"]]


def test_the_log_names_every_flow_psql_says_ended_in_its_window(tmp_path: Path) -> None:
    """attack36: under a cap of 2 flows wait ~20 minutes for a slot; the log walked the flows started since ten
    minutes before the window, so none of the 23 that psql said ended in [4000, 4400] s was in it."""
    drill = warm_drill(tmp_path, "mass-failure")
    assert run_one(drill, shlex.split("kubectl -n production set env deployment/flowengine MAX_CONCURRENT_FLOWS=2"),
                   900.0)[0] == 0
    from warroom.drill.standins.psql import pg_ts

    a, b = (pg_ts(drill.wall_time(w)) for w in (4000.0, 4400.0))
    ended = set(_ask(drill, "psql -At -c \"SELECT task_id FROM tasks WHERE status IN ('failed', 'succeeded') "
                            f"AND updated_at BETWEEN '{a}' AND '{b}'\"", 5000.0).split())
    lines = _events(drill, 4000.0, 4400.0, 5000.0)
    named = {m.group(0) for line in lines if (m := re.search(r"tsk_[0-9a-f]{8}", line))}
    assert len(ended) > 10 and named == ended


def test_a_wide_log_window_keeps_its_first_hours(tmp_path: Path) -> None:
    """attack36: a window over 400 ticks (3h20m) lost its first ticks' lines: the 429 warnings of the incident's
    start."""
    drill = warm_drill(tmp_path, "rate-limit")
    narrow = _events(drill, 300.0, 1200.0, 16000.0)
    wide = _events(drill, 300.0, 16000.0, 16000.0)
    assert any("429" in line for line in narrow) and wide[: len(narrow)] == narrow


def test_the_bucket_lists_every_bundle_it_counts(tmp_path: Path) -> None:
    """attack36: ``aws s3 ls`` printed the last 1000 keys while ``--summarize`` counted 1765; the CLI pages through
    ListObjectsV2 and prints every key."""
    from warroom.drill import fleet

    drill = warm_drill(tmp_path, "timeout")
    said = _ask(drill, f"aws s3 ls s3://{fleet.CONTEXT_BUCKET}/ --summarize", 9000.0)
    keys = [line for line in said.splitlines() if line.endswith(".json")]
    total = int(re.search(r"Total Objects: (\d+)", said)[1])  # type: ignore[index]
    assert total > 1000 and len(keys) == total


def test_a_log_window_from_the_epoch_is_the_worlds_whole_log(tmp_path: Path) -> None:
    """``--start-time 0`` (1970) asks for every line: the world's, from its first moment. With the 400-tick cap gone
    it walked the ticks from 1970 and never returned; now the window begins where the world does."""
    drill = warm_drill(tmp_path, "timeout")
    events = _events(drill, drill.scenario_time(0.0), 600.0, 600.0)
    assert events == _events(drill, -7200.0, 600.0, 600.0) and len(events) > 100
