"""Output flood: a runbook step running ``seq 1 1000000`` inside the dashboard.

Two figures: how much slower keys reach the screen while the flood streams (p95 key-press →
visible change, during the flood against idle), and how fast warroom captures the output (bytes
per second from the step's start to its journaled end) against the shell writing the same output
straight to a file.
"""

from __future__ import annotations

import subprocess
import time

from bench.common import Options, warroom_demo_available
from bench.figures import Figure, Sample, write_raw

FLOOD = "seq 1 1000000"


def shell_to_file_seconds(opts: Options) -> float:
    """Wall time of ``sh -c 'seq 1 1000000 > file'``, process start included, as warroom's step has it."""
    out = opts.workdir / "seq.out"
    t0 = time.perf_counter()
    subprocess.run(["sh", "-c", f"{FLOOD} > {out}"], check=True, timeout=60)
    elapsed = time.perf_counter() - t0
    out.unlink()
    return elapsed


def flood_bytes() -> int:
    return sum(len(str(i)) + 1 for i in range(1, 1_000_001))


def run(opts: Options) -> list[Figure]:
    missing = warroom_demo_available()
    repeat = 2 if opts.quick else opts.repeat
    base = Sample()
    for _ in range(repeat):
        base.add(flood_bytes() / shell_to_file_seconds(opts) / 1e6)
    write_raw("flood", {"shell_to_file_MB_per_s": base.values})
    note = missing or "the in-dashboard flood run is not wired up yet"
    return [
        Figure.from_samples(
            "key → screen p95, flood vs idle", "ms", Sample(), Sample(), "<= 3", baseline_name="idle", note=note
        ),
        Figure.from_samples(
            "capture throughput of seq 1 1000000", "MB/s", Sample(), base, ">= 0.25",
            baseline_name="seq > file", note=note,
        ),
    ]  # fmt: skip
