"""The journal under real processes: kill -9 mid-append, and two writers at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import subprocess_env, warroom_cmd
from warroom.journal.log import Journal, read_journal, verify_journal
from warroom.incident.store import IncidentStore

WRITER = r"""
import sys, time
from pathlib import Path
from warroom.journal.log import Journal
path, name, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
j = Journal(path, actor=name + "@test")
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.005)
for i in range(count):
    j.append("note.added", {"tag": "info", "text": f"{name} {i}", "writer": name, "i": i, "pad": "x" * 200})
"""


def _start_writer(path: Path, name: str, count: int, go: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, str(count), str(go)],
                            env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for_lines(path: Path, n: int, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= n:
            return
        assert proc.poll() is None, f"writer exited early: {proc.communicate()}"
        time.sleep(0.01)
    raise AssertionError(f"journal never reached {n} lines")


def test_kill_9_mid_appends_leaves_a_verifiable_prefix_and_show_works(tmp_path: Path) -> None:
    state = tmp_path / "state"
    inc = IncidentStore(state).create(title="kill test", severity="P2")
    go = tmp_path / "go"
    go.touch()
    proc = _start_writer(inc.journal.path, "w", 1000, go)
    try:
        _wait_for_lines(inc.journal.path, 150, proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    blob = inc.journal.path.read_bytes()
    complete = blob.count(b"\n")
    assert 150 <= complete < 1001
    result = verify_journal(inc.journal.path)
    assert result.issues == []
    assert len(result.events) == complete  # every complete line verifies
    assert [e.seq for e in result.events] == list(range(1, complete + 1))
    if not blob.endswith(b"\n"):
        assert result.torn_line == complete + 1

    shown = subprocess.run([*warroom_cmd(), "incident", "show", inc.id, "--state-dir", str(state), "--json"],
                           env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["events"] == complete
    assert len(data["notes"]) == complete - 1
    assert "Traceback" not in shown.stderr

    # The incident carries on: the next append lands after the last complete line.
    nxt = Journal(inc.journal.path).append("note.added", {"tag": "info", "text": "after the crash"})
    assert nxt.seq == complete + 1
    assert verify_journal(inc.journal.path).ok


def test_torn_last_line_is_reported_ignored_then_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    j = Journal(path, actor="a@b")
    for i in range(3):
        j.append("note.added", {"tag": "info", "text": str(i)})
    with open(path, "ab") as f:
        f.write(b'{"seq":4,"ts":"2026-11-22T10:00:00.000Z","actor":"a@b","type":"note.ad')
    read = read_journal(path)
    assert [e.seq for e in read.events] == [1, 2, 3]
    assert read.issues == [] and read.torn_line == 4
    assert any("torn" in w for w in read.describe())
    ev = Journal(path, actor="a@b").append("note.added", {"tag": "info", "text": "next"})
    assert ev.seq == 4
    assert verify_journal(path).ok and not verify_journal(path).torn
    assert b'"type":"note.ad' in (tmp_path / "journal.torn").read_bytes()


def test_two_processes_appending_500_each_make_1000_chained_lines(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    go = tmp_path / "go"
    procs = [_start_writer(path, name, 500, go) for name in ("alpha", "beta")]
    time.sleep(0.2)  # both interpreters are starting; the go file releases them together
    go.touch()
    for p in procs:
        _out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err.decode()
    result = verify_journal(path)
    assert result.ok, [str(i) for i in result.issues]
    assert len(result.events) == 1000
    assert path.read_bytes().count(b"\n") == 1000
    for name in ("alpha", "beta"):
        mine = [e.data["i"] for e in result.events if e.data["writer"] == name]
        assert mine == list(range(500)), f"{name}'s events lost or reordered"
    # The chain: each line's prev is the hash of the line before it.
    for before, after in zip(result.events, result.events[1:], strict=False):
        assert after.prev == before.h
