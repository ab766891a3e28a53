"""What the drill stand-ins' test workloads cost in CPU, this checkout beside an older one, in the same run.

    python -m bench.standin_cpu                         # beside e717d1c (before a world drew its flows once)
    python -m bench.standin_cpu --baseline REV --rounds 5 --scenarios audit-gap rate-limit

Three workloads, each per scenario, as the unit tests run them (in-process stand-ins, no delays):

* **sweep**: ``test_drill_standins_sweep``'s walk down the scenario's runbook, asking the stand-ins the same
  questions several ways after every step (psql's tasks table three times a step, at three instants);
* **golden**: ``test_drill_standins_golden``'s run of every runbook command at its two moments;
* **report**: the drill report with no incident (its impact start a pane's first crossing) and psql's tasks table,
  at moments a few minutes apart through the drill's first hour, as a drill read as it goes on.

The baseline's tree is exported from git into a temporary directory; each run is a fresh process importing
``warroom`` and ``tests`` from its code, old and new alternating. Per run: process CPU seconds of the workload
and a digest of every answer (exit code, stdout, stderr), so the two codes are shown to answer the same.
Medians and old/new ratios.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from bench.autoscale import REPO, _python

BASELINE = "e717d1c"        # main before Activity drew each world's flows once and psql made each flow's rows once
KINDS = ("sweep", "golden", "report")
SCENARIOS = ("rate-limit", "provider-outage", "timeout", "mass-failure", "audit-gap")

_RUN = """
import hashlib, json, shlex, sys, tempfile, time
from pathlib import Path
src, kind, scenario = sys.argv[1:4]
import warroom, tests
assert warroom.__file__.startswith(src) and tests.__file__.startswith(src), (warroom.__file__, tests.__file__)
from tests.unit import standins_corpus as corpus, test_drill_standins_sweep as sweep
digest, run_one = hashlib.sha256(), corpus.run_one
def answered(*args):
    answer = run_one(*args)
    digest.update(repr(answer).encode())
    return answer
corpus.run_one = sweep.run_one = answered
golden = json.loads(corpus.GOLDEN.read_text(encoding="utf-8"))
with tempfile.TemporaryDirectory() as tmp:
    a = time.process_time()
    if kind == "sweep":
        sweep.test_after_every_runbook_step_the_stand_ins_agree(Path(tmp), scenario)
    elif kind == "report":
        from warroom.incident.drill_report import drill_report, report_lines
        drill = corpus.warm_drill(Path(tmp), scenario)
        for t in range(300, 3601, 300):
            digest.update(repr(report_lines(drill_report(drill, at=drill.wall_time(t)))).encode())
            answered(drill, ["psql", "-At", "-c", "SELECT status, count(*) FROM tasks GROUP BY 1 ORDER BY 1"], t)
    else:
        corpus.record(Path(tmp), [shlex.split(c) for c in golden["commands"]], scenarios=(scenario,))
    took = time.process_time() - a
print(took, digest.hexdigest()[:12])
"""


def export_tree(rev: str, into: Path) -> Path:
    """The whole tree of ``rev`` (its ``warroom/``, ``tests/``, runbooks and fixtures), written under ``into``."""
    data = subprocess.run(["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def measure(baseline: str, scenarios: list[str], rounds: int,
            kinds: tuple[str, ...] = KINDS) -> dict[tuple[str, str], dict[str, list[tuple[float, str]]]]:
    """Per (workload, scenario) and code (``new``, ``old``): (CPU seconds, digest of the answers) of each round."""
    out: dict[tuple[str, str], dict[str, list[tuple[float, str]]]] = {}
    with tempfile.TemporaryDirectory(prefix="warroom-bench-standin-cpu-") as tmp:
        codes = {"new": REPO, "old": export_tree(baseline, Path(tmp) / "old")}
        for kind in kinds:
            for scenario in scenarios:
                runs = out[(kind, scenario)] = {"new": [], "old": []}
                for _ in range(rounds):
                    for name, src in codes.items():
                        took, digest = _python(_RUN, src, str(src), kind, scenario).split()
                        runs[name].append((float(took), digest))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.standin_cpu", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"the older code's git revision (default {BASELINE})")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    args = parser.parse_args(argv)
    m = measure(args.baseline, args.scenarios, args.rounds, tuple(args.kinds))
    print(f"stand-in test workloads, process CPU: this checkout vs {args.baseline} "
          f"({args.rounds} alternating rounds, medians)")
    totals = {"new": 0.0, "old": 0.0}
    for (kind, scenario), runs in m.items():
        cpu = {name: statistics.median(took for took, _ in r) for name, r in runs.items()}
        same = len({d for r in runs.values() for _, d in r}) == 1
        totals = {name: totals[name] + cpu[name] for name in totals}
        print(f"  {kind:6} {scenario:15}  new {cpu['new']:6.2f} s  old {cpu['old']:6.2f} s  old/new "
              f"{cpu['old'] / cpu['new']:4.1f}x · {'same answers' if same else 'ANSWERS DIFFER'}")
    print(f"  {'all':22}  new {totals['new']:6.2f} s  old {totals['old']:6.2f} s  old/new {totals['old'] / totals['new']:4.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
