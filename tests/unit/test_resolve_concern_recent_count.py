"""redteam39 F6: the failure-rate pane is a ratio over an hour (the seeds' alert: >1% over 1h), so
it reads critical for an hour after the last flow failed. At resolve, "Flow failure rate is still
critical (10.3%)" read as failures going on after a rollback that had ended them 44 drill minutes
before, in every drill. The concern now says what the pane's counter (``impact_query``) counted
in the last five drill minutes, read at the resolution's moment from the same source: none (the
window still holds earlier ones), or how many. Checked against the drill simulator's own counter."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.drill_ops import rollout_undo
from tests.unit.incident_fixtures import drill_incident
from warroom.drill.actions import append_actions

FAILURES = "sum(increase(flowengine_flow_failures_total[300s]))"


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a Clock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _counted(d, t: float) -> float:  # type: ignore[no-untyped-def]
    """The simulator's own count of failed runs over the five drill minutes before ``t``."""
    result = d.simulator.evaluate(FAILURES, d.scenario_time(t))
    return float(result[0].value if isinstance(result, list) else result)


def _failure_concern(inc, d, t: float) -> str:  # type: ignore[no-untyped-def]
    concerns = inc.concerns_at(d.source(inc.config.slo), datetime.fromtimestamp(t, UTC), speed=d.speed)
    assert concerns is not None
    return next(c for c in concerns if c.startswith("Flow failure rate is still critical"))


def test_after_the_rollback_the_concern_says_no_failure_was_counted_lately(tmp_path: Path) -> None:
    d, inc, clock, breach = drill_incident(tmp_path, "mass-failure", 10.0, title="Flows failing", severity="p1",
                                           pane="failure_rate")
    undo = breach + 40
    append_actions(d.path, [a.__class__(a.action, d.scenario_time(undo), undo, "kubectl", (), a.detail)
                            for a in rollout_undo(d.scenario_time(undo))])
    clock.t = undo + 90                                    # 15 drill minutes after the rollback at x10
    assert round(_counted(d, clock.t)) == 0       # nothing failed lately (a drill's counter is smooth)
    said = _failure_concern(inc, d, clock.t)
    assert said.endswith(", though the last 5m00s counted no flow failures (retries included): "
                         "its window still holds earlier ones"), said


def test_while_flows_fail_the_concern_counts_them(tmp_path: Path) -> None:
    d, inc, clock, breach = drill_incident(tmp_path, "mass-failure", 10.0, title="Flows failing", severity="p1",
                                           pane="failure_rate")
    clock.t = breach + 60
    counted = round(_counted(d, clock.t))
    assert counted > 0
    said = _failure_concern(inc, d, clock.t)
    assert said.endswith(f"; flow failures (retries included) in the last 5m00s: {counted}"), said
