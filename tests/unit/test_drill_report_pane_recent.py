"""redteam48 F1's addendum: the open drill report said "Flow failure rate is still getting worse (35% vs critical 1%)"
after RB-LAUNCH-002's allowlist, while no flow failed: the 1h rate rose because the flows it divides by were refused,
and the resolve dialog three seconds later said it right ("over the last 5m00s the same query reads 0.285%"). The
report reads the pane's own query over its last minutes as the resolve dialog does, says it after a pane not
recovered, and a window's rise whose last minutes read fine is not "getting worse"."""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.incident.drill_report import drill_report


def test_a_window_rising_on_refused_flows_is_said_with_its_last_minutes_not_as_getting_worse(tmp_path: Path) -> None:
    d = warm_drill(tmp_path, "mass-failure")
    assert run_one(d, "blocks config set repos.allowlist compliance-service".split(), 1500.0)[0] == 0
    report = drill_report(d, None, at=d.wall_time(2100.0))
    pane = next(p for p in report.panes if p.pane == "failure_rate")
    assert pane.now is not None and pane.now > 10 and not pane.worsening, pane
    (said,) = [line for line in report.summary if line.startswith("Flow failure rate is")]
    assert said.startswith("Flow failure rate is still above its critical threshold ("), said
    assert "; over the last 5m00s the same query reads 0." in said, said
