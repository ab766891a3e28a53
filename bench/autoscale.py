"""What the autoscaler's loop costs a drill, this checkout beside an older one, in the same run.

    python -m bench.autoscale                      # beside 5f71c4c (before the loop was cached)
    python -m bench.autoscale --baseline REV --rounds 15

The baseline's ``warroom/`` is exported from git into a temporary directory and imported from
there (``PYTHONPATH``); both codes answer the same things in alternating fresh processes, each
on a drill of its own (their cache files differ), the clock pinned a day into the drill
(``$WARROOM_DRILL_AT``, timeout scenario at ``--speed 60``, one manual scale recorded earlier):

* **stand-in call**: ``kubectl get pods`` as a process answers it (``standins.base.main``: the
  drill opened, the cache file read, the cluster with the autoscaler's decisions, the answer, the
  cache written), timed inside the process, so the interpreter's start and the imports (the same
  for both) are left out;
  every drill is warmed by one call first (the cache file the dashboard would have left);
* **poll after a new action**: a simulator a day in, a ``kubectl scale`` recorded 100 s ago, the
  next pane read (what the dashboard's next poll pays for the new action).

Medians over the rounds and old/new ratios; the raw figures go to ``bench/results/autoscale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = "5f71c4c"        # main before the loop was cached like the curves
DAY = 86400.0
START = 1_790_000_000.0     # the drills' wall start; the clock is pinned a day of scenario time later
SPEED = 60.0

_SETUP = """
import sys, warroom
from pathlib import Path
from warroom.drill.directory import create_drill
assert warroom.__file__.startswith(sys.argv[2]), warroom.__file__
d = create_drill(Path(sys.argv[1]), "timeout", {speed}, start={start}, name="bench")
d.record("scale_to", at=d.wall_time({day} - 4000.0), detail={{"deployment": "flowengine", "replicas": 3}})
print(d.path)
"""

_STANDIN = """
import io, sys, time, warroom
assert warroom.__file__.startswith(sys.argv[1]), warroom.__file__
from warroom.drill.standins import base, kubectl   # imported before the clock starts: the same for both
sys.stdout = io.StringIO()
a = time.perf_counter()
code = base.main("kubectl", ["get", "pods", "-n", "production", "--no-headers"])
took = time.perf_counter() - a
sys.stdout = sys.__stdout__
print(took if code == 0 else "exit %d" % code)
"""

_POLL = """
import sys, time, warroom
assert warroom.__file__.startswith(sys.argv[1]), warroom.__file__
from warroom.drill.actions import Action
from warroom.drill.scenarios import get_scenario
from warroom.drill.simulator import Simulator
recorded = [Action("scale_to", {day} - 4000.0, detail={{"deployment": "flowengine", "replicas": 3}})]
sim = Simulator(get_scenario("timeout"), lambda: list(recorded))
sim.pane("p95_latency", {day})
recorded.append(Action("scale_to", {day} - 100.0, detail={{"deployment": "flowengine", "replicas": 9}}))
a = time.perf_counter()
sim.pane("p95_latency", {day})
print(time.perf_counter() - a)
"""


def _python(code: str, src: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh interpreter importing warroom from ``src``; its last line of output."""
    full = {**os.environ, **(env or {}), "PYTHONPATH": str(src)}
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=src, env=full, capture_output=True, text=True,
                          timeout=600, check=True)
    return proc.stdout.strip().splitlines()[-1]


def export(rev: str, into: Path) -> Path:
    """The ``warroom/`` package of ``rev``, written under ``into``."""
    data = subprocess.run(["git", "-C", str(REPO), "archive", rev, "warroom"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def measure(baseline: str, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Per code (``new``, ``old``): the stand-in call's and the poll's times (ms), alternating."""
    fmt = {"day": DAY, "speed": SPEED, "start": START}
    out: dict[str, dict[str, list[float]]] = {"new": {"standin": [], "poll": []}, "old": {"standin": [], "poll": []}}
    with tempfile.TemporaryDirectory(prefix="warroom-bench-autoscale-") as tmp:
        codes = {"new": REPO, "old": export(baseline, Path(tmp) / "old")}
        drills = {}
        for name, src in codes.items():
            state = Path(tmp) / f"state-{name}"
            drills[name] = _python(_SETUP.format(**fmt), src, str(state), str(src))
        env = {name: {"WARROOM_DRILL_DIR": drills[name], "WARROOM_DRILL_AT": repr(START + DAY / SPEED),
                      "WARROOM_DRILL_NO_DELAY": "1"} for name in codes}
        for name, src in codes.items():      # the cache file the dashboard would have left
            _python(_STANDIN, src, str(src), env=env[name])
        for _ in range(rounds):
            for name, src in codes.items():
                took = _python(_STANDIN, src, str(src), env=env[name])
                out[name]["standin"].append(float(took) * 1000)
                out[name]["poll"].append(float(_python(_POLL.format(**fmt), src, str(src))) * 1000)
    return out


def figures(quick: bool = False) -> list[dict[str, object]]:
    """Rows for ``python -m bench``'s table: this checkout beside ``BASELINE``."""
    m = measure(BASELINE, 3 if quick else 9)
    med = statistics.median
    return [{"name": f"drill {what}, a day in", "unit": "ms", "value": med(m["new"][key]),
             "baseline": med(m["old"][key]), "baseline_name": BASELINE}
            for key, what in (("standin", "stand-in kubectl get pods"), ("poll", "poll after a new action"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.autoscale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"the older code's git revision (default {BASELINE})")
    parser.add_argument("--rounds", type=int, default=9, help="alternating rounds (default 9)")
    args = parser.parse_args(argv)
    m = measure(args.baseline, args.rounds)
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "autoscale.json").write_text(json.dumps({"baseline": args.baseline, **m}, indent=2) + "\n")
    print(f"autoscaler loop, a day into a timeout drill at x{SPEED:g}: this checkout vs {args.baseline} "
          f"({args.rounds} alternating rounds, medians, ms)")
    for key, what in (("standin", "stand-in kubectl get pods"), ("poll", "poll after a new action")):
        new, old = statistics.median(m["new"][key]), statistics.median(m["old"][key])
        print(f"  {what:28} new {new:8.2f}   old {old:8.2f}   old/new {old / new:6.1f}x   "
              f"(new {min(m['new'][key]):.2f}-{max(m['new'][key]):.2f}, "
              f"old {min(m['old'][key]):.2f}-{max(m['old'][key]):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
