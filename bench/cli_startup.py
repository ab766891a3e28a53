"""What each short-lived warroom process costs in CPU, this checkout beside an older one, in the same run.

    python -m bench.cli_startup                       # beside main's HEAD, 5 alternating rounds
    python -m bench.cli_startup --baseline REV --rounds 9 --only show note kubectl

The test suite starts hundreds of these processes (the ``warroom`` CLI's incident commands, the drill stand-ins,
the step supervisor, the library and warm-up children), so most of what each one spends is starting up: imports.
Each command is run as the tests run it, a fresh interpreter with ``PYTHONPATH`` the code under test, old and new
alternating per round so load on the machine hits both alike; one drill incident (made by the new code before the
rounds) is what they read. Both trees are byte-compiled first (as an installed package or a test run's tree is), so
neither measures the compiler. Per run: user+sys CPU of the process and every child it waited for (``incident run``'s
supervisor and stand-in too), from ``getrusage(RUSAGE_CHILDREN)`` around it. Medians, and the exit codes of both
codes (a command that answers differently is flagged).
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.autoscale import REPO
from bench.standin_cpu import export_tree

WARROOM = "import sys; from tui.cli import main; sys.argv[0] = 'warroom'; sys.exit(main())"

#: name → the command line after the interpreter ({id}: the incident, {drill}: its drill directory, {src}: the tree,
#: {config}: a config whose Prometheus is a closed port)
COMMANDS: dict[str, list[str]] = {
    "--version": ["-c", WARROOM, "--version"],
    "incident new": ["-c", WARROOM, "incident", "new", "--title", "bench", "--severity", "P3"],
    "incident show": ["-c", WARROOM, "incident", "show", "{id}"],
    "incident list": ["-c", WARROOM, "incident", "list"],
    "incident note": ["-c", WARROOM, "incident", "note", "--tag", "info", "{id}", "a bench note"],
    "incident export": ["-c", WARROOM, "incident", "export", "--stdout", "{id}"],
    "incident run": ["-c", WARROOM, "incident", "run", "{id}", "1"],
    "runbooks list": ["-c", WARROOM, "runbooks", "list"],
    "status": ["-c", WARROOM, "--config", "{config}", "status", "--json"],        # nothing listens: every pane says so
    "kubectl": ["{src}/warroom/drill/bin/kubectl", "get", "pods"],
    "psql": ["{src}/warroom/drill/bin/psql", "-c", "SELECT 1"],
    "blocks": ["{src}/warroom/drill/bin/blocks", "circuit-breaker", "status"],
    "date": ["{src}/warroom/drill/bin/date", "-u"],
    "supervisor": ["-P", "-S", "-m", "warroom.execute.supervisor"],        # its imports, then usage: exit 2
    "tui.library": ["-m", "tui.library", "{src}/runbooks"],
}


def _rusage_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_once(src: Path, argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """CPU seconds (user+sys, the process and its waited-for children) and exit code of one run."""
    before = _rusage_children()
    proc = subprocess.run([sys.executable, *argv], cwd=src, env={**env, "PYTHONPATH": str(src)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, timeout=120)
    return _rusage_children() - before, proc.returncode


def _compiled(tree: Path) -> Path:
    """``tree`` with its packages byte-compiled (``PYTHONDONTWRITEBYTECODE``, set in some shells, would otherwise
    leave one tree compiling every module at every start and the other not)."""
    for name in ("warroom", "tui", "panes"):
        if (tree / name).is_dir():
            compileall.compile_dir(tree / name, quiet=1, workers=1)
    return tree


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WARROOM_")}
    return {**env, "HOME": str(home), "XDG_STATE_HOME": str(home / "state"), "XDG_CONFIG_HOME": str(home / "config"),
            "WARROOM_DRILL_NO_DELAY": "1"}


def measure(baseline: str, names: list[str], rounds: int) -> dict[str, dict[str, list[tuple[float, int]]]]:
    """Per command and code (``new``, ``old``): (CPU seconds, exit code) of each round."""
    out: dict[str, dict[str, list[tuple[float, int]]]] = {}
    with tempfile.TemporaryDirectory(prefix="warroom-bench-cli-startup-") as tmp:
        codes = {"new": _compiled(REPO), "old": _compiled(export_tree(baseline, Path(tmp) / "old"))}
        home = Path(tmp) / "home"
        home.mkdir()
        config = home / "c.toml"
        config.write_text('[prometheus]\nurl = "http://127.0.0.1:9"\ntimeout = "1s"\n', encoding="utf-8")
        env = _environment(home)
        made = subprocess.run([sys.executable, "-c", WARROOM, "incident", "new", "--drill", "rate-limit"], cwd=REPO,
                              env={**env, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, check=True)
        incident = made.stdout.split()[0]
        drills = list((home / "state" / "warroom" / "drills" / "drills").iterdir())
        in_drill = {**env, "WARROOM_DRILL_DIR": str(drills[0])}     # the stand-ins' (a step's, the drill shell's)
        for name in names:
            runs = out[name] = {"new": [], "old": []}
            for _ in range(rounds):
                for code, src in codes.items():
                    argv = [a.format(id=incident, drill=drills[0], src=src, config=config) for a in COMMANDS[name]]
                    runs[code].append(run_once(src, argv, in_drill if "/drill/bin/" in argv[0] else env))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cli_startup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="main", help="the older code's git revision (default main)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--only", nargs="+", default=list(COMMANDS), choices=list(COMMANDS), metavar="COMMAND",
                        help=f"commands to run (default all: {', '.join(COMMANDS)})")
    args = parser.parse_args(argv)
    print(f"short-lived processes, CPU user+sys (with waited-for children): this checkout vs {args.baseline} "
          f"({args.rounds} alternating rounds, medians)")
    totals = {"new": 0.0, "old": 0.0}

    m = measure(args.baseline, args.only, args.rounds)
    for name, runs in m.items():
        cpu = {code: statistics.median(t for t, _ in r) for code, r in runs.items()}
        exits = {code: sorted({c for _, c in r}) for code, r in runs.items()}
        totals = {code: totals[code] + cpu[code] for code in totals}
        same = "" if exits["new"] == exits["old"] else f"  EXIT CODES DIFFER: {exits}"
        print(f"  {name:16} new {cpu['new']:6.3f} s  old {cpu['old']:6.3f} s  new/old {cpu['new'] / cpu['old']:5.2f}"
              f"  exit {','.join(map(str, exits['new']))}{same}")
    print(f"  {'all':16} new {totals['new']:6.3f} s  old {totals['old']:6.3f} s  new/old "
          f"{totals['new'] / totals['old']:5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
