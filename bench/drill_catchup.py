"""The first CLI command after a long unwatched stretch of a fast drill: this checkout beside a baseline, same run.

    python -m bench.drill_catchup                               # x3600, first `incident show` 70 wall s in, 3 runs
    python -m bench.drill_catchup --baseline REV --speed 3600 --after 70 --runs 3

FINDINGS timers-2: nobody ran a command for 70 wall seconds of a x3600 drill (70 drill hours), then
``incident show`` caught the drill's world up once (34.8 s wall, 13.8 s user). For each run and each code (the
baseline exported with ``git archive``, and this checkout, alternating so load on a busy box hits both alike), a
fresh state directory gets ``incident new --drill rate-limit`` ten drill minutes in, then one ``incident show`` at
``--after`` wall seconds (every clock pinned by ``$WARROOM_DRILL_AT``): its CPU time (user + system of the
process, which other programs on the box do not inflate) is reported as a median with the ratio, wall beside it.
Both codes' ``show`` output and journal (state paths replaced, hash chain left out) must be byte-identical.
Then, in process, the per-row cost: each scenario's series integrated ``--hours`` drill hours with no action
(median CPU of ``--runs``), and every counter at every 5 minutes compared bit for bit between the codes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.incident_age import REPO, T0, export_code, warroom

BASELINE = "2532883"        # main before perf29 landed (stop 29)


def one(code: Path, state: Path, speed: float, after: float) -> tuple[float, float, bytes]:
    """(CPU s, wall s, outputs) of the first ``incident show`` ``after`` wall seconds into a fresh drill."""
    (state / "home").mkdir(parents=True)
    _, out, _ = warroom(code, state, T0 + 600 / speed, "incident", "new", "--drill", "rate-limit",
                        "--speed", f"{speed:g}")
    inc = out.decode().split()[0]
    (wall, cpu), shown, _ = warroom(code, state, T0 + after, "incident", "show", inc)
    lines = next((state / "incidents").rglob("journal.jsonl")).read_bytes().splitlines()
    events = [json.dumps({k: v for k, v in json.loads(line).items() if k not in ("prev", "h")}).encode()
              for line in lines]
    return cpu, wall, b"\n".join([shown, *events]).replace(str(state).encode(), b"STATE").replace(
        str(code).encode(), b"CODE")


_ROWS = """
import hashlib, sys, time
from warroom.drill.model import Signals
from warroom.drill.scenarios import get_scenario
from warroom.drill.series import Series
s = Series(Signals(get_scenario(sys.argv[1]), []))
c = time.process_time()
s.value(("count",), float(sys.argv[2]) * 3600.0)
c = time.process_time() - c
times = [s.t0 + 300.0 * i for i in range(int((float(sys.argv[2]) * 3600.0 - s.t0) / 300.0) + 1)]
cols = s.columns(list(range(s.width)), times)
print(c, s.rows, hashlib.sha256(repr(cols).encode()).hexdigest())
"""


def rows(code: Path, scenario: str, hours: float) -> tuple[float, int, str]:
    """(CPU s, rows, digest of every counter every 5 min) of integrating ``hours`` of ``scenario`` under ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    out = subprocess.run([sys.executable, "-c", _ROWS, scenario, repr(hours)], env=env, capture_output=True,
                         cwd=code, check=True, timeout=900).stdout.split()     # cwd: ``-c`` puts it before PYTHONPATH
    return float(out[0]), int(out[1]), out[2].decode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drill_catchup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision to compare with (default {BASELINE})")
    parser.add_argument("--speed", type=float, default=3600.0)
    parser.add_argument("--after", type=float, default=70.0, help="wall seconds from the drill's start")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--hours", type=float, default=10.0, help="drill hours integrated in process per scenario")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="warroom-bench-catchup-"))
    try:
        codes = {"baseline": export_code(args.baseline, work / "baseline"), "this": REPO}
        got: dict[str, list[tuple[float, float, bytes]]] = {name: [] for name in codes}
        for run in range(args.runs):
            for name, code in codes.items():
                got[name].append(one(code, work / f"{name}-{run}", args.speed, args.after))
                print(f"run {run} {name:8}: CPU {got[name][-1][0]:6.2f} s, wall {got[name][-1][1]:6.2f} s", flush=True)
        same = all(o == got["baseline"][0][2] for runs in got.values() for _, _, o in runs)
        cpu = {name: statistics.median(c for c, _, _ in runs) for name, runs in got.items()}
        wall = {name: statistics.median(w for _, w, _ in runs) for name, runs in got.items()}
        print(f"first `incident show` {args.after:g} wall s into a x{args.speed:g} drill, median of {args.runs}: CPU"
              f" {cpu['baseline']:.2f} s (baseline {args.baseline}) vs {cpu['this']:.2f} s (this), x{cpu['baseline'] / cpu['this']:.1f};"
              f" wall {wall['baseline']:.2f} s vs {wall['this']:.2f} s; outputs {'identical' if same else 'DIFFER'}")
        for scenario in ("rate-limit", "mass-failure", "provider-outage", "timeout", "audit-gap"):
            got_rows: dict[str, list[tuple[float, int, str]]] = {name: [] for name in codes}
            for _ in range(args.runs):          # alternating, as the commands above
                for name, code in codes.items():
                    got_rows[name].append(rows(code, scenario, args.hours))
            cpu = {name: statistics.median(c for c, _, _ in runs) for name, runs in got_rows.items()}
            n = got_rows["this"][0][1]
            digests = {d for runs in got_rows.values() for _, _, d in runs}
            same = same and len(digests) == 1
            print(f"{scenario:16} {args.hours:g} h ({n} rows): CPU {cpu['baseline']:.2f} s vs {cpu['this']:.2f} s,"
                  f" x{cpu['baseline'] / cpu['this']:.2f} ({1e6 * cpu['baseline'] / n:.0f} vs {1e6 * cpu['this'] / n:.0f}"
                  f" us a row); counters {'identical' if len(digests) == 1 else 'DIFFER'}", flush=True)
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
