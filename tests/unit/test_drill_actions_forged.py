"""redteam41 X6: one line appended to a drill's actions.jsonl — ``{"action": "context_pruning", "t": -99999}``, no
stamp, tool, argv, detail, a time before the drill's two hours of history: nothing warroom writes — rewrote the
world's whole past without a word (P95 134 s CRIT became 80.1 s OK with a flat sparkline, while the journal kept the
breach). A record warroom did not write is refused with the file and record named, as a torn line is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.errors import WarroomError


@pytest.mark.parametrize("line", [
    {"action": "context_pruning", "t": -99999},                                          # the red-team's
    {"action": "context_pruning", "t": -99999.0, "ts": 1.0, "tool": "kubectl", "argv": [], "detail": {}},
    {"action": "context_pruning", "t": 30.0, "ts": 1.0, "tool": "kubectl", "argv": [], "detail": {}},
    {"action": "context_pruning", "t": 30.0, "ts": 1.0, "tool": "kubectl", "argv": "x", "detail": {}},
])
def test_a_record_warroom_did_not_write_is_refused_by_name(tmp_path: Path, line: dict) -> None:
    drill = warm_drill(tmp_path, "timeout")
    assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", "CONTEXT_PRUNING_ENABLED=true", "-n",
                           "production"], 30.0)[0] == 0
    kept = drill.actions()
    assert [a.action for a in kept][-1] == "context_pruning" and kept[-1].ts > 0       # what warroom writes holds
    with (drill.path / "actions.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")
    with pytest.raises(WarroomError, match=r"actions\.jsonl.*(not a whole action record|is not one warroom wrote)"):
        drill.actions()


@pytest.mark.parametrize("replicas", ["many", 1e300, -1, 5000, True])
def test_a_count_no_stand_in_records_is_refused_even_with_its_times_right(tmp_path: Path, replicas: object) -> None:
    """attack41 A10: a record whose times agree with the drill's clock but whose replicas is "many" crashed the drill
    report with a traceback, and 1e300 ran the process out of memory."""
    drill = warm_drill(tmp_path, "timeout")
    line = {"action": "scale_to", "t": 30.0, "ts": round(drill.wall_time(30.0), 3), "tool": "kubectl",
            "argv": ["scale"], "detail": {"deployment": "flowengine", "replicas": replicas}}
    with (drill.path / "actions.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")
    with pytest.raises(WarroomError, match=r"actions\.jsonl:1: not a whole action record \(its replicas"):
        drill.actions()
