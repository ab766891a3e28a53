"""An action recorded before the drill world's first moment is refused by name, never a crash (world57).

The world's rows begin ``HISTORY`` seconds before the drill starts; an action before that (a hand-edited
``actions.jsonl``) had its flows counted without it, and every read of the world then raised ``AssertionError``
from ``Series._flow``: the dashboard, the stand-ins and the report crashed. The line is an error naming the file,
the line and why, as every record that is no action warroom writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warroom.config import default_slos
from warroom.drill.actions import ACTIONS_FILE, HISTORY, read_actions
from warroom.drill.scenarios import get_scenario
from warroom.drill.simulator import Simulator
from warroom.drill.series import HISTORY as ROWS_FROM
from warroom.errors import WarroomError


def _line(t: float) -> str:
    return json.dumps({"action": "flowengine_stop", "t": t, "ts": 1_790_000_000.0, "tool": "kubectl",
                       "argv": ["kubectl", "scale"], "detail": {}})


def test_an_action_before_the_first_row_is_refused_naming_its_line(tmp_path: Path) -> None:
    assert HISTORY == ROWS_FROM
    for n, t in ((2, -HISTORY - 191.0), (2, -HISTORY)):       # before the first row, and at it (audit57 F8)
        (tmp_path / ACTIONS_FILE).write_text(_line(-HISTORY + 1.0) + "\n" + _line(t) + "\n", encoding="utf-8")
        with pytest.raises(WarroomError) as err:
            read_actions(tmp_path)
        said = str(err.value)
        assert f"{ACTIONS_FILE}:{n}:" in said and "not after the drill world's first moment" in said, said


def test_an_action_just_after_the_first_row_is_one_the_world_follows(tmp_path: Path) -> None:
    """The earliest action the file takes is one every pane of the world reads past (the refused one crashed it)."""
    (tmp_path / ACTIONS_FILE).write_text(_line(-HISTORY + 1.0) + "\n", encoding="utf-8")
    acts = read_actions(tmp_path)
    assert [a.t for a in acts] == [-HISTORY + 1.0]
    world = Simulator(get_scenario("audit-gap"), lambda: list(acts))
    for pane in (s.id for s in default_slos()):
        world.panes(pane, [-HISTORY + 60.0, -3600.0, 0.0])
