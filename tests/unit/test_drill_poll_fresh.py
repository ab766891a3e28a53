"""The dashboard's poll of a drill (``DrillSource.fetch`` with no ``at``: every cache it keeps) reads, poll after
poll, what a fresh, uncached evaluation reads: a new ``Drill`` opened from disk, a new simulator, ``fetch`` as of a
time (never cached). Between the polls responders act — a step run recording an action, a stand-in's own handle
recording one, an action recorded late (it bends the past), a record the world never reads — the evidence worker
looks at the past on the same world (range queries before the panes' scrapes and reaching them), and the dashboard
is resumed (a new source on the reopened drill). Each poll's value and note are the fresh ones at its time; its
sparkline is the fresh one of the moment the poll's schedule says it was drawn (a sparkline is reused while the world
is the same and less than one sparkline step has passed: ``DrillSource``), so a point served from before an action
(a stale cache) is red here, whatever the cache's shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.config import default_slos
from warroom.drill.directory import Drill, DrillSource, create_drill, open_drill
from warroom.drill.simulator import Simulator

T0 = 1_790_000_000.0


def _fresh(drill: Drill, at: float, memo: dict) -> list:
    """The panes at unix time ``at`` from a drill reopened from disk with a simulator of its own that reads no cache
    file, nothing cached (a fetch as of a time); the same moment of the same record is read once (``memo``)."""
    key = (at, repr(drill.actions()))
    if key not in memo:
        src = _fresh_source(drill)
        memo[key] = src.fetch(default_slos(), at=at)
        src.close()
    return memo[key]


def _fresh_source(drill: Drill) -> DrillSource:
    """A source on ``drill`` reopened from disk, with a simulator of its own that reads no cache file."""
    fresh = open_drill(drill.path, wrappers=False)
    fresh.__dict__["simulator"] = Simulator(fresh.scenario, fresh.actions, fresh.wall_time, now=fresh.scenario_time,
                                            ids=fresh.ids)
    return fresh.source()


def _poll_and_check(src: DrillSource, drill: Drill, wall: float, drawn: float | None, actions: list,
                    monkeypatch: pytest.MonkeyPatch, memo: dict) -> tuple[float, list]:
    """Poll ``src`` at ``wall`` (the clock pinned there) and check it against the fresh readings; returns the moment
    its sparklines were drawn (``drawn``: the last poll's, None when it has none to reuse) and the actions then."""
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(wall))
    now_actions = drill.actions()
    t = drill.scenario_time(wall)
    if drawn is None or now_actions != actions or not 0 <= t - drill.scenario_time(drawn) < src.step:
        drawn = wall
    polled = src.fetch(default_slos())
    value_at, spark_at = _fresh(drill, wall, memo), _fresh(drill, drawn, memo)
    for got, fresh, spark in zip(polled, value_at, spark_at, strict=True):
        assert (got.slo_id, got.value, got.note, got.error) == (fresh.slo_id, fresh.value, fresh.note, fresh.error)
        assert got.series == spark.series, f"{got.slo_id} at {wall}: sparkline not the fresh one of {drawn}"
    return drawn, now_actions


@pytest.mark.parametrize("speed", [1.0, 10.0, 20.0, 60.0])
def test_every_poll_reads_what_a_fresh_evaluation_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        speed: float) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0))
    drill = create_drill(tmp_path / "state", "rate-limit", speed)
    src = drill.source()
    step = src.step / speed                       # wall seconds of one sparkline step
    wall, drawn, actions, memo = drill.wall_time(600.0), None, drill.actions(), {}
    # polls within one sparkline step and past it, the acts between them each followed by a poll within the step
    acts = {
        1: lambda w: drill.record("context_pruning", at=w),                                 # a step run's
        3: lambda w: open_drill(drill.path, wrappers=False).record("restart", at=w),          # a stand-in's
        4: lambda w: drill.record("notify", at=w),                                          # the world never reads
        6: lambda w: drill.record("fallback_routing", at=w - 20 * step),    # late: ten drill minutes of the past bend
    }
    for n, gap in enumerate([0.3 * step, 0.4 * step, 1.2 * step, 0.2 * step, 0.3 * step, 0.2 * step, 0.5 * step, 0]):
        drawn, actions = _poll_and_check(src, drill, wall, drawn, actions, monkeypatch, memo)
        if n == 2:      # a look at the past between two polls (the evidence worker's), on the panes' own world: a
            fresh = _fresh_source(drill)        # window before every scrape the panes read, and one reaching them
            for lo, hi in ((-7000.0, -6000.0), (-6500.0, -3000.0)):
                args = ("sum(rate(flowengine_flow_executions_total[5m]))", drill.wall_time(lo), drill.wall_time(hi))
                assert src.query_range(*args, 60.0 / speed) == fresh.query_range(*args, 60.0 / speed)
            fresh.close()
        wall += gap
        if n in acts:
            acts[n](wall - 0.05 * step)
    src.close()
    resumed = open_drill(drill.path).source()          # the dashboard reopened: nothing it drew is kept
    drawn = None
    for gap in (0.2 * step, 0.0):
        drawn, actions = _poll_and_check(resumed, resumed.drill, wall, drawn, actions, monkeypatch, memo)
        wall += gap
    resumed.close()
