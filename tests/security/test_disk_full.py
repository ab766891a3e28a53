"""A full disk, for real: a small tmpfs holds the state dir (skipped where mounting is not allowed).

Every command must exit 6 with one clear line, leave no half-written (0-byte) file, never call
a step "ok" whose output was cut by ENOSPC, never lose the step's real exit status, never hang.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import subprocess_env, warroom_cmd

RUNBOOK = """# Disk full runbook

## Triage

Hello:

```bash
echo hello
```

Write a lot:

```bash
head -c 3000000 /dev/zero | tr '\\0' b | fold -w 100; exit {code}
```

Fill the disk:

```bash
dd if=/dev/zero of="$WARROOM_TEST_FILL" bs=4k count="$WARROOM_TEST_FILL_COUNT" 2>/dev/null; echo filled; exit 7
```
"""


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


class Cmd:
    def __init__(self, state: Path, env: dict[str, str]) -> None:
        self.state = state
        self.env = env

    def __call__(self, *argv: str, extra: dict[str, str] | None = None) -> tuple[int, str, str]:
        done = subprocess.run([*warroom_cmd(), "incident", *argv, "--state-dir", str(self.state)],
                              capture_output=True, text=True, env={**self.env, **(extra or {})}, timeout=60)
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        return done.returncode, done.stdout, done.stderr


def _fill(mnt: Path, leave: int = 0) -> Path:
    """Fill the tmpfs (leaving ``leave`` bytes); returns the filler file."""
    filler = mnt / f"filler-{uuid.uuid4().hex[:6]}"
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


def _empty_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.stat().st_size == 0
            and not p.name.endswith(".log")]  # a step that printed nothing has an empty output


@pytest.fixture
def setup(tmpfs: Path, tmp_path: Path) -> tuple[Cmd, Path, str]:
    rb = tmp_path / "rb.md"
    rb.write_text(RUNBOOK.format(code=0))
    env = subprocess_env(XDG_CONFIG_HOME=str(tmp_path / "cfg"), WARROOM_TEST_FILL="/dev/null",
                         WARROOM_TEST_FILL_COUNT="1")
    cmd = Cmd(tmpfs / "state", env)
    code, out, err = cmd("new", "--title", "disk", "--severity", "P3", "--runbook", str(rb))
    assert code == 0, err
    return cmd, tmpfs, out.strip()


def test_every_command_on_a_full_disk_exits_6_with_one_line(setup: tuple[Cmd, Path, str]) -> None:
    from warroom.incident.store import IncidentStore

    cmd, mnt, inc = setup
    # Push the journal to a fresh page, so no append fits in the page already allocated: notes appended here, in
    # this process (set-up, not what is tested: each was a CLI interpreter of its own, ~0.4 s CPU)
    journal = cmd.state / "incidents" / inc / "journal.jsonl"
    with pytest.MonkeyPatch.context() as env:      # as the CLI's env has it (its config dir, where the witness is)
        for key in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "HOME"):
            if key in cmd.env:
                env.setenv(key, cmd.env[key])
        padded = IncidentStore(cmd.state).open(inc)
        while journal.stat().st_size % 4096 < 3000:
            padded.note("info", "x" * 400)
    _fill(mnt)
    results = {}
    for argv in (("note", inc, "--tag", "info", "y" * 1500), ("run", inc, "1"), ("update", inc, "u" * 1500),
                 ("export", inc), ("new", "--title", "another", "--severity", "P2"),
                 ("timeline", inc, "t" * 1500), ("resolve", inc, "--summary", "s" * 1500)):
        code, _, err = cmd(*argv)
        results[argv[0]] = code
        lines = [ln for ln in err.splitlines() if ln.startswith("warroom:")]
        assert code == 6, f"{argv[0]}: exit {code}\n{err}"
        assert len(lines) == 1 and "No space left on device" in lines[0], err
    assert _empty_files(cmd.state) == []
    assert not list((cmd.state / "incidents").glob("*-2"))  # the refused declaration left nothing
    code, out, _ = cmd("verify", inc)
    assert code == 0, out


def test_output_cut_by_enospc_is_never_ok(setup: tuple[Cmd, Path, str]) -> None:
    cmd, mnt, inc = setup
    _fill(mnt, leave=1_500_000)
    code, _, err = cmd("run", inc, "2", "--yes")
    assert code == 6, err
    assert "exited 0, but its output not stored" in err
    assert "step 2: failed, exit 0" in err
    code, out, _ = cmd("show", inc)
    assert code == 0 and "output not stored" in out
    events = [json.loads(x) for x in (cmd.state / "incidents" / inc / "journal.jsonl").read_text().splitlines()]
    finished = [e for e in events if e["type"] == "step.finished"][-1]["data"]
    assert finished["status"] == "failed" and finished["exit_code"] == 0 and finished["output_error"]


def test_step_end_that_cannot_be_journaled_keeps_its_exit_status_and_does_not_hang(
        setup: tuple[Cmd, Path, str]) -> None:
    """The step itself fills the disk: its end cannot be journaled. The real exit status (7)
    is kept in the reserved end record, the CLI says so and exits 6 at once, and the next
    command that can write journals it."""
    cmd, mnt, inc = setup
    journal = cmd.state / "incidents" / inc / "journal.jsonl"
    # A first run with nowhere to fill, to learn how long the step's start line is.
    assert cmd("run", inc, "3", "--yes")[0] == 1
    lines = journal.read_bytes().split(b"\n")
    start_len = max(len(x) + 1 for x in lines if b'"step.started"' in x)
    # Pad the journal so its last page has room for the next start line, not for the end line.
    room = 4096 - journal.stat().st_size % 4096
    want = start_len + 60
    if room < want + 260:
        assert cmd("note", inc, "--tag", "info", "p" * (room + 100))[0] == 0
        room = 4096 - journal.stat().st_size % 4096
    pad = room - want
    note_overhead = len(json.dumps({"tag": "info", "text": ""})) + 200
    assert cmd("note", inc, "--tag", "info", "q" * max(1, pad - note_overhead))[0] == 0
    room = 4096 - journal.stat().st_size % 4096
    assert start_len <= room < start_len + 400, (room, start_len)
    filler = mnt / "filled-by-the-step"
    code, _, err = cmd("run", inc, "3", "--yes", extra={"WARROOM_TEST_FILL": str(filler),
                                                                "WARROOM_TEST_FILL_COUNT": "100000"})
    assert code == 6, err
    assert "exit 7" in err and ".end" in err
    assert _empty_files(cmd.state) == []
    # Room again: the next command journals the kept end with the real exit status.
    filler.unlink()
    code, out, err = cmd("show", inc, "--json")
    assert code == 0, err
    events = [json.loads(x) for x in journal.read_text().splitlines()]
    finished = [e for e in events if e["type"] == "step.finished"][-1]["data"]
    assert finished["exit_code"] == 7 and finished["status"] == "failed" and finished["journaled_late"]
    assert not list((journal.parent / "outputs").glob("*.end"))
