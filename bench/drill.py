"""What the drill simulator costs the dashboard: poll time, first fetch, memory, import.

    python -m bench.drill                  # the figures below, as a table and bench/results/drill.json
    python -m bench.drill --polls 120      # more polls
    python -m bench.drill --code DIR       # the same figures for another checkout's warroom/

Each figure runs in a fresh subprocess (so memory and import figures are not polluted by each
other):

* **poll**: median and p95 wall time of ``DrillSource.fetch(default_slos(), at)`` at successive
  1 s ticks (speed 1, the dashboard's 30 min window, 60-point sparklines), ten drill minutes in,
  after the first fetch;
* **poll at speed 60**: the same, with the drill at ``--speed 60`` (a minute of drill per poll,
  so each poll also integrates twelve new rows);
* **first fetch**: ``create_drill`` + ``source()`` + the first ``fetch`` of a brand-new drill
  (what ``warroom demo`` waits for before its first complete frame), and ``create_drill`` alone;
* **memory**: peak RSS of a process that imports the simulator, creates a drill and polls it
  ``--polls`` times, minus the RSS right after the imports (what the simulator and its caches
  hold); also the Python heap the simulator holds after the polls (tracemalloc);
* **import**: ``import warroom.drill.simulator`` in a fresh interpreter, after what the dashboard
  has imported anyway (``warroom.config``, ``warroom.sources.model``, ``dataclasses``, ``json``, ``re``):
  the drill's own modules.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_POLL = """
import json, resource, sys, tempfile, time, tracemalloc
from pathlib import Path
from warroom.config import default_slos
import warroom.drill.directory as simmod
polls, speed, trace = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "1"
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0
base_rss = rss_kb()
if trace:
    tracemalloc.start()
slos = default_slos()
with tempfile.TemporaryDirectory() as tmp:
    t0 = time.perf_counter()
    now = time.time()
    drill = simmod.create_drill(Path(tmp), "rate-limit", speed, start=now - 600 / speed)
    t1 = time.perf_counter()
    src = drill.source(slos, window=1800.0, points=60)
    src.fetch(slos, now)
    t2 = time.perf_counter()
    times = []
    for i in range(1, polls + 1):
        a = time.perf_counter()
        src.fetch(slos, now + i)
        times.append(time.perf_counter() - a)
    heap = tracemalloc.get_traced_memory()[0] if trace else None
    peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
    print(json.dumps({"create": t1 - t0, "first": t2 - t0, "polls": times, "base_rss_kb": base_rss,
                      "rss_kb": rss_kb(), "hwm_kb": peak, "heap": heap}))
"""

_IMPORT = """
import sys, time
import dataclasses, json, re, warroom.config, warroom.errors, warroom.sources.model
a = time.perf_counter()
import warroom.drill.simulator
print(time.perf_counter() - a)
"""


CODE: Path | None = None     # --code: import warroom from this checkout instead


def _run(code: str, *args: str) -> str:
    env = dict(os.environ)
    if CODE is not None:
        env["PYTHONPATH"] = str(CODE)
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=CODE or REPO, capture_output=True, text=True,
                          timeout=600, check=True, env=env)
    return proc.stdout.strip().splitlines()[-1]


def measure(polls: int, runs: int) -> dict[str, float]:
    poll_medians, poll_p95, firsts, creates, rss, heaps, imports = [], [], [], [], [], [], []
    fast_medians: list[float] = []
    for _ in range(runs):
        d = json.loads(_run(_POLL, str(polls), "1", "0"))
        times = sorted(d["polls"])
        poll_medians.append(statistics.median(times) * 1000)
        poll_p95.append(times[int(0.95 * (len(times) - 1))] * 1000)
        firsts.append(d["first"] * 1000)
        creates.append(d["create"] * 1000)
        rss.append((d["hwm_kb"] - d["base_rss_kb"]) / 1024)
        heaps.append(json.loads(_run(_POLL, str(polls), "1", "1"))["heap"] / 1e6)
        fast = sorted(json.loads(_run(_POLL, str(polls), "60", "0"))["polls"])
        fast_medians.append(statistics.median(fast) * 1000)
        imports.append(float(_run(_IMPORT)) * 1000)
    med = statistics.median
    return {
        "poll_median_ms": med(poll_medians), "poll_p95_ms": med(poll_p95), "poll_speed60_median_ms": med(fast_medians),
        "first_fetch_ms": med(firsts), "create_drill_ms": med(creates),
        "rss_growth_mb": med(rss), "heap_mb": med(heaps), "import_ms": med(imports),
    }


POLL_TARGET_MS = 5.0        # a 1 Hz poll of five panes should cost well under this


def figures(quick: bool = False) -> list[dict[str, object]]:
    """Rows for ``python -m bench``'s table (absolute figures: there is no baseline program)."""
    m = measure(30 if quick else 120, 1 if quick else 3)
    verdict = "met" if m["poll_median_ms"] < POLL_TARGET_MS else "MISSED"
    return [
        {"name": "drill poll, 5 panes x 60 points", "unit": "ms", "value": m["poll_median_ms"], "baseline": None,
         "note": f"target < {POLL_TARGET_MS:g} ms absolute: {verdict}; p95 {m['poll_p95_ms']:.2f} ms"},
        {"name": "drill poll at --speed 60", "unit": "ms", "value": m["poll_speed60_median_ms"], "baseline": None},
        {"name": "drill create + first fetch", "unit": "ms", "value": m["first_fetch_ms"], "baseline": None},
        {"name": "drill memory after polls (RSS)", "unit": "MB", "value": m["rss_growth_mb"], "baseline": None,
         "note": f"Python heap held {m['heap_mb']:.1f} MB"},
        {"name": "import warroom.drill.simulator", "unit": "ms", "value": m["import_ms"], "baseline": None},
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drill", description=__doc__.split("\n\n")[0])
    parser.add_argument("--polls", type=int, default=120, help="1 s polls per run (default 120)")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per figure (default 3)")
    parser.add_argument("--code", type=Path, default=None, help="measure the warroom/ of this checkout")
    args = parser.parse_args(argv)
    global CODE
    CODE = args.code.resolve() if args.code else None
    figures = measure(args.polls, args.runs)
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    if CODE is None:
        (out / "drill.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(textwrap.dedent(f"""\
        drill simulator{f" of {CODE}" if CODE else ""} ({args.runs} runs, {args.polls} polls at 1 s ticks, 5 panes x 60 points, medians)
          poll (fetch) median      {figures['poll_median_ms']:8.2f} ms
          poll (fetch) p95         {figures['poll_p95_ms']:8.2f} ms
          poll median, --speed 60  {figures['poll_speed60_median_ms']:8.2f} ms
          create_drill             {figures['create_drill_ms']:8.1f} ms
          create + first fetch     {figures['first_fetch_ms']:8.1f} ms
          RSS growth (peak)        {figures['rss_growth_mb']:8.1f} MB
          Python heap held         {figures['heap_mb']:8.1f} MB
          import simulator         {figures['import_ms']:8.1f} ms"""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
