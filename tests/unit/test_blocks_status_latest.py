"""``blocks status flows`` counts the flows of the last ten minutes and lists twenty of them. It listed the *oldest*
twenty, without saying the list was cut: at 600 s into mass-failure it said "50 flows" above twenty rows from the
first minute, so a commander looking for what just failed saw none of it. It lists the newest now, and says so."""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill


def test_status_flows_lists_the_newest_and_says_the_list_is_cut(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "mass-failure")
    said = run_one(drill, "blocks status flows".split(), 600.0)[1].splitlines()
    count = int(said[0].split()[0])
    assert count > 20 and said[0].endswith("in the last 10m, the latest 20 below"), said[0]
    listed = [line.split()[0] for line in said[1:] if line.startswith("  tsk_")]
    newest = run_one(drill, ["psql", "-At", "-c", "SELECT task_id FROM tasks WHERE status <> 'queued' "
                                                  "ORDER BY created_at DESC LIMIT 20"], 600.0)[1].split()
    assert len(listed) == 20 and set(listed) == set(newest)


def test_status_flows_under_twenty_lists_all_without_a_cut(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "mass-failure")
    said = run_one(drill, "blocks status flows --active".split(), 600.0)[1].splitlines()
    count = int(said[0].split()[0])
    assert count <= 20 and "below" not in said[0]
    assert len([line for line in said[1:] if line.startswith("  tsk_")]) == count
