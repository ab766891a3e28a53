"""What one world hands the next is what the next would have worked out itself (perf49).

``Signals.adopt`` gives a world built after an action the quota its predecessor burnt before the two differ, and
``Series._column`` keeps a chunk's column of flows asked for while the chunk stays as it is (``_row_before`` bisects
it). Each test reads the carried or kept answer against one worked out from scratch.
"""

from __future__ import annotations

import math

from tests.unit.standins_corpus import warm_simulator
from warroom.drill import fleet
from warroom.drill.actions import Action
from warroom.drill.model import Signals
from warroom.drill.scenarios import get_scenario
from warroom.drill.series import GRID, Series

SINCE = 600.0
FEWER = Action("config_set", SINCE, detail={"key": "retry.max_attempts", "value": "1"})    # fewer retries: less burnt


def test_a_world_after_an_action_burns_as_one_built_fresh() -> None:
    """The world before the action burnt up to 1200 s; the world with it takes that up to 600 s and burns on: every
    scrape's quota equals a fresh world's, and after 600 s differs from the one it followed (more was not kept)."""
    sc = get_scenario("rate-limit")
    old = Signals(sc)
    times = [j * 15.0 for j in range(-8, 81)]
    before = [old.quota(p, t) for t in times for p in fleet.PROVIDERS]
    new, fresh = Signals(sc, (FEWER,), follows=(old, SINCE)), Signals(sc, (FEWER,))
    assert len(new._sums) == math.floor(SINCE / 15.0) - new._k0 + 1      # noqa: SLF001  (carried, not worked out)
    carried = [new.quota(p, t) for t in times for p in fleet.PROVIDERS]
    assert carried == [fresh.quota(p, t) for t in times for p in fleet.PROVIDERS]
    assert carried[:len(carried) // 2 - 24] == before[:len(carried) // 2 - 24] and carried[-3:] != before[-3:]


def test_a_chunk_grown_since_its_column_was_read_is_read_again() -> None:
    """Rows found while the newest chunk held a few, then after it (and the next) grew: each is the last row under the
    target read row by row, never one off a column sliced before the chunk grew."""
    s = Series(Signals(get_scenario("timeout")), t0=-300.0)
    s.CHUNK = 40            # chunks of 200 s: the walk crosses several, the newest growing under it
    for hi in (-100.0, 150.0, 900.0):
        s._extend(math.ceil((hi - s.t0) / GRID))       # noqa: SLF001
        for i, repo in enumerate(s.repos):
            col, top = s._cols[i][0], math.floor(s.value(("arr", repo.name), hi))      # noqa: SLF001
            first = max(1, math.ceil(s.value(("arr", repo.name), s.t0 + 1.0)), top - 6)     # asked for since t0
            for k in range(first, top + 1):
                last = max(r for r in range(s.rows) if s._at(r, col) < k)      # noqa: SLF001
                assert s._row_before(col, k, s.t0, hi) == last      # noqa: SLF001
                s.begun(i, k, s.t0, hi)         # and the flow is begun in it


def test_a_test_flow_recorded_is_the_same_world() -> None:
    """``blocks test-flow`` records an action no signal reads (``simulator.RECORDS``): the world after it takes up
    every row and every step burnt of the one before, and answers as a world built fresh with it does."""
    acts = [FEWER]
    sim = warm_simulator("rate-limit", lambda: list(acts))
    before = sim.refresh()
    before.value(("count",), 600.0)
    before.signals.quota(fleet.PROVIDERS[0], 600.0)
    acts.append(Action("test_flow", 450.0, detail={"repo": "core-api", "ok": True, "model": "claude-sonnet-4-5"}))
    after = sim.refresh()
    assert after is not before and after.rows == before.rows
    assert after.signals._sums == before.signals._sums      # noqa: SLF001
    fresh = warm_simulator("rate-limit", lambda: list(acts)).refresh()
    key = ("req", fleet.PROVIDERS[0].name, "429")
    assert [after.value(key, t) for t in (300.0, 450.0, 600.0)] == [fresh.value(key, t) for t in (300.0, 450.0, 600.0)]
    assert after.signals.quota(fleet.PROVIDERS[0], 600.0) == fresh.signals.quota(fleet.PROVIDERS[0], 600.0)
