"""Processes: a killed supervisor, two runs of one step at once, floods of output.

* ``kill -9`` of a step's supervisor never leaves the command tree running while the journal
  says the step ended: its watchdog ends every process of the step (``setsid`` and double-forked
  ones too) and journals the step ``interrupted`` with their pids;
* a second ``run`` of a step already running is refused with a clear message, from any process;
* stored output is capped (``execute.max_output``) with a marker and a journal record;
* the CLI's memory stays flat on a newline-free flood.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.conftest import subprocess_env, warroom_cmd
from tests.in_process import warroom_here
from warroom.execute.watchdog import tagged_pids

RUNBOOK = """# Process runbook

## Triage

A tree that hides from its group:

```bash
(setsid sleep 300 &) ; (sleep 301 & disown) ; sleep 302 & echo started; wait
```

Flood without newlines:

```bash
head -c {flood} /dev/zero | tr '\\0' a
```

Five megabytes of lines:

```bash
seq 1 700000
```
"""


class Cmd:
    """``warroom incident ARGV --state-dir STATE`` with this test's config: called, the console script in a process
    of its own (what is killed, raced and measured here); ``here``, the same ``main(argv)`` in this process."""

    def __init__(self, tmp: Path, flood: int = 1000) -> None:
        self.state = tmp / "state"
        rb = tmp / "rb.md"
        rb.write_text(RUNBOOK.format(flood=flood))
        cfg = tmp / "config.toml"
        cfg.write_text('[execute]\nmax_output = "1MB"\n')
        self.env = subprocess_env(XDG_CONFIG_HOME=str(tmp / "cfg"), WARROOM_CONFIG=str(cfg))
        # set-up, not what is tested: the declaration in this process (it was an interpreter of its own, ~0.5 s CPU)
        code, out, err = self.here("new", "--title", "procs", "--severity", "P3", "--runbook", str(rb))
        assert code == 0, err
        self.inc = out.strip()
        self.dir = self.state / "incidents" / self.inc

    def argv(self, *args: str) -> list[str]:
        return [*warroom_cmd(), "incident", *args, "--state-dir", str(self.state)]

    def __call__(self, *args: str) -> tuple[int, str, str]:
        done = subprocess.run(self.argv(*args), capture_output=True, text=True, env=self.env, timeout=120)
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        return done.returncode, done.stdout, done.stderr

    def here(self, *args: str) -> tuple[int, str, str]:
        """The command through ``tui.cli.main`` in this process (``warroom_here``), its config dir and config file set
        for the call: what it writes to ``sys.stdout`` / ``sys.stderr`` (a step's streamed output too) is its stdout
        and stderr."""
        done = warroom_here("incident", *args, "--state-dir", str(self.state),
                            env={key: self.env[key] for key in ("XDG_CONFIG_HOME", "WARROOM_CONFIG")})
        return done.returncode, done.stdout, done.stderr

    def events(self) -> list[dict]:
        """The complete lines so far (a line being appended as we read is left for next time)."""
        raw = (self.dir / "journal.jsonl").read_bytes()
        return [json.loads(x) for x in raw[:raw.rfind(b"\n") + 1].splitlines()]


def _wait_for(pred, limit: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def _sleeps(pids: list[int]) -> int:
    """How many of ``pids`` are running ``sleep`` (a process gone meanwhile is not counted)."""
    count = 0
    for pid in pids:
        try:
            count += psutil.Process(pid).name() == "sleep"
        except psutil.Error:
            pass
    return count


def _started(cmd: Cmd) -> dict:
    return [e for e in cmd.events() if e["type"] == "step.started"][-1]["data"]


def test_kill_9_of_the_supervisor_ends_its_whole_tree_and_says_so(tmp_path: Path) -> None:
    cmd = Cmd(tmp_path)
    proc = subprocess.Popen(cmd.argv("run", cmd.inc, "1", "--yes"), env=cmd.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _wait_for(lambda: any(e["type"] == "step.started" for e in cmd.events()))
        started = _started(cmd)
        tag = started["tag"]
        # The tree settles at the shell and its three sleeps (one setsid); the subshells that start
        # them come and go first, so wait for all three sleeps and take the tree then, not at the
        # first moment four tagged processes happen to exist (a busy machine showed that race).
        assert _wait_for(lambda: _sleeps(tagged_pids(tag)) == 3)
        tree = set(tagged_pids(tag))
        os.kill(started["supervisor_pid"], signal.SIGKILL)
        assert _wait_for(lambda: not tagged_pids(tag)), f"left running: {tagged_pids(tag)}"
        assert _wait_for(lambda: any(e["type"] == "step.finished" for e in cmd.events()))
        finished = [e for e in cmd.events() if e["type"] == "step.finished"][-1]["data"]
        assert finished["status"] == "interrupted"
        assert "watchdog ended" in finished["reason"]
        named = {int(p) for p in finished["reason"].split("pids ")[1].rstrip(")").split(", ")}
        assert named and named <= tree
        proc.wait(timeout=60)
        err = proc.stderr.read().decode() if proc.stderr else ""
        assert "interrupted" in err and "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for pid in tagged_pids(_started(cmd)["tag"]) if cmd.events() else []:
            os.kill(pid, signal.SIGKILL)


def test_kill_9_of_supervisor_and_watchdog_a_resumed_warroom_ends_and_names_them(tmp_path: Path) -> None:
    cmd = Cmd(tmp_path)
    proc = subprocess.Popen(cmd.argv("run", cmd.inc, "1", "--yes"), env=cmd.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: any(e["type"] == "step.started" for e in cmd.events()))
        started = _started(cmd)
        assert _wait_for(lambda: len(tagged_pids(started["tag"])) >= 4)
        # The CLI first: alive, it would notice its supervisor's death and end the tree itself
        # (under load it did, between the two kills), which is not what this test is about.
        proc.kill()
        proc.wait()
        os.kill(started["watchdog_pid"], signal.SIGKILL)
        os.kill(started["supervisor_pid"], signal.SIGKILL)
        # The shell itself dies with its supervisor (PR_SET_PDEATHSIG); what it left does not.
        assert _wait_for(lambda: started["pid"] not in tagged_pids(started["tag"]))
        survivors = tagged_pids(started["tag"])
        assert survivors  # setsid / disowned sleeps outlive both (only the shell had PDEATHSIG)
        code, _, err = cmd("show", cmd.inc)
        assert code == 0, err
        assert not tagged_pids(started["tag"])
        finished = [e for e in cmd.events() if e["type"] == "step.finished"][-1]["data"]
        assert finished["status"] == "interrupted"
        assert set(survivors) <= set(finished["ended_pids"])
    finally:
        for pid in tagged_pids(_started(cmd)["tag"]):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("round_", range(3))
def test_two_runs_of_one_step_at_once_only_one_executes(tmp_path: Path, round_: int) -> None:
    cmd = Cmd(tmp_path)
    procs = [subprocess.Popen(cmd.argv("run", cmd.inc, "1", "--yes"), env=cmd.env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    try:
        # One of them is refused at once; the other runs until we cancel it.
        assert _wait_for(lambda: any(p.poll() is not None for p in procs))
        refused = next(p for p in procs if p.poll() is not None)
        err = refused.stderr.read() if refused.stderr else ""
        assert refused.returncode in (2, 5), err
        assert "already running" in err and "Traceback" not in err
        started = [e for e in cmd.events() if e["type"] == "step.started"]
        assert len(started) == 1
    finally:
        for e in cmd.events():
            if e["type"] == "step.started":
                os.kill(e["data"]["supervisor_pid"], signal.SIGTERM)
        for p in procs:
            p.wait(timeout=60)
    assert len([e for e in cmd.events() if e["type"] == "step.started"]) == 1
    assert not tagged_pids(_started(cmd)["tag"])


def test_stored_output_is_capped_with_a_marker_and_a_journal_record(tmp_path: Path) -> None:
    """What is stored, not which process streamed it: the run is ``main`` in this process (``Cmd.here``)."""
    cmd = Cmd(tmp_path)
    code, out, err = cmd.here("run", cmd.inc, "3")
    assert code == 0, err
    assert "output cut at" in err
    finished = [e for e in cmd.events() if e["type"] == "step.finished"][-1]["data"]
    assert finished["output_cut"]["max_output"] == 1_000_000
    stored = cmd.dir / finished["output"]
    assert stored.stat().st_size <= 1_000_000 + 200
    assert stored.read_bytes().rstrip(b"\n").endswith(b"the rest was counted, not stored")
    assert finished["lines"] >= 700_000  # counted past the cap
    assert "699999\n700000" in finished["excerpt"]  # the excerpt is still the real end


def test_cli_memory_stays_flat_on_a_newline_free_flood(tmp_path: Path) -> None:
    """120 MB of one 'line' (stored wrapped at 64 KiB, capped at 1 MB on disk): the CLI streams
    all of it to stdout and never holds more than a bounded batch."""
    cmd = Cmd(tmp_path, flood=120_000_000)
    proc = subprocess.Popen(cmd.argv("run", cmd.inc, "2"), env=cmd.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    try:
        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                peak = max(peak, ps.memory_info().rss)
            except psutil.NoSuchProcess:
                break
            time.sleep(0.02)
    finally:
        proc.wait(timeout=300)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    assert 0 < peak < 64 * 1024 * 1024, f"peak RSS {peak / 2**20:.1f} MiB"
