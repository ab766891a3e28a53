"""Parsing the runbook library in a child process, so the dashboard never holds the parse.

Parsed in the dashboard's own process (in a worker thread), the shipped library grew its resident
memory by about 8 MB — markdown-it and linkify imported, every document's token stream, and the
allocator arenas of the thread that parsed, which the allocator keeps after the parse is done.
A child process parses instead and hands the runbooks back pickled over a pipe: unpickling them
costs about 1 MB and 15 ms. Should the child fail in any way, the library is parsed in-process as
before, so a broken interpreter setup costs memory, never the runbooks.

    python -m tui.library [DIR ...]     # the child: pickles (runbooks, findings) to stdout
"""

from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys
from pathlib import Path

from warroom.config import Config
from warroom.runbook.model import Finding, Runbook

CHILD_TIMEOUT = 120.0  # seconds; a library of thousands of runbooks on a slow disk, generously


def load_runbooks(cfg: Config) -> tuple[list[Runbook], list[Finding]]:
    """The shipped library plus the configured dirs, with every lint finding kept for display.

    Uses the runbook engine's library when it is present; a runbook that fails to parse shows up
    as findings, never as a crash.
    """
    if importlib.util.find_spec("warroom.runbook.library") is None:
        return [], [Finding(file="(runbooks)", line=0, level="warning",
                            message="the runbook engine is not installed yet; no runbooks loaded")]
    from warroom.runbook.library import RunbookLibrary

    lib = RunbookLibrary.from_config(cfg)
    runbooks = lib.list()
    findings = [f for rb in runbooks for f in rb.findings]
    findings.extend(lib.findings)
    return runbooks, findings


def load_in_child(cfg: Config) -> tuple[list[Runbook], list[Finding]]:
    """The library of ``cfg`` (shipped + configured dirs), parsed by a child process."""
    dirs = [str(d) for d in cfg.runbook_dirs()]
    try:
        proc = subprocess.run([sys.executable, "-m", "tui.library", *dirs], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=CHILD_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return load_runbooks(cfg)
    if proc.returncode != 0:
        return load_runbooks(cfg)
    try:
        # Our own child's output over a pipe, never a file anyone else could have written.
        runbooks, findings = pickle.loads(proc.stdout)  # noqa: S301
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return load_runbooks(cfg)
    return list(runbooks), list(findings)


def _child(dirs: list[str]) -> int:
    cfg = Config()
    cfg.runbooks.dirs = dirs
    data = pickle.dumps(load_runbooks(cfg), protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_child([str(Path(d)) for d in sys.argv[1:]]))
