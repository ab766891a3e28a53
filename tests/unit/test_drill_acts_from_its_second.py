"""Every operation acts from the second it is taken, never from the next point of a grid (redteam37 F5).

The circuit breaker tripped at the first 15 s quota scrape after its arming, and a MAX_CONCURRENT_FLOWS cap came into
force at the queue's next 30 s step (and a cap changed while flows waited, at the step after): an operation a second
later could act up to a grid step later, so the rate-limit drill's quota ran out 15 minutes sooner for a breaker turned
on at 301 s than at 300 s. Here each kind of operation (rollout undo and restart, scale, set env of a routing, of the
breaker, of a cap; a cap lifted while flows wait) is taken at several seconds, fractions included, and its first
effect on the world (any fault's strength, any provider's request rate, the share of pods on the bad release, when
the flows starting arrived) lags it by the same delay whatever the second.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.unit.standins_corpus import START, run_one, warmed
from warroom.drill import fleet
from warroom.drill.directory import create_drill
from warroom.drill.model import Signals

CAP = "kubectl set env deployment/flowengine MAX_CONCURRENT_FLOWS=1 -n production"
OPERATIONS = {
    "undo": ("mass-failure", "kubectl rollout undo deployment/flowengine -n production"),
    "restart": ("mass-failure", "kubectl rollout restart deployment/flowengine -n production"),
    "scale": ("mass-failure", "kubectl scale deployment/flowengine --replicas=0 -n production"),
    "routing": ("provider-outage", "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo "
                                   "FALLBACK_ON_5XX=true -n production"),
    "breaker": ("rate-limit", "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true "
                              "CIRCUIT_BREAKER_THRESHOLD=85 -n production"),
    "cap": ("mass-failure", CAP),
}


def world(scenario: str, *ops: tuple[str, float]) -> Signals:
    d = warmed(create_drill(Path(tempfile.mkdtemp()), scenario, speed=10.0, start=START, name="second"))
    for command, at in ops:
        assert run_one(d, command.split(), at)[0] == 0, command
    return d.simulator.signals


def seen(s: Signals, t: float) -> tuple[object, ...]:
    """What an operation may change first, at ``t``."""
    return (tuple(s.strength(i, t) for i in range(len(s.scenario.faults))),
            tuple(s.request_rate(p, t) for p in fleet.PROVIDERS), s.on_bad_release(t), s.queue.shift(t))


def first_effect(s: Signals, base: Signals, at: float) -> float:
    """Seconds from ``at`` to the first quarter second ``s`` differs from ``base`` (within two minutes)."""
    return next(k / 4 for k in range(4 * 120) if seen(s, at + k / 4) != seen(base, at + k / 4))


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_an_operation_a_second_later_acts_a_second_later(name: str) -> None:
    scenario, command = OPERATIONS[name]
    base = world(scenario)
    lags = {at: first_effect(world(scenario, (command, at)), base, at) for at in (300.0, 301.0, 307.25)}
    assert len(set(lags.values())) == 1, (name, lags)


def test_a_cap_changed_while_flows_wait_acts_from_its_second() -> None:
    """Against the same cap set again at the same second (a revision too, so the queue's steps are cut alike)."""
    lags = {}
    for at in (1500.0, 1501.0, 1517.25):
        again = world("mass-failure", (CAP, 1000.0), (CAP.replace("=1 ", "=1 LOG_LEVEL=debug "), at))
        lifted = world("mass-failure", (CAP, 1000.0), (CAP.replace("=1 ", "=8 LOG_LEVEL=debug "), at))
        lags[at] = first_effect(lifted, again, at)
    assert set(lags.values()) == {30.0}, lags       # ENV_DELAY: the new pods' env
