"""redteam45 R11: while the incident is open, RB-CORE-004 step 12's one ``kubectl set env … ENABLE_CIRCUIT_BREAKER=true
CIRCUIT_BREAKER_THRESHOLD=85 MAX_CONCURRENT_FLOWS=5`` (recorded as the env change, the breaker and the cap) was two
identical rows "deployment environment changed (set …)": one command is one row until the drill is over, when the
two are told apart by what each did."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.incident.drill_report import drill_report

STEP_12 = "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true CIRCUIT_BREAKER_THRESHOLD=85 " \
          "MAX_CONCURRENT_FLOWS=5 -n production"


def test_one_command_that_meant_two_actions_is_one_row_while_open(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "provider-outage")
    assert run_one(drill, shlex.split(STEP_12), 300.0)[0] == 0
    assert {"circuit_breaker", "throttle"} <= {a.action for a in drill.actions()}
    rows = [a for a in drill_report(drill, None, at=drill.wall_time(400.0)).actions if a.command.endswith("production")]
    assert len(rows) == 1 and rows[0].description.startswith("deployment environment changed"), rows
