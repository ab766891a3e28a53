"""``FALLBACK_ON_5XX=true`` moves only the calls the primary answered 5xx (issue 13, world14b).

The drill routed every primary call to the fallback under ``FALLBACK_ON_5XX=true`` whether or not the
primary erred: with the vendor healthy again, ``/health/models`` said every call ran on the fallback,
no flow ran on claude and no call reached the primary. FlowEngine tries the primary first and retries a
5xx on the fallback, so the share moved is the primary's 5xx share at ``t``: ``Signals.route_share``,
read by the flows, the request rates and ``/health/models``' reason alike.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one, warm_drill
from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import Drill

HEALTH = "kubectl exec -n production deployment/flowengine -- curl -s http://localhost:8080/health/models"
SET = "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo FALLBACK_ON_5XX=true -n production"
PRIMARY = next(p for p in fleet.PROVIDERS if p.name == fleet.PRIMARY)


def _on_primary(drill: Drill, t1: float, t2: float) -> float:
    """The share of the flows started in [t1, t2) that ran on the primary's model (0.6 of them pick it)."""
    flows = Activity(drill.simulator.refresh(), build_cluster(drill.scenario, drill.actions(), t2)).flows(t1, t2, t2)
    mine = [f for f in flows if t1 <= f.start < t2]
    assert len(mine) > 50, len(mine)
    return sum(f.model == PRIMARY.model for f in mine) / len(mine)


def test_on_5xx_moves_the_primary_5xx_share_not_every_call(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="on5xx")
    assert run_one(drill, SET.split(), 400.0)[0] == 0
    signals = drill.simulator.signals
    outage, healed = signals.share_5xx(PRIMARY, 900.0), signals.share_5xx(PRIMARY, 4800.0)
    assert outage > 0.2 and healed < 0.05, (outage, healed)
    for t, s5 in ((900.0, outage), (4800.0, healed)):
        assert signals.request_rate(PRIMARY, t) > 0.0       # every call is tried on the primary first
        health = json.loads(run_one(drill, HEALTH.split(), t)[1])
        assert health["fallback_model"] == "gpt-4-turbo"
        assert health["fallback_reason"] == signals.route_reason(t) == \
            f"FALLBACK_ON_5XX=true: the {s5 * 100:.0f}% of calls the primary answered 5xx"
        assert signals.route_share(t) == s5                 # the calls a call to the primary gets a 5xx for
    # healed: nearly every flow runs on the primary again (before: all on the fallback)
    assert _on_primary(drill, 4700.0, 6500.0) > 0.45
    assert 0.15 < _on_primary(drill, 600.0, 1800.0) < 0.55      # in the outage: the calls not answered 5xx


def test_fallback_model_alone_still_moves_every_call(tmp_path: Path) -> None:
    drill = warm_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="all")
    assert run_one(drill, "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo".split(), 400.0)[0] == 0
    signals = drill.simulator.signals
    assert signals.request_rate(PRIMARY, 4800.0) == 0.0
    assert _on_primary(drill, 4700.0, 6500.0) == 0.0
    assert signals.route_share(4800.0) == 1.0


def test_on_5xx_routing_moves_one_call_only_when_the_primary_answered_it_5xx(tmp_path: Path) -> None:
    """``blocks test-flow`` / ``flow retry`` took the routed model for every call: under ``FALLBACK_ON_5XX``
    a call is tried on the primary first and falls back only on its 5xx."""
    # its ids pinned (``drill_ids``): the twelve retried flows' models are the ids' draw
    drill = warm_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="calls", ids="provider-outage")
    assert run_one(drill, SET.split(), 400.0)[0] == 0
    share = drill.simulator.signals.route_share(900.0)
    assert 0.2 < share < 0.6
    outs = [run_one(drill, ["blocks", "test-flow"], 900.0 + 0.01 * i) for i in range(40)]
    moved = [out for code, out, _ in outs if "on gpt-4-turbo via fallback routing" in out]
    stayed = [out for code, out, _ in outs if code == 0 and "on claude-sonnet-4-5;" in out]
    assert len(moved) + len(stayed) == 40, outs                # a call the primary answered is not its 5xx
    assert 0.05 < len(moved) / 40 < 0.7, len(moved)            # before: all 40 via fallback routing
    healed = [run_one(drill, ["blocks", "test-flow"], 4800.0 + 0.01 * i)[1] for i in range(10)]
    assert all("on claude-sonnet-4-5;" in out for out in healed), healed
    ids = [line.split("|")[0].strip() for line in run_one(drill, ["psql", "-At", "-c",
           "SELECT task_id FROM tasks WHERE status = 'failed' AND error_message ILIKE '%anthropic%' LIMIT 12"], 900.0)[1].splitlines()]
    models = {run_one(drill, ["blocks", "flow", "retry", task], 905.0)[1].split("model ")[1].split(")")[0]
              for task in ids if task}
    assert models == {"claude-sonnet-4-5", "gpt-4-turbo"}, models
