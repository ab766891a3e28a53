"""Each drill draws its own task ids (redteam48 F8).

Every timeout drill failed ``tsk_4e75a03d`` and ``tsk_f867d6bc``: the ids were drawn from the scenario's name alone,
so a team running the drill again could paste the last run's ids into ``blocks flow retry`` without any triage, and
two PIRs of the scenario read as the same flows failing again. A drill's ids are now seeded per drill
(``directory.drill_ids``: its scenario and the moment it starts, kept in drill.json), the world's curves unchanged;
reopened, a drill keeps its ids, and one made before drills had a seed keeps the ids it was worked with. A drill
started at a pinned moment (a golden) draws the same ids each time.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.standins_corpus import START, run_one, warm_drill
from warroom.drill.activity import Activity
from warroom.drill.directory import DRILL_FILE, Drill, open_drill

T = 1200.0          # scenario seconds: a timeout drill's flows are failing by then


def _flows(drill: Drill) -> list[tuple[str, str, float, str]]:
    """(task id, repo, asked for, status) of the flows of the 20 scenario minutes before ``T``."""
    return [(f.task_id, f.repo, f.start, f.status) for f in Activity(drill.simulator.refresh()).flows(T - 1200, T, T)]


def _failed_ids(drill: Drill) -> str:
    """What an IC reads in the drill's TaskDB: the failed tasks' ids."""
    code, out, err = run_one(drill, ["psql", "-At", "-c", "SELECT task_id FROM tasks WHERE status = 'failed'"
                                     " ORDER BY created_at"], T)
    assert code == 0, err
    return out


def test_two_drills_of_a_scenario_draw_their_own_ids_and_keep_them(tmp_path: Path) -> None:
    one = warm_drill(tmp_path / "a", "timeout", start=START)
    two = warm_drill(tmp_path / "b", "timeout", start=START + 3600.0)       # the same drill run an hour later
    first, second = _flows(one), _flows(two)
    assert first and [f[1:] for f in first] == [f[1:] for f in second]        # the same world: repos, times, outcomes
    assert not {f[0] for f in first} & {f[0] for f in second}, "a new drill's tasks are new ids"
    failed = _failed_ids(one)
    assert "tsk_" in failed and not set(failed.split()) & set(_failed_ids(two).split())
    # reopened (a resume, another process's stand-in) it reads the same ids; drill.json keeps their seed
    assert _flows(open_drill(one.path)) == first and _failed_ids(open_drill(one.path)) == failed
    assert json.loads((one.path / DRILL_FILE).read_text())["ids"] == one.ids
    # started at the same pinned moment, a drill draws the same ids (goldens, a facilitator's replay)
    assert _flows(warm_drill(tmp_path / "c", "timeout", start=START)) == first


def test_a_drill_made_before_drills_had_a_seed_keeps_the_ids_it_was_worked_with(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "timeout", start=START)
    data = json.loads((drill.path / DRILL_FILE).read_text())
    del data["ids"]
    (drill.path / DRILL_FILE).write_text(json.dumps(data))
    old = open_drill(drill.path)
    assert old.ids is None
    legacy = _flows(old)       # the ids it was worked with: its scenario's name was their seed
    assert legacy == _flows(warm_drill(tmp_path / "x", "timeout", start=START, ids="timeout"))
    assert [f[1:] for f in legacy] == [f[1:] for f in _flows(drill)] and legacy != _flows(drill)
