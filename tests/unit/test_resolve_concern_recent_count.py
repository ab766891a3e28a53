"""redteam39 F6, attack39 C1 and C4: what resolve says of a pane still past its line.

The failure-rate pane is a ratio over an hour (the seeds' alert: >1% over 1h), so it reads critical
for an hour after the last flow failed: "Flow failure rate is still critical (10.3%)" read as
failures going on after a rollback that had ended them 44 drill minutes before. A first fix read
the failure counter over the last five minutes and said "counted no flow failures: its window still
holds earlier ones" — also for a FlowEngine scaled to zero, where nothing ran at all (C1). The
concern now gives the pane's own query over the last five drill minutes, read at the resolution's
moment from the same source: its value, or that it has no data. A pane with no value at that moment
is not quoted at its last value as now (C4: "5xx still critical (10.2%)" with no model call for 13
drill minutes). Each figure is checked against the drill simulator's own evaluation."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.drill_ops import rollout_undo
from tests.unit.incident_fixtures import drill_incident
from warroom.config import Config
from warroom.drill.actions import Action, append_actions
from warroom.incident.metric_sync import recent_query
from warroom.units import format_stated


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a Clock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _recent(d, t: float) -> float:  # type: ignore[no-untyped-def]
    """The simulator's own failure rate over the five drill minutes before ``t`` (NaN: nothing ran)."""
    query = recent_query(next(s for s in Config().slo if s.id == "failure_rate").query)
    assert query is not None and "[300s]" in query and "[1h]" not in query
    result = d.simulator.evaluate(query, d.scenario_time(t))
    return float(result[0].value if isinstance(result, list) else result) if result != [] else math.nan


def _stated(value: float) -> str:
    """As the pane states a value beside its lines (warn 0.5%, crit 1%)."""
    return format_stated(value, "percent", against=(0.5, 1.0))


def _concerns(inc, d, t: float) -> list[str]:  # type: ignore[no-untyped-def]
    return list(inc.read_concerns(d.source(inc.config.slo), datetime.fromtimestamp(t, UTC), speed=d.speed).concerns)


def _failure(concerns: list[str]) -> str:
    return next(c for c in concerns if c.startswith("Flow failure rate is still critical"))


def _act(d, actions: list[Action], at: float) -> None:  # type: ignore[no-untyped-def]
    append_actions(d.path, [Action(a.action, d.scenario_time(at), at, "kubectl", (), a.detail) for a in actions])


def _incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    return drill_incident(tmp_path, "mass-failure", 10.0, title="Flows failing", severity="p1", pane="failure_rate")


def test_after_the_rollback_the_concern_gives_the_last_minutes_rate(tmp_path: Path) -> None:
    d, inc, clock, breach = _incident(tmp_path)
    undo = breach + 40
    _act(d, rollout_undo(d.scenario_time(undo)), undo)
    clock.t = undo + 90                                    # 15 drill minutes after the rollback at x10
    lately = _recent(d, clock.t)
    assert lately < 1.0                                    # under the line over five minutes; the hour is not
    said = _failure(_concerns(inc, d, clock.t))
    assert said.endswith(f"; over the last 5m00s the same query reads {_stated(lately)}"), said


def test_while_flows_fail_the_concern_gives_their_rate(tmp_path: Path) -> None:
    d, inc, clock, breach = _incident(tmp_path)
    clock.t = breach + 60
    lately = _recent(d, clock.t)
    assert lately > 1.0
    said = _failure(_concerns(inc, d, clock.t))
    assert said.endswith(f"; over the last 5m00s the same query reads {_stated(lately)}"), said


def test_with_flowengine_stopped_nothing_ran_and_no_pane_is_quoted_as_now(tmp_path: Path) -> None:
    d, inc, clock, breach = _incident(tmp_path)
    stop = breach + 40
    _act(d, [Action("flowengine_stop", 0.0)], stop)        # kubectl scale deployment/flowengine --replicas=0
    clock.t = stop + 60                                    # ten drill minutes with no flow and no model call
    assert math.isnan(_recent(d, clock.t))
    concerns = _concerns(inc, d, clock.t)
    said = _failure(concerns)
    assert said.endswith("; over the last 5m00s the same query has no data (nothing it measures ran)"), said
    assert not any("counted no" in c or "still holds" in c for c in concerns), concerns
    five = [c for c in concerns if c.startswith("Model API 5xx rate")]
    assert five and all(c.startswith("Model API 5xx rate has no value now: its last (") for c in five), concerns
