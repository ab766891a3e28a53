"""What a fresh drill world costs in CPU per scenario, this checkout beside an older one, in the same run.

    python -m bench.drill_world_cpu                     # beside 2efe776 (exhausted read the quota at every scrape)
    python -m bench.drill_world_cpu --baseline REV --rounds 5 --scenarios timeout rate-limit
    python -m bench.drill_world_cpu --workload history --baseline c4c814b8     # the warm file's integration
    python -m bench.drill_world_cpu --workload tests --baseline c4c814b8 --rounds 1    # the drill's dearest tests
    python -m bench.drill_world_cpu --workload tests --baseline 3efe4aaa --tests tests/unit/test_drill_queue.py

The ``panes`` workload is what nearly every drill test starts with: a new drill, its quota and failure-rate panes
read at three instants (the series integrated over the two hours before the drill, the flows drawn for the panes).
``history``: the integration ``tests.unit.standins_corpus.warmed`` gives every stand-in test's drill (the world
before any action to ``WARM_UNTIL``), its cache file's bytes the digest. Each run is a fresh process importing
``warroom`` from its code, old and new alternating; per run the best process CPU of ``--repeat`` builds and a
digest of the answers, so the two codes are shown to answer the same. Medians and old/new ratios.
``tests``: each of ``TESTS`` run by pytest in a child process per code (user + system CPU of the child; the
digest is pytest's pass count: the goldens among them hold every answer byte for byte).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench.autoscale import REPO, _python
from bench.standin_cpu import export_tree

BASELINE = "2efe776"        # main when Signals.exhausted read the quota at every scrape summed (2365e09 to 4c86417)
SCENARIOS = ("rate-limit", "provider-outage", "timeout", "mass-failure", "audit-gap")

_RUN = """
import hashlib, sys, tempfile, time
from pathlib import Path
src, scenario, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
import warroom
assert warroom.__file__.startswith(src), warroom.__file__
from warroom.drill.directory import create_drill
best, digest = float("inf"), hashlib.sha256()
for _ in range(repeat):
    with tempfile.TemporaryDirectory() as tmp:
        a = time.process_time()
        drill = create_drill(Path(tmp), scenario, speed=10.0, start=1_800_000_000.0)
        answers = [drill.simulator.pane(p, x) for x in (0.0, 600.0, 1800.0) for p in ("quota", "failure_rate")]
        best = min(best, time.process_time() - a)
    digest.update(repr(answers).encode())
print(best, digest.hexdigest()[:12])
"""

_HISTORY = """
import hashlib, json, sys, time
src, scenario, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
import warroom, tests
assert warroom.__file__.startswith(src) and tests.__file__.startswith(src), (warroom.__file__, tests.__file__)
from tests.unit import standins_corpus as corpus
best = float("inf")
for _ in range(repeat):
    corpus._WARM.clear()
    a = time.process_time()
    made = corpus.warm_cache(scenario)
    best = min(best, time.process_time() - a)
head, _, body = made.partition(b"\\n")     # the header names the code (its fingerprint): the rest must match
print(best, hashlib.sha256(repr({**json.loads(head), "code": None}).encode() + body).hexdigest()[:12])
"""

_TESTS = """
import resource, subprocess, sys
src, test = sys.argv[1], sys.argv[2]
out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", test],
                     cwd=src, capture_output=True, text=True).stdout.strip().splitlines()[-1]
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(use.ru_utime + use.ru_stime, out.split(" in ")[0].replace(" ", "_"))
"""
TESTS = ("tests/unit/test_drill_report.py", "tests/unit/test_drill_standins_golden.py",
         "tests/unit/test_drill_golden.py", "tests/unit/test_history_memo.py", "tests/unit/test_drill_incremental.py")


def measure(baseline: str, scenarios: list[str], rounds: int, repeat: int, workload: str = "panes",
            tests: tuple[str, ...] = TESTS) -> dict[str, dict[str, list[tuple[float, str]]]]:
    """Per scenario (or test file) and code (``new``, ``old``): (CPU seconds, digest of the answers) of each round."""
    out: dict[str, dict[str, list[tuple[float, str]]]] = {}
    run = {"panes": _RUN, "history": _HISTORY, "tests": _TESTS}[workload]
    with tempfile.TemporaryDirectory(prefix="warroom-bench-drill-world-") as tmp:
        codes = {"new": REPO, "old": export_tree(baseline, Path(tmp) / "old")}
        for scenario in tests if workload == "tests" else scenarios:
            runs = out[scenario] = {"new": [], "old": []}
            for _ in range(rounds):
                for name, src in codes.items():
                    took, digest = _python(run, src, str(src), scenario, str(repeat)).split()
                    runs[name].append((float(took), digest))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drill_world_cpu", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"the older code's git revision (default {BASELINE})")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--repeat", type=int, default=3, help="builds per run, the best counted (default 3)")
    parser.add_argument("--workload", default="panes", choices=("panes", "history", "tests"),
                        help="panes read on a new drill (default), the warm file's integration, or the TESTS files")
    parser.add_argument("--tests", nargs="+", default=list(TESTS), help="the test files of the tests workload")
    args = parser.parse_args(argv)
    m = measure(args.baseline, args.scenarios, args.rounds, args.repeat, args.workload, tuple(args.tests))
    print(f"{args.workload}, process CPU: this checkout vs {args.baseline} "
          f"({args.rounds} alternating rounds of the best of {args.repeat}, medians)")
    totals = {"new": 0.0, "old": 0.0}
    for scenario, runs in m.items():
        cpu = {name: statistics.median(took for took, _ in r) for name, r in runs.items()}
        same = len({d for r in runs.values() for _, d in r}) == 1
        totals = {name: totals[name] + cpu[name] for name in totals}
        print(f"  {Path(scenario).stem:15}  new {cpu['new']:6.3f} s  old {cpu['old']:6.3f} s  old/new "
              f"{cpu['old'] / cpu['new']:5.2f}x · {'same answers' if same else 'ANSWERS DIFFER'}")
    print(f"  {'all':15}  new {totals['new']:6.3f} s  old {totals['old']:6.3f} s  old/new "
          f"{totals['old'] / totals['new']:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
