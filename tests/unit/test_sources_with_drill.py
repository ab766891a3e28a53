"""The sources' step helpers (promql steps, verify gates, evidence) over the drill's MetricSource."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from warroom.config import default_slos

drill_sim = pytest.importorskip("warroom.drill.directory")

from warroom.sources.evidence import capture  # noqa: E402
from warroom.sources.native import run_promql_step  # noqa: E402
from warroom.sources.verify import VerifyRun, parse_verify  # noqa: E402


@pytest.fixture
def drill_source(tmp_path: Path):
    # begun twenty minutes ago: its ten- and fifteen-minute marks have happened (a drill begun now, on the wall clock,
    # refuses a pin ten minutes ahead of the wall as a moment not yet come: attack60 F1)
    drill = drill_sim.create_drill(tmp_path / "state", "rate-limit", start=time.time() - 1200.0)
    src = drill.source()
    yield drill, src
    src.close()


def test_promql_step_over_the_drill(drill_source, monkeypatch) -> None:
    drill, src = drill_source
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(drill.wall_time(600)))     # ten drill minutes have happened
    res = run_promql_step("100 * flowengine_model_quota_used_ratio", src, at=drill.wall_time(600))
    assert res.ok and len(res.lines) >= 2 and all("provider=" in line for line in res.lines)
    bad = run_promql_step("sum(", src)
    assert bad.status == "failed" and bad.error


def test_verify_gate_and_evidence_over_the_drill(drill_source, monkeypatch) -> None:
    drill, src = drill_source
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(drill.wall_time(600)))     # ten drill minutes have happened
    slos = default_slos()
    at = drill.wall_time(600)
    values = capture(src, slos, at=at)
    quota = values["quota"]["value"]
    assert quota is not None and values["quota"]["state"] in ("ok", "warn", "crit")
    run = VerifyRun(parse_verify(f"quota <= {quota + 1000:g} within 1m", slos), src, started_at=at)
    assert run.check().status == "passed"
    run = VerifyRun(parse_verify("max(flowengine_model_quota_used_ratio) < -1 within 1m", slos), src)
    assert run.check().status == "pending"


class _Clock:
    """Stands in for ``time`` in ``warroom.drill.directory``: "now" is what the test says."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def test_a_sparkline_is_reused_for_one_step_and_the_value_is_fresh(drill_source, monkeypatch) -> None:
    import warroom.scenario_time as source_module   # the one clock every reader asks

    drill, src = drill_source
    slos = default_slos()
    clock = _Clock(drill.wall_time(900))
    monkeypatch.setattr(source_module, "time", clock)
    first = src.fetch(slos)
    clock.now += src.step / drill.speed / 3          # well within one sparkline step
    second = src.fetch(slos)
    exact = src.fetch(slos, at=clock.now)            # a fetch as of a time is never cached
    for a, b, c in zip(first, second, exact, strict=True):
        assert b.series is a.series                  # no point could have been added yet
        assert b.value == c.value and b.note == c.note   # the value is evaluated every poll
        assert c.series is not a.series
    clock.now += src.step / drill.speed              # one step later: a new point is due
    third = src.fetch(slos)
    assert all(t.series is not a.series for t, a in zip(third, first, strict=True))
    assert all(t.series[-1][0] > a.series[-1][0] for t, a in zip(third, first, strict=True) if a.series)


def test_a_change_to_the_world_drops_the_cached_sparklines(drill_source, monkeypatch) -> None:
    import warroom.scenario_time as source_module   # the one clock every reader asks

    drill, src = drill_source
    slos = default_slos()
    clock = _Clock(drill.wall_time(900))
    monkeypatch.setattr(source_module, "time", clock)
    before = src.fetch(slos)
    drill.record("circuit_breaker", at=drill.wall_time(600))   # recorded late: bends the past too
    after = src.fetch(slos)
    exact = src.fetch(slos, at=clock.now)
    for b, a, e in zip(before, after, exact, strict=True):
        assert a.series is not b.series
        assert a.series == e.series and a.value == e.value
