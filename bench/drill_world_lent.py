"""Differential check of the worlds lent their rows before their first action (``simulator._Before``): over random
action lists, each scenario's world as a ``Simulator`` builds it now beside one integrating every row itself (its
``_lend`` off: every world before), every default pane at many instants compared as printed (``repr``) and every row
bit for bit.

    python -m bench.drill_world_lent                    # 8 action lists a scenario, seed 56
    python -m bench.drill_world_lent --lists 12 --seed 7

Each list: 0-4 actions of the scenario's mitigations and the common commands (some the world never reads), at any
time of the history or the drill's first hour (some on the grid), with the scenario's ids or a drill's own.
"""

from __future__ import annotations

import argparse
import random
import time

from warroom.config import default_slos
from warroom.drill import simulator
from warroom.drill.actions import Action
from warroom.drill.scenarios import list_scenarios

COMMON = ("throttle", "circuit_breaker", "retry", "manual_review", "fallback_routing", "context_pruning", "scale",
          "flowengine_stop", "flowengine_start", "rollback", "audit_restart", "notify", "page")
TIMES = [float(t) for t in range(-7000, 3601, 317)] + [0.0, 2.5, 3600.0]


def check(seed: int, lists: int) -> tuple[int, int, int]:
    """(worlds, rows, lends) compared: raises AssertionError naming the scenario and actions of a difference."""
    rng, panes = random.Random(seed), [s.id for s in default_slos()]
    worlds = rows = 0
    lend, lends = simulator._before.lend, [0]

    def counted(scenario: object, row: int, have: int = 0) -> object:
        lends[0] += 1
        return lend(scenario, row, have)     # type: ignore[arg-type]
    simulator._before.lend = counted   # type: ignore[method-assign,assignment]
    try:
        for sc in list_scenarios():
            pool = sorted({*COMMON, *(m.action for f in sc.faults for m in f.mitigations)})
            for _ in range(lists):
                acts = [Action(rng.choice(pool), rng.choice([rng.uniform(-7200, 3600),
                                                             round(rng.uniform(-300, 3000) / 5) * 5]))
                        for _ in range(rng.randint(0, 4))]
                ids = rng.choice([None, f"{sc.name}-{rng.random()}"])
                lent = simulator.Simulator(sc, lambda a=acts: list(a), ids=ids)
                fresh = simulator.Simulator(sc, lambda a=acts: list(a), ids=ids)
                fresh._lend = lambda series, actions: None      # type: ignore[method-assign]
                for p in panes:
                    a, b = lent.panes(p, TIMES), fresh.panes(p, TIMES)
                    assert repr(a) == repr(b), (sc.name, acts, p, a, b)
                x, y = lent.refresh(), fresh.refresh()
                assert x.rows == y.rows, (sc.name, acts, x.rows, y.rows)
                for c in range((x.rows + x.CHUNK - 1) // x.CHUNK):
                    assert x._chunk(c).tobytes() == y._chunk(c).tobytes(), (sc.name, acts, c)
                worlds, rows = worlds + 1, rows + x.rows
    finally:
        simulator._before.lend = lend       # type: ignore[method-assign]
    return worlds, rows, lends[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drill_world_lent", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=56)
    parser.add_argument("--lists", type=int, default=8, help="action lists a scenario (default 8)")
    args = parser.parse_args(argv)
    began = time.process_time()
    worlds, rows, lends = check(args.seed, args.lists)
    print(f"{worlds} worlds, {rows} rows and every pane identical; {lends} lends; "
          f"{time.process_time() - began:.1f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
