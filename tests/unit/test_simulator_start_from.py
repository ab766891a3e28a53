"""``Simulator.start_from``: a fresh simulator answering from another's world before any action.

A process that makes many fresh drills of one scenario (the stand-ins' fuzz, ``standins_corpus.pristine``) reads that
world once; each drill must still answer as a fresh simulator would, and what one drill does must never reach
the world another reads.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from warroom.drill.actions import Action
from warroom.drill.scenarios import get_scenario
from warroom.drill.simulator import Simulator

PANES = ("failure_rate", "p95_latency", "quota", "error_5xx", "audit_gap")
TIMES = [-1800.0, -3.3, 0.0, 123.4, 600.0, 1200.0]
BREAKER = Action("circuit_breaker", 200.0)


def _unix(t: float) -> float:
    return 1_790_000_000.0 + t


def seen(sim: Simulator) -> list[object]:
    """Every default pane at every moment, and the clock PromQL reads (the simulator's own ``unix``)."""
    return [*(sim.panes(p, TIMES) for p in PANES), [sim.evaluate("time()", t) for t in TIMES]]


def _record(actions: list[Action]) -> Callable[[], list[Action]]:
    return lambda: list(actions)


def test_a_started_simulator_answers_as_a_fresh_one_and_its_actions_stay_its_own() -> None:
    sc = get_scenario("rate-limit")
    before = Simulator(sc)
    world = before.refresh()
    record: list[Action] = []
    copy = Simulator(sc, _record(record), _unix)
    assert copy.start_from(before)
    assert seen(copy) == seen(Simulator(sc, unix=_unix))             # a fresh simulator's answers, to the bit
    untouched = seen(before)
    assert untouched == seen(Simulator(sc))

    record.append(BREAKER)                                            # an action on the copy: a world of its own
    acted = seen(copy)
    assert acted == seen(Simulator(sc, _record([BREAKER]), _unix))
    assert acted[:-1] != untouched[:-1]                               # the breaker bends the curves
    assert seen(before) == untouched                                  # the world it started from is as it was
    assert before.refresh() is world and world.signals.actions == ()
    assert copy.refresh() is not world and copy.refresh().signals.actions == (BREAKER,)


def test_a_simulator_with_a_world_or_an_action_keeps_its_own() -> None:
    sc = get_scenario("rate-limit")
    before = Simulator(sc)
    asked = Simulator(sc)
    own = asked.refresh()
    assert not asked.start_from(before) and asked.refresh() is own
    acting = Simulator(sc, _record([BREAKER]))
    assert not acting.start_from(before)
    assert acting.refresh().signals.actions == (BREAKER,)


def test_only_a_world_of_the_same_scenario_and_seed_with_no_action_is_started_from() -> None:
    sc = get_scenario("rate-limit")
    with pytest.raises(ValueError, match="is not"):
        Simulator(sc).start_from(Simulator(get_scenario("timeout")))
    with pytest.raises(ValueError, match="is not"):
        Simulator(sc, ids="other").start_from(Simulator(sc))
    with pytest.raises(ValueError, match="has actions recorded"):
        Simulator(sc).start_from(Simulator(sc, _record([BREAKER])))
