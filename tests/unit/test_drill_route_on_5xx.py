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

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill import fleet
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.directory import Drill, create_drill

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
    drill = create_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="on5xx")
    assert run_one(drill, SET.split(), 400.0)[0] == 0
    signals = drill.simulator.signals
    outage, healed = signals.share_5xx(PRIMARY, 900.0, raw=True), signals.share_5xx(PRIMARY, 4800.0, raw=True)
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
    drill = create_drill(tmp_path, "provider-outage", speed=SPEED, start=START, name="all")
    assert run_one(drill, "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo".split(), 400.0)[0] == 0
    signals = drill.simulator.signals
    assert signals.request_rate(PRIMARY, 4800.0) == 0.0
    assert _on_primary(drill, 4700.0, 6500.0) == 0.0
    assert signals.route_share(4800.0) == 1.0
