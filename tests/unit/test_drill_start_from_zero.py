"""FlowEngine scaled back from zero: one schedule for its pods and its flows (attack50 A5).

Its ReplicaSet makes every missing pod at once; the world admits flows from the first pod ready, the moment ``kubectl
get pods`` says 1/1, the Service lists it and /health answers ok. The pods were Ready, in the endpoints and "ok" ~40 s
before the first flow (the world's START_DELAY), and they came up one every ~9 s.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill import fleet

NS = ["-n", fleet.NAMESPACE]


def test_flowengine_takes_flows_from_its_first_pod_ready(tmp_path: Path) -> None:
    d = warm_drill(tmp_path, "timeout")
    for t, n in ((300.0, 0), (600.0, 5)):
        assert run_one(d, ["kubectl", "scale", "deployment/flowengine", f"--replicas={n}", *NS], t)[0] == 0

    def pods(t: float) -> list[list[str]]:
        out = run_one(d, ["kubectl", "get", "pods", *NS, "-l", "app=flowengine", "--no-headers"], t)[1]
        return [line.split()[1:3] for line in out.splitlines()]

    ready = 600.0 + 45.0 / 5        # a step: its rollout's 45 s over its 5 pods
    assert pods(ready - 0.5) == [["0/1", "ContainerCreating"]] * 5 and pods(ready) == [["1/1", "Running"]] * 5
    signals = d.simulator.refresh().signals
    assert not signals.admits(ready - 0.5) and signals.admits(ready) and signals.running(ready)
    assert not signals.admits(599.0)
