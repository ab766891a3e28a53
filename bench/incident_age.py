"""What a CLI command costs as a drill incident ages: this checkout beside a baseline, same run.

    python -m bench.incident_age                          # ages 1, 3, 5 drill hours at x60, baseline 8dde796
    python -m bench.incident_age --baseline REV --ages 1 5 --runs 5 --speed 60

For each code (the baseline, exported with ``git archive REV`` into a temporary directory, and this
checkout) and each age, a fresh state directory gets a drill incident declared ten drill minutes
in (``incident new --drill rate-limit``, every clock pinned by ``$WARROOM_DRILL_AT``); one command
runs ten wall seconds before the age (the command before it), then ``incident show`` runs
``--runs`` times two wall seconds apart (a fresh process each, as a person typing), and the median
CPU time (user + system, of the command's process: what a busy shared box does not inflate) is
reported, the median wall time beside it. Then ``show``, ``show --json`` and ``export --stdout`` (the PIR) run at the
same pinned instant under both codes, and their outputs (the state directory's path replaced) and
the journals are compared byte for byte: the figures are only worth something if both codes say
the same thing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = "8dde796"        # main when perf14 started (stop 23)
T0 = 1_800_000_000          # the drill's start, pinned
RUN = "import sys; from tui.cli import main; sys.argv[0] = 'warroom'; sys.exit(main())"


def export_code(rev: str, into: Path) -> Path:
    """The tree of ``rev`` (only what imports: warroom/, tui/, panes/, runbooks/) in ``into``."""
    blob = subprocess.run(["git", "-C", str(REPO), "archive", rev, "warroom", "tui", "panes", "runbooks"],
                          capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into


def warroom(code: Path, state: Path, at: float, *args: str) -> tuple[tuple[float, float], bytes, bytes]:
    """Run ``warroom --state-dir STATE ARGS`` with ``code``'s warroom at unix time ``at``: (wall, CPU)
    seconds it took, its stdout and stderr."""
    env = {**os.environ, "PYTHONPATH": str(code), "WARROOM_DRILL_AT": repr(float(at)), "HOME": str(state / "home")}
    env.pop("WARROOM_CONFIG", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)     # as a user runs it: compiled once, not on every command
    t, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-c", RUN, "--state-dir", str(state), *args], cwd=state,
                          env=env, capture_output=True, timeout=900)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    took = (time.perf_counter() - t, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed under {code}: {proc.stderr.decode()[-2000:]}")
    return took, proc.stdout, proc.stderr


def one(code: Path, state: Path, age_h: float, speed: float, runs: int) -> dict[str, object]:
    (state / "home").mkdir(parents=True)
    declared = T0 + 600 / speed
    _, out, _ = warroom(code, state, declared, "incident", "new", "--drill", "rate-limit", "--speed", f"{speed:g}")
    inc = out.decode().split()[0]
    at = T0 + age_h * 3600 / speed
    warroom(code, state, at - 10, "incident", "show", inc)           # the command before
    took = [warroom(code, state, at + 2 * i, "incident", "show", inc)[0] for i in range(runs)]
    last = at + 2 * runs
    outputs = {name: warroom(code, state, last, "incident", *args, inc)[1]
               for name, args in (("show", ("show",)), ("show --json", ("show", "--json")),
                                  ("export --stdout", ("export", "--stdout")))}
    # the journal's events without the hash chain, which covers the paths that differ (the state
    # directory, the runbook library of each code)
    lines = next((state / "incidents").rglob("journal.jsonl")).read_bytes().splitlines()
    events = [json.dumps({k: v for k, v in json.loads(line).items() if k not in ("prev", "h")}).encode()
              for line in lines]
    cleaned = {k: v.replace(str(state).encode(), b"STATE").replace(str(code).encode(), b"CODE")
               for k, v in {**outputs, "journal": b"\n".join(events)}.items()}
    return {"cpu_s": statistics.median(c for _, c in took), "wall_s": statistics.median(w for w, _ in took),
            "outputs": cleaned}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.incident_age", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision to compare with (default {BASELINE})")
    parser.add_argument("--ages", type=float, nargs="+", default=[1.0, 3.0, 5.0], help="drill hours")
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=5, help="timed `incident show` runs per code and age")
    parser.add_argument("--keep", action="store_true", help="keep the state directories (printed)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="warroom-bench-age-"))
    try:
        codes = {"baseline": export_code(args.baseline, work / "baseline"), "this": REPO}
        rows, same = [], True
        for age in args.ages:
            got = {name: one(code, work / f"{name}-{age:g}h", age, args.speed, args.runs) for name, code in codes.items()}
            diffs = [k for k in got["this"]["outputs"] if got["this"]["outputs"][k] != got["baseline"]["outputs"][k]]
            same = same and not diffs
            b, t = got["baseline"], got["this"]
            rows.append({"age_h": age, "baseline_cpu_s": b["cpu_s"], "this_cpu_s": t["cpu_s"],
                         "baseline_wall_s": b["wall_s"], "this_wall_s": t["wall_s"],
                         "cpu_ratio": b["cpu_s"] / t["cpu_s"], "differ": diffs})
            print(f"{age:5g} h at x{args.speed:g}: incident show median CPU {b['cpu_s']:6.2f} s (baseline"
                  f" {args.baseline})  {t['cpu_s']:6.2f} s (this)  x{b['cpu_s'] / t['cpu_s']:4.1f};"
                  f" wall {b['wall_s']:.2f} s / {t['wall_s']:.2f} s;"
                  f" outputs {'identical' if not diffs else 'DIFFER: ' + ', '.join(diffs)}",
                  flush=True)
        out = REPO / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / "incident_age.json").write_text(json.dumps({"baseline": args.baseline, "speed": args.speed,
                                                           "runs": args.runs, "rows": rows}, indent=2) + "\n")
        return 0 if same else 1
    finally:
        if args.keep:
            print(f"state directories kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
