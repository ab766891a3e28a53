"""Reads the drill keeps going forward give what a read from scratch gives (perf52).

``Series._read`` slices a run of evenly spaced rows (a range query's scrapes) at once and leaves a repo's failure count
on a row as the row holds it; ``cluster.Replay`` applies each operation once for the estate asked at increasing
moments (``Signals._ready_pods``, ``_ready_at``). Each is held here to the plain read, to the bit, and an operation
taken after a read must move the next one.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.cluster import Replay, build_cluster
from warroom.drill.model import DB, Signals
from warroom.drill.scenarios import get_scenario
from warroom.drill.series import GRID, Series
from warroom.drill.promql import SCRAPE

ACTIONS = [Action("restart", 100.0), Action("set_env", 200.0, detail={"deployment": fleet.DEPLOYMENT,
                                                                     "set": {"MAX_CONCURRENT_FLOWS": "5"}}),
           Action("throttle", 200.0)]
OPS = [Action("scale_to", 100.0, detail={"deployment": "postgres", "replicas": 0}),
       Action("node_cordon", 150.0, detail={"node": "node-2"}),
       Action("scale_to", 400.0, detail={"deployment": "postgres", "replicas": 1}),
       Action("node_drain", 420.0, detail={"node": "node-2"}),
       Action("node_uncordon", 700.0, detail={"node": "node-2"}),
       Action("scale_to", 700.0, detail={"deployment": fleet.DEPLOYMENT, "replicas": 0}),
       Action("flowengine_stop", 700.0), Action("scale_to", 900.0, detail={"deployment": fleet.DEPLOYMENT,
                                                                           "replicas": 5}),
       Action("flowengine_start", 900.0)]


def small(actions: list[Action]) -> Series:
    """A short series (from -300 s) of small chunks, few held: runs cross chunks and chunks are dropped."""
    series = Series(Signals(get_scenario("rate-limit"), actions), t0=-300.0)
    series.CHUNK, series.KEEP = 16, 2
    return series


def test_a_range_read_is_each_moment_read_alone() -> None:
    scrapes = [k * SCRAPE for k in range(-20, 50)]
    times = [*scrapes, *scrapes[::4], 600.0, 600.0, -400.0, 37.5, 41.0, *scrapes[::-3], 2.0 * GRID + 1e-12]
    series = small(ACTIONS)
    cols = list(range(series.width))
    together = series.columns(cols, times)
    alone = [series.columns(cols, [t]) for t in times]
    assert [[repr(v) for v in col] for col in together] == \
        [[repr(alone[j][c][0]) for j in range(len(times))] for c in range(len(cols))]
    # a cap acts from 230 s: the flows' counters are the slots' from then, the rows' before; the histogram's rows
    plain = [c for c, key in enumerate(series.keys) if key[0] in ("req", "arr")]
    for t in scrapes:
        row = math.floor((max(t, series.t0) - series.t0) / GRID)
        assert [series.columns([c], [t])[0][0] for c in plain] == [series._at(row, c) for c in plain]    # noqa: SLF001


def test_a_failure_count_on_a_row_is_the_rows() -> None:
    """What ``columns`` no longer asks ``_count`` on a row: it answers the row's own count there."""
    series = small([])
    for i, repo in enumerate(series.repos):
        arr, fail = series.index[("arr", repo.name)], series.index[("fail", repo.name)]
        for t in (k * SCRAPE for k in range(-20, 60)):
            a = series.value(("arr", repo.name), t)
            assert repr(series._count(i, t, a)) == repr(series.value(("fail", repo.name), t)), (repo, t)  # noqa: SLF001
            assert series.columns([fail, arr], [t])[0][0] == series._count(i, t, a)     # noqa: SLF001


def _ready(scenario: str, actions: list[Action], name: str) -> list[tuple[float, tuple[float, ...]]]:
    """``Signals._ready_pods`` as it read the estate: built from scratch at each operation."""
    from warroom.drill.cluster import NODE_OPS, refused

    ops = [a for a in actions if a.action in NODE_OPS or name in (a.detail.get("deployment"), a.detail.get("name"))]
    out: list[tuple[float, tuple[float, ...]]] = []
    for a, until in zip(ops, [*(a.t for a in ops[1:]), math.inf], strict=True):
        c = build_cluster(get_scenario(scenario), actions, a.t)
        dep = c.deployments.get(name) or c.gone[name]
        step = dep.rollout_seconds / max(1, dep.replicas)
        ups = [p[2] + step for p in c.pods(dep, a.t + 86400.0)] + [w + step for w, _, _ in dep.deleted] + [a.t + step]
        out += [(w, tuple(p[2] for p in c.pods(dep, w) if p[3] == "Running"
                          and not refused(get_scenario(scenario), dep, p[2], c.log)))
                for w in sorted({a.t, *(w for w in ups if a.t < w < until)})]
    return out


def test_replayed_forward_the_estate_is_built_from_scratch() -> None:
    scenario = get_scenario("mass-failure")
    replay = Replay(scenario, OPS)
    for t in (0.0, 100.0, 150.0, 399.0, 400.0, 420.0, 700.0, 900.0, 5000.0):
        c, fresh = replay.upto(t), build_cluster(scenario, OPS, t)
        for name in ("postgres", fleet.DEPLOYMENT):
            dep, was = c.deployments[name], fresh.deployments[name]
            assert c.pods(dep, t + 30.0) == fresh.pods(was, t + 30.0) and c.ready(dep, t) == fresh.ready(was, t), t
        assert c.nodes == fresh.nodes and c.log == fresh.log


def test_an_operation_after_a_read_moves_the_next() -> None:
    scenario = get_scenario("mass-failure")
    replay = Replay(scenario, OPS)
    before = replay.upto(50.0)
    assert before.ready(before.deployments["postgres"], 50.0) == 1
    after = replay.upto(300.0)           # the scale to zero at 100 s, read after the read at 50 s
    assert after.ready(after.deployments["postgres"], 300.0) == 0
    signals = Signals(scenario, OPS)
    for name in (DB, fleet.AUDIT_DEPLOYMENT, fleet.DEPLOYMENT):
        assert signals._ready_pods(name) == _ready("mass-failure", list(signals.actions), name)    # noqa: SLF001
    assert not signals.task_store(200.0) and signals.task_store(600.0)
    assert not signals.admits(800.0) and signals.admits(1000.0)


def test_a_drill_without_its_cache_file_yet_builds_its_world_once(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The first read of a drill with no cache file yet (a cold drill, a stand-in's before any was written) builds
    one world: ``Simulator._load_cache`` built one before finding no file, then ``_world`` built it again (perf53).
    The file it finds afterwards is still read: the world is built once there too, and answers as a cold one."""
    from warroom.drill import model, simulator

    built: list[int] = []
    made = model.Signals.__init__

    def counted(self: model.Signals, *args: object, **kwargs: object) -> None:
        built.append(1)
        made(self, *args, **kwargs)     # type: ignore[arg-type]
    monkeypatch.setattr(model.Signals, "__init__", counted)
    cache = tmp_path / "series.cache"
    cold = simulator.Simulator(get_scenario("timeout"), cache=cache)
    value = cold.refresh().value(("count",), 60.0)
    assert len(built) == 1
    cold.save_cache()
    assert cache.is_file()
    built.clear()
    warm = simulator.Simulator(get_scenario("timeout"), cache=cache)
    assert warm.refresh().value(("count",), 60.0) == value and len(built) == 1
