"""A world taken up from another (``Capacity.adopt``: every action recorded, every what-if of the drill report, every
world lent the hours before its first action) runs the autoscaler's loop again from the last mark of its state
before the first moment the two differ: at most five minutes of samples, not an hour, and the same loop to the bit."""

from __future__ import annotations

import pytest

from warroom.drill import autoscale
from warroom.drill.actions import Action
from warroom.drill.autoscale import Capacity
from warroom.drill.model import Signals
from warroom.drill.scenarios import get_scenario

ACTIONS = [Action("scale_to", -100.0, detail={"deployment": "flowengine", "replicas": 2})]


def test_a_world_taken_up_from_another_runs_at_most_five_minutes_of_the_loop_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = get_scenario("timeout")
    before = Signals(scenario, ()).capacity
    before.ready(-50.0)
    after = Signals(scenario, ACTIONS).capacity
    after.adopt(before, ACTIONS[0].t)       # the two worlds differ from the scale on
    steps: list[int] = []
    step = Capacity._step

    def counted(self: Capacity, k: int) -> None:
        steps.append(k)
        step(self, k)
    monkeypatch.setattr(Capacity, "_step", counted)
    after.ready(-50.0)
    assert 0 < len(steps) <= 300.0 / autoscale.SAMPLE + 1     # an hourly mark ran ~700 samples again here
    monkeypatch.undo()
    fresh = Signals(scenario, ACTIONS).capacity
    fresh.ready(-50.0)
    assert after._ready == fresh._ready and after.decisions == fresh.decided(-50.0)  # noqa: SLF001
