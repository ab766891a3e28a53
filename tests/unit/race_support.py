"""Two real processes ordered without sleeping, for the races between a judgement and what follows it.

Process A is the real CLI with a hook that stops it once, at ``module:class:function`` (called after a run
or a line was judged, before it reaches the supervisor or the journal), until the test says "go" on a
pipe. Whatever the test does meanwhile (another process's resolve, run or approval) has finished before
A goes on, so the interleaving under test is the one that happens, every time, however busy the box.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import subprocess_env, warroom_cmd
from warroom.incident.after_resolve import reopen_command
from warroom.journal import events as ev

HOOKED = """
import importlib, os, sys
ready, go = int(os.environ["RACE_READY"]), int(os.environ["RACE_GO"])
module, cls, name = os.environ["RACE_HOOK"].split(":")
owner = importlib.import_module(module)
owner = getattr(owner, cls) if cls else owner
original, waited = getattr(owner, name), []
def hooked(*args, **kw):
    if not waited:
        waited.append(1)
        os.write(ready, b"judged\\n")
        os.read(go, 1)
    return original(*args, **kw)
setattr(owner, name, hooked)
from tui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def wr(state: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``warroom incident ARGV --state-dir STATE``, run to its end (process B, or a later look)."""
    return subprocess.run([*warroom_cmd(), "incident", *argv, "--state-dir", str(state)], env=subprocess_env(**env),
                          capture_output=True, text=True, timeout=120)


@dataclass
class Stopped:
    """Process A, waiting at its hook: ``go()`` lets it finish and returns what it did."""

    proc: subprocess.Popen[str]
    go_w: int

    def go(self) -> subprocess.CompletedProcess[str]:
        os.write(self.go_w, b"g")
        out, err = self.proc.communicate(timeout=120)
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)


@contextmanager
def stopped_at(hook: str, *argv: str, **env: str) -> Iterator[Stopped]:
    """``warroom incident ARGV`` in process A, stopped at ``hook`` once it has judged. The block runs the
    other processes and may call ``go()``; leaving it kills A if A still runs (a caller killed at that point)."""
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    proc = subprocess.Popen([sys.executable, "-c", HOOKED, "incident", *argv],
                            env=subprocess_env(RACE_READY=str(ready_w), RACE_GO=str(go_r), RACE_HOOK=hook, **env),
                            pass_fds=(ready_w, go_r), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(ready_w)
    os.close(go_r)
    try:
        readable, _, _ = select.select([ready_r], [], [], 120)
        said = os.read(ready_r, 64) if readable else b""
        assert said == b"judged\n", (said, proc.poll())          # A judged, and waits on the pipe
        yield Stopped(proc, go_w)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=120)
        os.close(go_w)
        os.close(ready_r)


def events(state: Path, inc: str) -> list[dict[str, object]]:
    """The incident's journal lines as written (a file journal under ``state``)."""
    path = state / "incidents" / inc / "journal.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def refusal_words(state: Path, inc: str, action: str) -> str:
    """What a resolved incident says when asked to ``action``."""
    (resolved,) = [e for e in events(state, inc) if e["type"] == ev.RESOLVED]
    at = str(resolved["ts"])[:19].replace("T", " ")
    return f"{inc} is resolved at {at} UTC; reopen it first to {action} (`{reopen_command(inc)}`)"
