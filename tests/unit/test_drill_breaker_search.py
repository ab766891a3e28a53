"""A rate-limit world with the breaker taken searches its flips once per process (breaker54).

``Signals._breaker_flips`` sums hours of quota over probe worlds (~0.3 s) to find where the breaker trips and lets go;
every stand-in, every ``what_if`` of a drill report and every world built after an action did it again. The search
is kept by everything it reads (``Signals._search_key``) and a second build takes up a copy of its last probe: these
tests hold that the second build sums nothing and is the first to the bit, as far on as either is read, and that a
build the key tells apart (another scrape of the world it follows) searches again.
"""

from __future__ import annotations

import math
import struct
from collections import OrderedDict
from collections.abc import Iterator

import pytest

from tests.unit.drill_ops import recorded
from warroom.drill import fleet, model
from warroom.drill.actions import Action
from warroom.drill.model import SPEND, Signals
from warroom.drill.scenarios import get_scenario

BREAKER = recorded(Action("circuit_breaker", 600.0))
FEWER = Action("config_set", 1200.0, detail={"key": "retry.max_attempts", "value": "1"})
HOURS = [j * 97.0 for j in range(-10, 120)]     # the drill's hours, off the scrapes
TIMES = [*HOURS, 28790.0, 28805.0, 90001.0, 172000.0, 200000.0]      # the reset, the day after, past the search


def bits(s: Signals) -> list[object]:
    """What the search leaves a world to answer, as bits: the quota, its exhaustion, the breaker's state, the queue's
    shift, the pods ready; read beyond what the search summed, so the sums a copy burns further are compared too."""
    out: list[object] = [s._flips]     # noqa: SLF001
    for t in TIMES:
        out += [struct.pack("<d", s.quota(p, t)) for p in fleet.PROVIDERS]
        out += [s.exhausted(p.name, t) for p in fleet.PROVIDERS]
        out += [s.breaker_state(600.0, t), struct.pack("<d", s.queue.shift(t)), s.holding(t)]
    return out + [s.capacity.ready(t) for t in HOURS]      # the autoscaler's loop: every 5 s from its start


@pytest.fixture
def burns(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """The steps of quota summed (``Signals._burn``), over searches kept afresh (the process's own left as they are)."""
    out: list[float] = []
    burn = Signals._burn       # noqa: SLF001

    def counted(self: Signals, a: float, b: float) -> list[float]:
        out.append(a)
        return burn(self, a, b)
    monkeypatch.setattr(Signals, "_burn", counted)
    monkeypatch.setattr(model, "_searches", OrderedDict(), raising=False)
    yield out


def test_a_breaker_world_built_again_sums_nothing_and_answers_as_the_first(burns: list[float]) -> None:
    sc = get_scenario("rate-limit")
    first = Signals(sc, BREAKER)
    assert first._flips and len(burns) > 500, len(burns)      # noqa: SLF001  (hours of steps: the search)
    left = (list(first._sums), list(first._shared), dict(first._levels), dict(first._overs))     # noqa: SLF001
    burns.clear()
    again = Signals(sc, BREAKER)
    assert burns == []
    assert (again._sums, again._shared, again._levels, again._overs) == left       # noqa: SLF001
    read = bits(first)
    assert bits(again) == read
    burns.clear()
    third = Signals(sc, BREAKER)       # the copy kept is as the search left it: the two read far on, it did not grow
    assert burns == [] and (third._sums, third._shared, third._levels, third._overs) == left     # noqa: SLF001
    assert bits(third) == read
    assert Signals(sc, BREAKER, ids="other-drill")._flips == first._flips and burns != []     # noqa: SLF001


def test_a_world_built_after_another_searches_once_per_scrape_it_follows_from(burns: list[float]) -> None:
    """A what-if or a world after an action follows the world before it (``follows``): what it takes up of that one
    decides its search, to the scrape ``since`` falls in. A second build from the same scrape sums nothing and answers
    as the first; one from another scrape searches again."""
    sc = get_scenario("rate-limit")
    old = Signals(sc, BREAKER)
    old.quota(fleet.PRIMARY_PROVIDER, 3000.0)
    since = math.floor(FEWER.t / SPEND) * SPEND
    burns.clear()
    new = Signals(sc, (*BREAKER, FEWER), follows=(old, since))
    assert burns and min(burns) >= since - SPEND, min(burns)        # what it took up of ``old`` was not summed again
    read = bits(new)
    burns.clear()
    again = Signals(sc, (*BREAKER, FEWER), follows=(old, since + SPEND - 1.0))      # the same scrape
    assert burns == [] and bits(again) == read
    later = Signals(sc, (*BREAKER, FEWER), follows=(old, since + SPEND))
    assert burns and min(burns) >= since, min(burns)
    assert later._flips == new._flips       # noqa: SLF001


def test_a_world_after_a_task_retried_takes_up_the_search(burns: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    """A task retried (``blocks flow retry``) runs one task again: no bend, pod, env or quota follows it, and the
    search's probes run without it (``Signals._searched_actions``). The worlds after each of a responder's retries,
    and a report's what-if without one, follow the same world from the same scrape: the search is done once for them
    all, and each answers as one that searched alone, its retries counted."""
    sc = get_scenario("rate-limit")
    before = Signals(sc, BREAKER)
    retried = [Action("retry", 1200.0 + i, detail={"task_id": f"tsk_{i}", "repo": fleet.REPOS[i].name, "ok": True,
                                                   "seconds": 40.0}) for i in range(3)]
    one = Signals(sc, (*BREAKER, retried[0]), follows=(before, 1200.0))
    burns.clear()
    three = Signals(sc, (*BREAKER, *retried), follows=(before, 1200.0))
    assert burns == [] and len(three.retries) == 3 and three._flips == one._flips       # noqa: SLF001
    assert three.retried(("exec", fleet.REPOS[2].name), 1300.0) == 1.0
    read = bits(three)
    monkeypatch.setattr(model, "_searches", OrderedDict())
    alone = Signals(sc, (*BREAKER, *retried), follows=(before, 1200.0))
    assert burns != [] and bits(alone) == read
