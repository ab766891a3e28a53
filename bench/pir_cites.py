"""PIR render of a long incident, this tree beside a base revision's (default ``main``): the
cites of each run's before/after values, found through a by-step index
(``IncidentState.evidence_around``) here, by a scan of every value for every run in the old code
(``[e.seq for e in state.evidence if e.of_step(st) …]`` in the commands table and the timeline:
quadratic in runs x values, P26-4).

    python -m bench.pir_cites                 # base = main; 2,500 / 5,000 / 10,000 events
    python -m bench.pir_cites --base 217b221  # any revision holding bench.journal
    python -m bench.pir_cites --quick         # 10,000 events only, median of 3

The base is ``git archive``d into a temporary directory. For each size both trees render the same
journals in their own process, alternately (base, this, base, this …) so a busy box slows both
alike: ``bench.journal``'s long incident (no step there has values of its own, so the two PIRs must
be byte-identical: only the finding is faster), and ``runs with values``, the same incident whose
mutating steps, run again and again, each record an after value (there the base's PIR differs: its
first run of a step cites every later run's values too, which is what made it quadratic). Figures:
the median CPU seconds of one render in each tree and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent

#: What each process runs: read the journal, render the PIR ``repeat`` times, print the CPU
#: seconds of each render and the PIR's sha256 (written in the tree under test, importing its code).
_CHILD = """
import hashlib, json, sys, time
from datetime import timedelta
from pathlib import Path
from bench.journal import T0
from warroom.config import Config
from warroom.incident.fold import replay
from warroom.incident.pir import render_pir
from warroom.journal.log import read_journal
state = replay(read_journal(Path(sys.argv[1])).events)
now, cpu = T0 + timedelta(hours=5), []
text = render_pir(state, "pir", Config(), now)
for _ in range(int(sys.argv[2])):
    c0 = time.process_time()
    render_pir(state, "pir", Config(), now)
    cpu.append(time.process_time() - c0)
print(json.dumps({"cpu": cpu, "sha256": hashlib.sha256(text.encode()).hexdigest()}))
"""


def write_journal(state_dir: Path, n: int, values: bool) -> Path:
    """``bench.journal``'s ``n``-event incident; with ``values``, its step runs are mutating every
    other time and each followed by that step's "after" value (so every run has values to cite)."""
    from bench.journal import T0, synthetic_events
    from warroom.incident.store import IncidentStore
    from warroom.journal import events as ev
    from warroom.journal.log import GENESIS, encode_line

    events: list[tuple[str, dict[str, Any]]] = []
    for type_, data in synthetic_events(n):
        if type_ == ev.STEP_STARTED and values:
            data = {**data, "mutating": data["step"] % 2 == 0}
        events.append((type_, data))
        if type_ == ev.STEP_FINISHED and values and data["step"] % 2 == 0:
            events.append((ev.EVIDENCE, {"when": "after", "step": data["step"], "step_id": data["step_id"],
                                         "offset": 300, "values": {"quota": {"value": 60.0, "unit": "percent",
                                                                             "state": "warn"}}}))
    events = events[: n - 1] + events[-1:]
    inc_id, path = IncidentStore(state_dir).allocate(T0)
    prev, chunks = GENESIS, []
    for seq, (type_, data) in enumerate(events, start=1):
        if type_ == ev.DECLARED:
            data = {**data, "id": inc_id}
        line = encode_line(seq, T0 + timedelta(seconds=seq), "bench@host", type_, data, prev)
        prev = json.loads(line)["h"]
        chunks.append(line)
    (path / "journal.jsonl").write_bytes(b"".join(chunks))
    return path / "journal.jsonl"


def _render_in(tree: Path, journal: Path, repeat: int) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", _CHILD, str(journal), str(repeat)], cwd=tree, env=env,
                         capture_output=True, text=True, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(base: Path, journal: Path, rounds: int) -> dict[str, Any]:
    old_cpu: list[float] = []
    new_cpu: list[float] = []
    shas = set()
    for _ in range(rounds):
        old, new = _render_in(base, journal, 1), _render_in(REPO, journal, 1)
        old_cpu += old["cpu"]
        new_cpu += new["cpu"]
        shas |= {("old", old["sha256"]), ("new", new["sha256"])}
    old_m, new_m = statistics.median(old_cpu), statistics.median(new_cpu)
    return {"old_s": round(old_m, 3), "new_s": round(new_m, 3), "ratio": round(old_m / new_m, 2),
            "same_pir": len({sha for _, sha in shas}) == 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="the revision to compare with (default: main)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    sizes, rounds = ((10_000,), 3) if args.quick else ((2_500, 5_000, 10_000), 5)
    ok = True
    with tempfile.TemporaryDirectory(prefix="warroom-bench-pir-") as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.base], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        print(f"base {args.base} vs this tree; CPU seconds per PIR render, median of {rounds}")
        print(f"{'journal':<18} {'events':>7} {'base s':>8} {'this s':>8} {'base/this':>10}  same PIR")
        for values in (False, True):
            for n in sizes:
                journal = write_journal(Path(tmp) / f"s{n}{values}", n, values)
                r = measure(base, journal, rounds)
                ok &= r["same_pir"] or values
                name = "runs with values" if values else "bench.journal"
                print(f"{name:<18} {n:>7} {r['old_s']:>8} {r['new_s']:>8} {r['ratio']:>10}  {r['same_pir']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
