"""Does a fast drill keep up with its clock? The dashboard's work per wall second, this checkout
beside a baseline, same run.

    python -m bench.drill_keepup                               # x600 x1800 x3600, 60 wall seconds each
    python -m bench.drill_keepup --speeds 3600 --seconds 120 --baseline REV

A drill at ``--speed N`` lives N drill seconds per wall second, and the dashboard must follow: every
wall second the panes poll the simulator (``DrillSource.fetch``: it integrates N/5 new rows of the
world) and every ``EVIDENCE_EVERY`` (15) s it brings the journal up to date from the metric history
(``LiveIncident.record_due_evidence``: breaches, recoveries, evidence owed). Here one fresh process
per code and speed does exactly that for ``--seconds`` simulated wall seconds, the clocks pinned
(``$WARROOM_DRILL_AT``) one second further each time, and reports the **CPU seconds spent per wall
second** (process time, so other programs on a busy box do not count): the median over the whole
run and the worst 15-second stretch. Above 1.0 the drill falls behind its own clock on any machine
with this core's speed, whatever else runs; the dashboard also needs time to draw.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.incident_age import BASELINE, REPO, export_code

EVERY = 15        # tui.presenter.EVIDENCE_EVERY: wall seconds between the dashboard's looks

_RUN = """
import json, os, sys, tempfile, time
from pathlib import Path
speed, seconds, every = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
START = 1_800_000_000.0
def pin(t):
    os.environ["WARROOM_DRILL_AT"] = repr(t)
pin(START)
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.live import LiveIncident
from warroom.incident.store import IncidentStore
with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    d = create_drill(tmp / "drills", "rate-limit", speed=speed, start=START)
    declared = START + 600 / speed
    pin(declared)
    inc = IncidentStore(tmp / "incidents", Config()).create(
        title="Quota climbing", severity="p3", drill={"scenario": "rate-limit", "speed": speed, "dir": str(d.path)})
    live = LiveIncident.open(inc)
    slos = inc.config.slo
    cpu = []
    for s in range(1, seconds + 1):
        pin(declared + s)
        c0 = time.process_time()
        live.source.fetch(slos)
        if s % every == 0:
            live.record_due_evidence()
        cpu.append(time.process_time() - c0)
    live.close()
    print(json.dumps(cpu))
"""


def run(code: Path, speed: float, seconds: int) -> list[float]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run([sys.executable, "-c", _RUN, f"{speed:g}", str(seconds), str(EVERY)], cwd=code,
                          env=env, capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"x{speed:g} under {code}: {proc.stderr[-2000:]}")
    return [float(x) for x in json.loads(proc.stdout.strip().splitlines()[-1])]


def figures(cpu: list[float]) -> dict[str, float]:
    """CPU seconds per wall second: the median second, the mean, the worst ``EVERY``-second stretch."""
    stretches = [sum(cpu[i:i + EVERY]) / EVERY for i in range(0, len(cpu) - EVERY + 1, EVERY)] or [sum(cpu) / len(cpu)]
    return {"median": statistics.median(cpu), "mean": sum(cpu) / len(cpu), "worst15": max(stretches),
            "last15": stretches[-1], "worst_second": max(cpu), "stretches": [round(x, 3) for x in stretches]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drill_keepup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision to compare with (default {BASELINE})")
    parser.add_argument("--speeds", type=float, nargs="+", default=[600.0, 1800.0, 3600.0])
    parser.add_argument("--seconds", type=int, default=60, help="simulated wall seconds per run")
    parser.add_argument("--no-baseline", action="store_true", help="this checkout only")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="warroom-bench-keepup-") as tmp:
        codes = {"this": REPO} if args.no_baseline else {
            "baseline": export_code(args.baseline, Path(tmp) / "baseline"), "this": REPO}
        for speed in args.speeds:
            for name, code in codes.items():
                f = figures(run(code, speed, args.seconds))
                rows.append({"speed": speed, "code": name, **f})
                verdict = "keeps up" if f["worst15"] < 1.0 else "FALLS BEHIND"
                print(f"x{speed:<6g} {name:8} CPU s per wall s: median {f['median']:.3f}  mean {f['mean']:.3f}"
                      f"  worst 15 s {f['worst15']:.3f}  last 15 s {f['last15']:.3f}  worst second {f['worst_second']:.2f}"
                      f"  {verdict}", flush=True)
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "drill_keepup.json").write_text(json.dumps({"baseline": args.baseline, "seconds": args.seconds,
                                                       "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
