"""A context bundle's size is one figure in the TaskDB and in every ``blocks`` line (redteam48 F12).

psql said ``context_size_kb 863`` for tsk_f867d6bc while ``blocks flow retry`` said ``context_size_kb=864``: the
TaskDB's row cut the size to whole KB, the stand-ins' lines rounded it. Both round now (the lines' ``:.0f``).
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import START, run_one, warm_drill

T = 1200.0          # scenario seconds: a timeout drill's big bundles are failing by then


def test_psql_and_blocks_say_one_size_for_each_bundle(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout", start=START)
    code, out, err = run_one(drill, ["psql", "-At", "-c", "SELECT task_id, context_size_kb FROM tasks WHERE status ="
                                     " 'failed' ORDER BY created_at DESC LIMIT 8"], T)
    assert code == 0, err
    rows = [line.split("|") for line in out.splitlines() if line]
    assert len(rows) >= 4, out
    for task, kb in rows:
        code, said, err = run_one(drill, ["blocks", "security", "scan", "--task-id", task], T)
        assert f"Scanning context bundle ctx_{task}.json ({kb}KB)" in said, (task, kb, said, err)
