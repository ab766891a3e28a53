"""rt11j: a full disk that also holds the key dir (witness, key) — every remaining incident
command exits 6 with one line or succeeds, nothing is left empty, and once there is room the
journal is neither refused nor reported as tampered with (a witness that could not be written
is not mistaken for a deleted one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.security.test_disk_full import RUNBOOK, Cmd, _empty_files, _fill, tmpfs  # noqa: F401


def test_full_disk_with_the_key_dir_on_it(tmpfs: Path, tmp_path: Path) -> None:  # noqa: F811
    from warroom.incident.store import IncidentStore

    rb = tmp_path / "rb.md"
    rb.write_text(RUNBOOK.format(code=0))
    env = subprocess_env(XDG_CONFIG_HOME=str(tmpfs / "cfg"), WARROOM_TEST_FILL="/dev/null",
                         WARROOM_TEST_FILL_COUNT="1")
    cmd = Cmd(tmpfs / "state", env)
    code, out, err = cmd("new", "--title", "disk", "--severity", "P3", "--runbook", str(rb))
    assert code == 0, err
    inc = out.strip()
    journal = cmd.state / "incidents" / inc / "journal.jsonl"
    # the journal pushed near the end of its page, by notes appended in this process as test_disk_full's set-up does
    # (set-up, not what is tested: each was a CLI interpreter of its own, four of them, ~0.35 s CPU each)
    with pytest.MonkeyPatch.context() as patch:     # as the CLI's env has it (its config dir, where the witness is)
        for key in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "HOME"):
            if key in env:
                patch.setenv(key, env[key])
        padded = IncidentStore(cmd.state).open(inc)
        while journal.stat().st_size % 4096 < 3000:
            padded.note("info", "x" * 400)
    filler = _fill(tmpfs)
    for argv in (("role", inc, "ops", "bob" * 21, "--reason", "b" * 900), ("tick", inc, "1"), ("skip", inc, "1", "--reason", "r" * 1500),
                 ("severity", inc, "P1"), ("status", inc, "mitigating"), ("mark", inc, "detected"),
                 ("attach", inc, str(rb)), ("repair", inc), ("draft-update", inc), ("list",), ("show", inc)):
        code, _, err = cmd(*argv)
        lines = [ln for ln in err.splitlines() if ln.startswith("warroom:")]
        assert code in (0, 6), f"{argv[0]}: exit {code}\n{err}"
        if code == 6:
            assert len(lines) == 1 and "No space left on device" in lines[0], err
    assert _empty_files(tmpfs) == []
    filler.unlink()
    code, out, _ = cmd("verify", inc)
    assert code == 0, out
    assert cmd("note", inc, "--tag", "info", "room again")[0] == 0
    assert cmd("run", inc, "1")[0] == 0
    assert cmd("verify", inc)[0] == 0
