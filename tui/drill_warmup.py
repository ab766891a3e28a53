"""Integrating a new drill's world in a child process while the dashboard starts.

A drill's panes are PromQL over counters the simulator integrates from two hours before the
scenario starts (``warroom.drill.series``); for a new drill that first integration is most of the
CPU the first poll spends. Done by the dashboard's own poll it shared one interpreter (one GIL)
with Textual's start-up. A child process does it instead, on another core, while the dashboard
imports Textual and lays itself out, and leaves it in the drill's cache file — the file the
stand-ins already share the integration through (``Simulator.save_cache``, reused only when it was
made by the same simulator code for the same actions). The first poll waits a bounded time for the
child; if the child is late, failed or missing, the poll integrates as before: the numbers are the
same either way, only who computes them differs.

    python -m tui.drill_warmup DRILL_DIR     # the child
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

WAIT = 5.0   # seconds the first poll waits for the child at most (it takes a fraction of that)

# Measured (tui.drill_warmup on vs off, 7 alternating runs each of `warroom demo` in a 120x40 pty,
# load average ~8 on 2 cores): first complete frame 2.56x -> 2.17x and 2.29x -> 2.13x a bare
# Textual app. Re-measure before keeping it if the first integration gets cheaper.


def start(drill_dir: Path, cache_file: Path) -> Callable[[], None] | None:
    """Start the child unless the integration is cached already; returns what the first poll
    calls to wait for it (None: nothing to wait for)."""
    if cache_file.exists():
        return None
    try:
        child = subprocess.Popen([sys.executable, "-m", "tui.drill_warmup", str(drill_dir)],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return None

    def wait() -> None:
        try:
            child.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            return   # the poll integrates itself; the child still finishes and is reaped by Popen

    return wait


def _child(drill_dir: str) -> int:
    from warroom.config import default_slos
    from warroom.drill.directory import open_drill

    drill = open_drill(Path(drill_dir), wrappers=False)
    sim = drill.simulator
    sim.evaluate_many(default_slos()[0].query, [drill.scenario_time()])   # integrates up to now
    sim.save_cache()
    sim.save_seed()      # the next new drill of the scenario starts with these rows (``simulator.plant_seed``)
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1]))
