"""The drill report credits a knob-sized action by what its value did in the world (redteam44 T5).

``kubectl set env deployment/flowengine CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=2000`` pruned nothing in the
timeout drill (every bundle is under 2000 KB, the curves took no bend: ``cluster.dose`` 0), yet the report read
"new flows send pruned bundles (<=180 KB)", effective, and ``resolution_done: ["context_pruning"]``: it classified
the change by its key. Now the stretches it credits are the simulator's less the revisions whose knob acts on nothing,
and the scenario's words quote the value set.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.standins_corpus import SPEED, START, run_one
from warroom.drill.directory import create_drill
from warroom.incident.drill_report.actions import _cause, _verdict, done_by, stretches

ON = 700.0


def _world(tmp_path: Path, *sets: tuple[float, str]):
    drill = create_drill(tmp_path, "timeout", speed=SPEED, start=START, name="knob")
    for t, keys in sets:
        assert run_one(drill, ["kubectl", "set", "env", "deployment/flowengine", *keys.split(), "-n", "production"],
                       t)[0] == 0
    sig = drill.simulator.refresh().signals
    return drill, sig, stretches(drill.scenario, sig)


def test_a_cap_above_every_bundle_is_no_pruning_and_a_cap_between_is_said_as_set(tmp_path: Path) -> None:
    drill, sig, spans = _world(tmp_path / "a", (ON, "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=2000"))
    sc, on = drill.scenario, next(a for a in drill.actions() if a.action == "context_pruning")
    assert spans["context_pruning"] == [] and not done_by(sc, sig, spans, "context_pruning", 1500.0)
    effective, why, _ = _verdict(sc, sig, spans, on, SPEED)
    assert not effective and why.startswith("CONTEXT_MAX_SIZE_KB=2000 acts on nothing: only a value below 612"), why

    drill, sig, spans = _world(tmp_path / "b", (ON, "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=400"))
    on = next(a for a in drill.actions() if a.action == "context_pruning")
    assert spans["context_pruning"] == [(on.t, None)] and _verdict(sc, sig, spans, on, SPEED)[0]
    assert _cause(sc, sig, on) == "new flows send pruned bundles (<=400 KB)"

    # the cap lowered later, the switch left on: pruning acts from that revision, and is done
    drill, sig, spans = _world(tmp_path / "c", (ON, "CONTEXT_PRUNING_ENABLED=true CONTEXT_MAX_SIZE_KB=2000"),
                               (900.0, "CONTEXT_MAX_SIZE_KB=180"))
    assert [on for on, _ in spans["context_pruning"]] == [900.0], spans
    assert done_by(sc, sig, spans, "context_pruning", 1500.0)
