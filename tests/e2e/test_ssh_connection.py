"""The SSH test rig itself: a real sshd on 127.0.0.1, a real ``ssh -tt`` client inside tmux.

These prove the infrastructure the warroom-over-SSH tests stand on — that a remote command gets a
pty of the tmux pane's size and the TERM we send, and that killing the client (a dropped
connection) delivers SIGHUP to the remote program — so a failure in the warroom tests is about
warroom, not the rig.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.sshd import Sshd
from tests.e2e.tmuxterm import TmuxTerm

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

REMOTE_PROBE = r"""
import json, os, shutil, signal, sys, time
out = sys.argv[1]
def record(kind, **data):
    with open(out, "a") as f:
        f.write(json.dumps({"kind": kind, **data}) + "\n")
        f.flush(); os.fsync(f.fileno())
def on_signal(signum, frame):
    record("signal", name=signal.Signals(signum).name)
    sys.exit(0)
for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, on_signal)
size = os.get_terminal_size(sys.stdout.fileno())
record("start", cols=size.columns, rows=size.lines, term=os.environ.get("TERM"), isatty=os.isatty(0))
print("PROBE READY", size.columns, size.lines, os.environ.get("TERM"), flush=True)
for _ in range(600):
    time.sleep(0.1)
record("timeout")
"""


def _records(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _wait_records(path: Path, predicate, timeout: float = 30.0) -> list[dict[str, object]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        records = _records(path)
        if predicate(records):
            return records
        time.sleep(0.05)
    raise AssertionError(f"remote probe records never matched: {_records(path)}")


def test_remote_command_gets_pty_of_pane_size_and_term(sshd: Sshd, tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(REMOTE_PROBE)
    out = tmp_path / "probe.jsonl"
    remote = ["env", "TERM=screen-256color", sys.executable, str(probe), str(out)]
    with TmuxTerm(100, 30) as term:
        term.start(sshd.ssh_argv(remote))
        term.wait_for("PROBE READY 100 30 screen-256color", timeout=60)
        term.send("C-c")
        records = _wait_records(out, lambda r: any(x["kind"] == "signal" for x in r))
    assert records[0] == {"kind": "start", "cols": 100, "rows": 30, "term": "screen-256color", "isatty": True}
    assert {"kind": "signal", "name": "SIGINT"} in records


def test_killing_the_client_hangs_up_the_remote_program(sshd: Sshd, tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(REMOTE_PROBE)
    out = tmp_path / "probe.jsonl"
    with TmuxTerm(120, 40) as term:
        term.start(sshd.ssh_argv([sys.executable, str(probe), str(out)]))
        term.wait_for("PROBE READY 120 40", timeout=60)
        # The connection drop: the client dies without a goodbye. sshd sees EOF on the socket,
        # tears down the session's pty, and the remote program gets SIGHUP.
        ssh_pid = term.pane_pid()
        os.kill(ssh_pid, 9)
        records = _wait_records(out, lambda r: any(x["kind"] == "signal" for x in r))
    assert records[-1] == {"kind": "signal", "name": "SIGHUP"}
