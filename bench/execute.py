"""Step runner benchmark: capture throughput and memory of the supervised runner.

    python -m bench.execute            # medians of 5 repeats
    python -m bench.execute --quick    # 2 repeats

Figures (median of the repeats, with the range):

* **capture throughput** of ``seq 1 1000000`` (6.9 MB) run as a step: bytes / the supervisor's
  own measure of the step (fork of the shell to the last byte sanitised, redacted, written and
  fsynced), beside ``bash -c 'seq 1 1000000 > FILE'`` timed from outside on the same disk.
  Target (issue 3): ratio >= 0.25;
* the same for **floods** a step may print, 30 MB each: log lines (``yes LINE | head -c``) and one line with no
  newline (``head -c N /dev/zero | tr``), beside the same pipeline into a file: how fast the redactor reads
  text it has to look at whole (it found ~50 trigger words one scan each, ~15 MB/s, before it used RE2's set);
* the same **end to end**: from ``start()`` to ``wait()`` returning, so including the start of the
  Python supervisor, both journal appends and the reaping; shown for information (the fixed
  ~0.1 s start-up dominates a 7 MB step; it is amortised for larger outputs);
* **RSS for a 10 MiB step**: the supervisor's peak RSS (``VmHWM``) while capturing 10 MiB,
  beside its RSS just before the output began; and the growth of the caller's RSS while
  ``follow()`` read all of it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.figures import Figure, Sample, table
from warroom.execute.run_spec import StepResult
from warroom.execute.runner import RunSpec, start
from warroom.execute.safety import Confirmation

SEQ = "seq 1 1000000"
FLOODS = {
    "log lines": "yes '2026-12-06T01:00:00Z INFO flowengine task tsk_0e9cbdbe finished in 90.9s repo=billing-gateway"
                 " status=ok' | head -c 30000000",
    "no newline": "head -c 30000000 /dev/zero | tr '\\0' a",
}
TEN_MIB = 10 * 1024 * 1024


def _spec(inc: Path, command: str) -> RunSpec:
    return RunSpec(incident_dir=inc, command=command, confirmation=Confirmation.of(command),
                   timeout=120.0, kill_grace=1.0)


def _vm(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _beside_a_file(command: str, work: Path, name: str) -> tuple[float, int, StepResult, float]:
    """``command`` run once into a file (the baseline: MB/s) and once as a step: the file's size, the step's result
    and its seconds from ``start()`` to ``wait()`` returning."""
    ref = work / "ref.out"
    t = time.perf_counter()
    subprocess.run(["/bin/bash", "-c", f"{command} > {ref}"], check=True)
    size = ref.stat().st_size
    base = size / (time.perf_counter() - t) / 1e6
    inc = work / name
    inc.mkdir(mode=0o700)
    t = time.perf_counter()
    result = start(_spec(inc, command)).wait()
    return base, size, result, time.perf_counter() - t


def throughput(repeat: int, work: Path) -> list[Figure]:
    capture, e2e, base = Sample(), Sample(), Sample()
    for i in range(repeat):
        file_rate, size, result, total = _beside_a_file(SEQ, work, f"INC-{i}")
        assert result.status == "ok" and result.bytes == size, result
        base.add(file_rate)
        capture.add(result.bytes / (result.duration or 1e-9) / 1e6)
        e2e.add(result.bytes / total / 1e6)
    return [
        Figure.from_samples("step capture throughput (seq 1 1000000)", "MB/s", capture, base, ">= 0.25",
                            baseline_name="seq > file"),
        Figure.from_samples("step end to end incl. supervisor start", "MB/s", e2e, base, None,
                            baseline_name="seq > file"),
    ]


def floods(repeat: int, work: Path) -> list[Figure]:
    rows = []
    for name, command in FLOODS.items():
        capture, base = Sample(), Sample()
        for i in range(repeat):
            file_rate, size, result, _ = _beside_a_file(command, work, f"FLOOD-{name.replace(' ', '-')}-{i}")
            assert result.status == "ok" and result.bytes >= size, result   # a last line without one gets a newline
            base.add(file_rate)
            capture.add(result.bytes / (result.duration or 1e-9) / 1e6)
        rows.append(Figure.from_samples(f"step capture throughput ({name}, 30 MB)", "MB/s", capture, base, None,
                                        baseline_name="same > file"))
    return rows


def memory(repeat: int, work: Path) -> list[Figure]:
    sup_peak, sup_base, caller = Sample(), Sample(), Sample()
    for i in range(repeat):
        inc = work / f"MEM-{i}"
        inc.mkdir(mode=0o700)
        go, done = inc / "go", inc / "done"
        command = (f"while [ ! -e {go} ]; do sleep 0.01; done; "
                   f"yes 'the quick brown fox 0123456789 jumps over' | head -c {TEN_MIB}; echo; "
                   f"while [ ! -e {done} ]; do sleep 0.01; done")
        h = start(_spec(inc, command))
        time.sleep(0.2)
        sup_base.add(_vm(h.supervisor_pid, "VmRSS") / 2**20)
        before = _vm(_self(), "VmRSS")
        go.touch()
        t = threading.Thread(target=h.follow, args=(lambda lines: None,))
        t.start()
        while h.output_path.stat().st_size < TEN_MIB + 1:
            time.sleep(0.01)
        sup_peak.add(_vm(h.supervisor_pid, "VmHWM") / 2**20)
        done.touch()
        t.join()
        h.wait()
        caller.add(max(0, _vm(_self(), "VmRSS") - before) / 2**20)
    return [
        Figure.from_samples("supervisor peak RSS, 10 MiB step", "MiB", sup_peak, sup_base, None,
                            baseline_name="supervisor idle"),
        Figure.from_samples("caller RSS growth following 10 MiB", "MiB", caller, None, None),
    ]


def _self() -> int:
    import os

    return os.getpid()


def figures(quick: bool = False) -> list[Figure]:
    repeat = 2 if quick else 5
    work = Path(tempfile.mkdtemp(prefix="warroom-bench-execute-"))
    try:
        return throughput(repeat, work) + floods(repeat, work) + memory(max(1, repeat // 2), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.execute", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    rows = figures(args.quick)
    print(table(rows))
    return 0 if all(f.met is not False for f in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
