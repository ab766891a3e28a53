"""Flows manual review holds are held back, as the slot queue's are (attack51 A4).

Manual review holds every new flow outside the slot queue: its plan ran, no one approves it, it neither fails nor
succeeds. The drill report's reading of the flows held back (``world.held``) read the slot queue alone, so the failure
rate that fell because the held flows never finish read as a gain of the mode, and their growing count was no harm.
Now one count of them, ``Activity.awaiting_review``, is what psql's tasks table, ``blocks status flows``, the
``flowengine_flows_awaiting_review`` gauge and the report read, at the same moment, however old the stretch.
"""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill, warm_simulator
from warroom.incident.drill_report.actions import action_rows, stretches
from warroom.incident.drill_report.world import held

SET = "kubectl set env deployment/flowengine MANUAL_REVIEW_MODE{} -n production"
ON, OFF = 170.0, 7700.0     # held over two hours: older than a listing of recent flows reaches


def sh(drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, shlex.split(command), t)
    assert code == 0, err
    return out


def test_flows_held_for_review_are_held_back_in_every_reading() -> None:
    drill = warm_drill(Path(tempfile.mkdtemp()), "provider-outage")
    sh(drill, SET.format("=true"), ON)
    sh(drill, SET.format("-"), OFF)
    sim = drill.simulator.refresh()
    # the report: the failure rate fell because the held flows never finish, no gain of the mode
    rows = action_rows(drill, sim.signals, stretches(drill.scenario, sim.signals), resolved=None, t_end=900.0,
                       t_zero=None, at=drill.wall_time(900.0), slos=None)
    row = next(r for r in rows if r.action == "manual_review")
    assert "fewer flows finishing (held for review): no gain" in row.change, row.change
    held_back = held(drill.simulator, warm_simulator("provider-outage"), ON, 900.0)
    assert held_back.more and held_back.how == "for review", held_back
    assert held_back.growing.startswith("Flows awaiting review "), held_back
    # one count, the same in every answer at a scrape's moment (the gauge's last sample): held (``blocks status
    # flows`` counted the last two hours' alone, 586 of 618 at 7800 s), then released once the mode is switched off
    for t, expected in ((900.0, None), (OFF - 20.0, None), (OFF + 300.0, 0)):
        gauge = drill.simulator.evaluate("sum(flowengine_flows_awaiting_review)", t)[0].value    # type: ignore[index]
        rows_ = sh(drill, "psql -At -c \"select count(*) from tasks where status = 'awaiting_review'\"", t)
        status = sh(drill, "blocks status flows", t)
        said = next((int(line.split()[0]) for line in status.splitlines() if "awaiting review in the web UI" in line),
                    0)
        assert gauge == int(rows_) == said, (t, gauge, rows_, status)
        assert gauge > 20 if expected is None else gauge == expected, (t, gauge)
