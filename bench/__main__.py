"""Run every benchmark and print one table: each figure beside its baseline from the same run.

    python -m bench                 # everything (about 4 minutes on 2 cores)
    python -m bench --quick         # fewer, shorter runs: a smoke test of the harness
    python -m bench --only startup,steady

Raw figures go to ``bench/results/*.json`` and the table's rows to ``bench/results/summary.json``.
Other areas' benches (``bench/journal.py``, ``bench/sources.py``, ``bench/execute.py``,
``bench/drill.py``, ``bench/autoscale.py``, ``bench/data_age.py``) are run too when present: a module that defines
``figures(quick: bool) -> list[Figure | dict]`` contributes rows to the table; one that does not
is run as ``python -m bench.NAME`` and its output is printed after the table.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable

from bench import flood, startup, steady
from bench.common import REPO, Options, compile_sources
from bench.figures import Figure, table, write_summary

OURS: dict[str, Callable[[Options], list[Figure]]] = {
    "startup": startup.run,
    "steady": steady.run,
    "flood": flood.run,
}
OTHERS = ("journal", "sources", "data_age", "execute", "drill", "autoscale", "runbooks", "shared")


def _as_figure(row: Figure | dict[str, object]) -> Figure:
    if isinstance(row, Figure):
        return row
    return Figure(
        name=str(row["name"]),
        unit=str(row.get("unit", "")),
        value=row.get("value"),  # type: ignore[arg-type]
        baseline=row.get("baseline"),  # type: ignore[arg-type]
        target=row.get("target"),  # type: ignore[arg-type]
        baseline_name=str(row.get("baseline_name", "")),
        note=str(row.get("note", "")),
    )


def run_others(opts: Options) -> tuple[list[Figure], list[str]]:
    figures: list[Figure] = []
    texts: list[str] = []
    for name in OTHERS:
        if not opts.wants(name) or importlib.util.find_spec(f"bench.{name}") is None:
            continue
        module = importlib.import_module(f"bench.{name}")
        hook = getattr(module, "figures", None)
        if callable(hook):
            figures += [_as_figure(row) for row in hook(opts.quick)]
            continue
        proc = subprocess.run(
            [sys.executable, "-m", f"bench.{name}"], cwd=REPO, capture_output=True, text=True, timeout=600
        )
        texts.append(f"== bench.{name} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
    return figures, texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs (a smoke test)")
    parser.add_argument("--only", default="", help=f"comma-separated: {', '.join([*OURS, *OTHERS])}")
    parser.add_argument("--repeat", type=int, default=5, help="startup and flood runs per program (default 5)")
    parser.add_argument("--window", type=float, default=20.0, help="steady-state window in seconds (default 20)")
    args = parser.parse_args(argv)
    opts = Options(
        repeat=args.repeat,
        window=args.window,
        quick=args.quick,
        only={s.strip() for s in args.only.split(",") if s.strip()},
    )
    started = time.monotonic()
    compile_sources()
    load_before = os.getloadavg()
    figures: list[Figure] = []
    try:
        for name, bench in OURS.items():
            if opts.wants(name):
                print(f"running {name} …", file=sys.stderr, flush=True)
                figures += bench(opts)
        other_figures, other_texts = run_others(opts)
        figures += other_figures
    finally:
        shutil.rmtree(opts.workdir, ignore_errors=True)
    meta = {
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "terminal": "120x40 pty, TERM=xterm-256color",
        "seconds": round(time.monotonic() - started, 1),
        # Other work on the machine slows both sides of each ratio, not always alike: say how busy.
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "bytecode": "this checkout's packages compiled first (bench.common.compile_sources), as pip install does",
    }
    path = write_summary(figures, meta)
    print(table(figures))
    for text in other_texts:
        print()
        print(text.rstrip())
    print(f"\nload average (1/5/15 min) before {meta['load_average_before']}, after {meta['load_average_after']}")
    print(f"summary: {path.relative_to(REPO)}  ({meta['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
