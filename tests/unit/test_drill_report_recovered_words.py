"""A recovered pane is said to be under warn and not heading for it, never "not rising" while it rises.

redteam37, rate-limit ×60 resolved at drill 30 320 s, after the daily reset: "Model API quota used is recovered
(under its warn threshold and not rising) (1.94% vs critical 80%)" while the quota climbed 0.08% a drill minute
(0.73% at 29 400 s, 1.52% at 30 000 s, 2.33% at 30 600 s). The rule (``PaneHistory.worsening``) is right: a rise
that would not reach warn within another trend window is no worsening; the words must say that, not "not rising".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.drill_ops import recorded
from tests.unit.standins_corpus import warmed
from warroom.drill.actions import Action, append_actions
from warroom.config.schema import default_slos
from warroom.drill.directory import create_drill
from warroom.incident.drill_report import drill_report

START = 1_800_000_000.0


def test_a_rising_pane_under_warn_is_not_said_to_be_not_rising(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = warmed(create_drill(state_dir, "rate-limit", speed=60.0, start=START))
    append_actions(d.path, recorded(Action("circuit_breaker", 300.0, d.wall_time(300.0), "kubectl", ("set", "env"))))
    t = 30_320.0
    before, now = d.simulator.pane("quota", t - 600.0), d.simulator.pane("quota", t)
    assert before is not None and now is not None and now > before + 0.15 and now < 70.0   # rising, far under warn
    monkeypatch.setenv("WARROOM_DRILL_AT", str(d.wall_time(t)))      # the drill's now: the report's moment
    report = drill_report(d, None, at=d.wall_time(t), slos=default_slos())
    (said,) = [line for line in report.summary if line.startswith("Model API quota used is ")]
    assert "recovered" in said and "not rising" not in said, said
