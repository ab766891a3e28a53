"""What listing a long window's flows costs (the drill report's "failed flows never retried"), this
checkout beside an older one, in the same run.

    python -m bench.flow_walk                      # beside b99caf2 (before the galloping walk)
    python -m bench.flow_walk --baseline REV --hours 2 7 --rounds 3

The baseline's ``warroom/`` is exported from git into a temporary directory and imported from there;
both codes list the same flows (a mass-failure drill, no actions, every flow from the history's start to
``hours`` of scenario time) in alternating fresh processes. Per run: process CPU seconds and the rows
``Series`` integrated (the work: each row is one evaluation of every rate), plus a digest of the flows
so the two codes are shown to answer the same. Medians and old/new ratios.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench.autoscale import REPO, _python, export

BASELINE = "b99caf2"        # main before Series.time_of galloped and the repos were walked side by side

_WALK = """
import hashlib, sys, time, warroom
assert warroom.__file__.startswith(sys.argv[1]), warroom.__file__
from warroom.drill.activity import Activity
from warroom.drill.cluster import build_cluster
from warroom.drill.model import Signals
from warroom.drill.scenarios import get_scenario
from warroom.drill.series import Series
sc, t2 = get_scenario("mass-failure"), float(sys.argv[2]) * 3600
rows = [0]
integrate = Series._integrate
def counted(self, first, last, row, rates):
    rows[0] += last - first + 1
    integrate(self, first, last, row, rates)
Series._integrate = counted
s = Series(Signals(sc, []))
a = time.process_time()
flows = Activity(s, build_cluster(sc, [], t2)).flows(s.t0, t2, t2, window=t2 - s.t0)
took = time.process_time() - a
digest = hashlib.sha1(repr([(f.task_id, f.start, f.status, f.error) for f in flows]).encode()).hexdigest()[:12]
print(took, rows[0], len(flows), digest)
"""


def measure(baseline: str, hours: list[float], rounds: int) -> dict[float, dict[str, list[tuple[float, int, int, str]]]]:
    out: dict[float, dict[str, list[tuple[float, int, int, str]]]] = {h: {"new": [], "old": []} for h in hours}
    with tempfile.TemporaryDirectory(prefix="warroom-bench-flow-walk-") as tmp:
        codes = {"new": REPO, "old": export(baseline, Path(tmp) / "old")}
        for h in hours:
            for _ in range(rounds):
                for name, src in codes.items():
                    took, rows, n, digest = _python(_WALK, src, str(src), str(h)).split()
                    out[h][name].append((float(took), int(rows), int(n), digest))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.flow_walk", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"the older code's git revision (default {BASELINE})")
    parser.add_argument("--hours", type=float, nargs="+", default=[2.0, 7.0], help="window ends (scenario hours)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args(argv)
    m = measure(args.baseline, args.hours, args.rounds)
    print(f"flows of a mass-failure drill from the history's start: this checkout vs {args.baseline} "
          f"({args.rounds} alternating rounds, medians)")
    for h, runs in m.items():
        new, old = runs["new"], runs["old"]
        same = {r[2:] for r in new} == {r[2:] for r in old} and len({r[2:] for r in new}) == 1
        cpu_new, cpu_old = statistics.median(r[0] for r in new), statistics.median(r[0] for r in old)
        rows_new, rows_old = new[0][1], old[0][1]
        print(f"  {h:g} h, {new[0][2]} flows: CPU new {cpu_new:.2f} s  old {cpu_old:.2f} s  old/new "
              f"{cpu_old / cpu_new:.1f}x · rows integrated new {rows_new:,}  old {rows_old:,} · "
              f"{'same flows' if same else 'FLOWS DIFFER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
