"""A rollout onto pods that never get ready stalls, as Kubernetes' RollingUpdate leaves it (attack50 A6, A12).

The estate's deployments roll with maxSurge 25% (rounded up) and maxUnavailable 25% (rounded down): of FlowEngine's 5,
2 new pods at most beyond the 5 and 1 old one away before a new one is ready. An image never built does not pull
(ErrImagePull, then ImagePullBackOff): the rollout stops with 3 new pods, the 4 old ones serve on, and the world's
flows run on the release they run; ``rollout status`` waits, then says the progress deadline passed.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import run_one, warm_drill
from warroom.drill import fleet

NS = ["-n", fleet.NAMESPACE]
NEVER_BUILT = "registry.internal/flowengine:v9.9.9"


def test_an_image_never_built_does_not_pull_and_the_old_pods_serve_on(tmp_path: Path) -> None:
    d = warm_drill(tmp_path, "mass-failure")
    argv = ["kubectl", "set", "image", "deployment/flowengine", f"flowengine={NEVER_BUILT}", *NS]
    assert run_one(d, argv, 300.0)[0] == 0
    listed = [line.split() for line in run_one(d, ["kubectl", "get", "pods", *NS, "-l", "app=flowengine"], 400.0)[1]
              .splitlines()[1:]]
    assert sorted((ready, status) for _, ready, status, *_ in listed) == \
        [("0/1", "ImagePullBackOff")] * 3 + [("1/1", "Running")] * 4, listed
    deploy = run_one(d, ["kubectl", "get", "deploy", "flowengine", *NS], 400.0)[1].splitlines()[1].split()
    assert deploy[1:4] == ["4/5", "3", "4"], deploy
    code, out, err = run_one(d, ["kubectl", "rollout", "status", "deployment/flowengine", *NS], 400.0)
    assert code == 1 and "3 out of 5 new replicas have been updated..." in out, (out, err)
    said = run_one(d, ["kubectl", "get", "events", *NS, "--field-selector", "type=Warning"], 400.0)[1]
    assert f'Failed to pull image "{NEVER_BUILT}"' in said, said
    # the world: the bad release's pods serve on, nothing rolled back, no restart; its meaning is none
    sim = d.simulator
    assert sim.signals.first("restart") is None and sim.signals.on_bad_release(400.0) == 1.0
    assert "rollback" not in {a.action for a in d.actions()}
    # an undo back onto them: the old ReplicaSet scales up again, its pods stay, the stalled ones go
    assert run_one(d, ["kubectl", "rollout", "undo", "deployment/flowengine", *NS], 500.0)[0] == 0
    after = run_one(d, ["kubectl", "get", "pods", *NS, "-l", "app=flowengine"], 600.0)[1]
    assert [line.split()[1:3] for line in after.splitlines()[1:]] == [["1/1", "Running"]] * 5, after
    assert all(name in after for name, ready, *_ in listed if ready == "1/1"), after    # and one made again
    assert d.simulator.signals.first("restart") is None
