"""redteam30-6: `kubectl get events` wrote a past rollout's "Scaled down replica set … to 0 from N" with
today's replicas (a 39-minute-old event read "from 0" once FlowEngine was scaled to zero), and a scale
read "Scaled replica set to 0" with no replica set and no "from". An event says what was true when it
happened: the replicas come from the cluster replayed to that moment, in kubectl's words."""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import START, run_one
from warroom.drill.directory import create_drill

EVENTS = "kubectl get events -n production --sort-by=.lastTimestamp".split()


def scaling(out: str) -> list[str]:
    return [ln.split("ScalingReplicaSet", 1)[1].split(None, 1)[1] for ln in out.splitlines() if "ScalingReplicaSet" in ln]


def test_a_past_event_keeps_the_replicas_it_had_and_a_scale_says_from_what(tmp_path: Path) -> None:
    drill = create_drill(tmp_path, "audit-gap", speed=10.0, start=START)
    before = scaling(run_one(drill, EVENTS, 600.0)[1])
    steps = [ln for ln in before if "flowengine-29m2pqbrh9" in ln]      # the release's rollout, a pod at a time
    assert steps == [f"Scaled down replica set flowengine-29m2pqbrh9 to {n - 1} from {n}" for n in range(5, 0, -1)]
    assert run_one(drill, "kubectl scale deployment/flowengine --replicas=0 -n production".split(), 300.0)[0] == 0
    after = scaling(run_one(drill, EVENTS, 900.0)[1])
    assert after[: len(before)] == before, (before, after)        # the past reads the same
    assert after[len(before):] == ["Scaled down replica set flowengine-shtw96jxlz to 0 from 5"], after
