"""A rollback heals the curves as FlowEngine's pods leave the bad release, not on a clock of its own (world-3).

The bad release's faults (mass-failure's schema change and gateway client) were bent by the canonical
``rollback`` on the scenario's own clock (45 s delay, 20 s time constant): ``kubectl rollout undo`` at 600,
``rollout status`` said "successfully rolled out" at 645 while the schema fault was at full strength (0.47 at
660). Now such a fault is as strong as the share of ready pods that still run the bad release: swept every
2.5 s through an undo, a move back onto the bad release, and an undo with a scale-up under it, the curve at
each instant equals the fault times the share ``kubectl get pods`` shows, and once ``rollout status`` says
rolled out it is the whole fault or none of it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import Drill, create_drill

NS = "-n production"
PLANS = {
    "undo": [(600.0, "kubectl rollout undo deployment/flowengine")],
    "back and forth": [(600.0, "kubectl set image deployment/flowengine flowengine=registry.internal/flowengine:v1.1.0"),
                       (700.0, "kubectl set image deployment/flowengine flowengine=registry.internal/flowengine:v1.2.0")],
    "undo under a scale-up": [(600.0, "kubectl rollout undo deployment/flowengine"),
                              (622.0, "kubectl scale deployment/flowengine --replicas=8")],
}


def _ask(drill: Drill, command: str, t: float) -> str:
    code, out, err = run_one(drill, f"{command} {NS}".split(), t)
    assert code == 0, (command, t, err)
    return out


def _bad_share(drill: Drill, t: float) -> float | None:
    """The share of FlowEngine's Running pods ``kubectl get pods`` lists on the bad release (None: none runs)."""
    table = _ask(drill, "kubectl get pods -l app=flowengine", t).splitlines()[1:]
    running = {line.split()[0] for line in table if line.split()[2] == "Running"}
    items = json.loads(_ask(drill, "kubectl get pods -l app=flowengine -o json", t))["items"]
    images = [i["status"]["containerStatuses"][0]["image"] for i in items if i["metadata"]["name"] in running]
    bad = drill.scenario.facts["bad_version"]
    return sum(image.endswith(f":{bad}") for image in images) / len(images) if images else None


@pytest.mark.parametrize("plan", PLANS)
def test_the_bad_release_s_faults_follow_its_ready_pods(tmp_path: Path, plan: str) -> None:
    drill = create_drill(tmp_path, "mass-failure", speed=SPEED, start=START, name="pods")
    faults = [i for i, f in enumerate(drill.scenario.faults) if any(m.action == "rollback" for m in f.mitigations)]
    assert len(faults) == 2                         # the schema change and the gateway client
    steps = sorted(PLANS[plan])
    shares = set()
    for t in [590.0 + 2.5 * k for k in range(85)]:
        while steps and steps[0][0] <= t:
            _ask(drill, steps.pop(0)[1], t)
        share = _bad_share(drill, t)
        assert share is not None, t
        shares.add(share)
        signals = drill.simulator.refresh().signals
        for i in faults:        # times a restart's bend on its clock: moving back onto the bad release restarts
            clock = math.prod(bend.at(t) for bend in signals._bends[i])     # its pods (redteam39 F13); a rollback not
            assert signals.strength(i, t) == pytest.approx(signals.raw_strength(i, t) * share * clock, abs=1e-12), \
                (t, i, share)
        if "successfully rolled out" in _ask(drill, "kubectl rollout status deployment/flowengine --watch=false", t):
            assert share in (0.0, 1.0), (t, share)
    assert 0.0 in shares and 1.0 in shares and len(shares) >= 4, shares    # the sweep saw the rollout pod by pod


def test_a_rollback_names_the_bad_release_and_takes_no_clock_of_its_own(tmp_path: Path) -> None:
    """A fault a rollback mitigates lives on the bad release's pods: a scenario that names no bad release, or
    gives the rollback a delay (the rollout is its delay), is refused naming what is wrong."""
    from warroom.drill.scenarios import ScenarioError, load_scenario

    text = (Path(__file__).resolve().parents[2] / "warroom/drill/scenarios/mass-failure.toml").read_text()
    for n, (old, new) in enumerate([('facts = { bad_version = "v1.2.0", ', "facts = { "),
                                    ('{ action = "rollback", factor = 0.0, ', '{ action = "rollback", factor = 0.0, delay = 45.0, ')]):
        assert old in text
        (tmp_path / f"bad-{n}.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(ScenarioError, match="facts.bad_version"):
            load_scenario(tmp_path / f"bad-{n}.toml")
