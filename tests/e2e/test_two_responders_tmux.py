"""Two responders, two terminals, one drill incident on the shared store (issue 16, done-when).

Terminal A is the incident commander (the OS account running the tests); terminal B is a second
OS account (the unprivileged user the test PostgreSQL runs as), on the same PostgreSQL. A
declares a drill incident, gives B the ops and comms roles and runs steps; the mutating breaker
step is refused until B approves it (A cannot approve its own request); B writes the status
update; A resolves and exports the PIR, which names both people, their roles and the approval.

A second person needs a second OS account: warroom's person is the account (never ``$USER``),
so the test needs root (to act as the other account with ``runuser``) and a system Python that
can import the project from the venv's site-packages (root's own interpreter lives under /root,
which other accounts cannot enter). Otherwise it skips and says why.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import site
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, warroom_cmd
from tests.e2e.tmuxterm import TmuxTerm

SYSTEM_PYTHON = Path("/usr/bin/python3")


def _other_account(pg_server: object) -> str:
    if os.geteuid() != 0:
        pytest.skip("a second person is a second OS account: acting as one needs root (runuser)")
    if shutil.which("tmux") is None or shutil.which("runuser") is None:
        pytest.skip("tmux and runuser are needed")
    user = getattr(pg_server, "user", None)
    if not user:
        pytest.skip("no unprivileged account to be the second responder")
    return str(user)


def _pythonpath() -> str:
    return os.pathsep.join([str(REPO), *site.getsitepackages()])


def _check_system_python(user: str) -> None:
    if not SYSTEM_PYTHON.exists():
        pytest.skip(f"{SYSTEM_PYTHON} is absent: the second account cannot run the venv's interpreter under /root")
    probe = subprocess.run([str(shutil.which("runuser")), "-u", user, "--", "env", f"PYTHONPATH={_pythonpath()}", str(SYSTEM_PYTHON),
                            "-c", "import warroom.cli, psycopg, tui.cli"],
                           capture_output=True, text=True, timeout=60, cwd="/")
    if probe.returncode != 0:
        pytest.skip(f"{SYSTEM_PYTHON} as {user} cannot import the project: {probe.stderr.strip()[-300:]}")


@pytest.fixture
def homes(pg_server: object) -> Iterator[tuple[Path, Path, str]]:
    """Two homes in /tmp (B's owned by B; pytest's tmp dirs are root's, mode 0700)."""
    user = _other_account(pg_server)
    _check_system_python(user)
    a = Path(tempfile.mkdtemp(prefix="warroom-A-", dir="/tmp"))
    b = Path(tempfile.mkdtemp(prefix="warroom-B-", dir="/tmp"))
    info = pwd.getpwnam(user)
    os.chown(b, info.pw_uid, info.pw_gid)
    try:
        yield a, b, user
    finally:
        shutil.rmtree(a, ignore_errors=True)
        shutil.rmtree(b, ignore_errors=True)


def _config(home: Path, dsn: str, owner: str | None = None) -> Path:
    # An approval's life is drill time (CLOCK-6): at x60 "15m" would be 15 wall seconds, less than
    # two shells take on a busy box to request, list, approve and run; 24h is 24 wall minutes.
    path = home / "config.toml"
    path.write_text(f'[shared]\ndsn = "{dsn}"\n\n[approval]\nseverities = ["P1", "P2", "P3"]\nexpires = "24h"\n')
    if owner is not None:
        info = pwd.getpwnam(owner)
        os.chown(path, info.pw_uid, info.pw_gid)
    path.chmod(0o600)
    return path


class Shell:
    """One terminal: a bash in tmux; each command ends with a marker carrying its exit code."""

    def __init__(self, term: TmuxTerm) -> None:
        self.term = term
        self.n = 0

    def run(self, command: str, timeout: float = 90.0) -> tuple[int, str]:
        self.n += 1
        marker = f"@@done-{self.n}"
        self.term.type(f"clear; {command}; echo {marker} rc=$?")
        self.term.send("Enter")
        screen = self.term.wait_for(re.compile(rf"^{marker} rc=(\d+)", re.M), timeout=timeout)
        code = int(re.search(rf"^{marker} rc=(\d+)", screen, re.M).group(1))  # type: ignore[union-attr]
        return code, screen


def test_two_terminals_one_drill_incident(shared_dsn: str, homes: tuple[Path, Path, str]) -> None:
    home_a, home_b, user_b = homes
    cfg_a = _config(home_a, shared_dsn)
    cfg_b = _config(home_b, shared_dsn, owner=user_b)
    env_a = {"PATH": "/usr/bin:/bin", "HOME": str(home_a), "WARROOM_CONFIG": str(cfg_a), "LANG": "C.UTF-8",
             "PS1": "A$ ", "PYTHONPATH": str(REPO)}
    a_cmd = " ".join(warroom_cmd())
    b_cmd = f"{SYSTEM_PYTHON} -m tui"
    b_env = {"PATH": "/usr/bin:/bin", "HOME": str(home_b), "WARROOM_CONFIG": str(cfg_b), "LANG": "C.UTF-8",
             "PS1": "B$ ", "PYTHONPATH": _pythonpath()}
    with TmuxTerm(160, 50) as term_a, TmuxTerm(160, 50) as term_b:
        term_a.start(["bash", "--norc", "--noprofile"], env=env_a, cwd=home_a)
        term_b.start([str(shutil.which("runuser")), "-u", user_b, "--", "env", "-i", *(f"{k}={v}" for k, v in b_env.items()),
                      "bash", "--norc", "--noprofile"], env={"PATH": "/usr/bin:/bin"}, cwd=Path("/tmp"))
        a, b = Shell(term_a), Shell(term_b)

        code, screen = a.run(f"ID=$({a_cmd} incident new --drill rate-limit --speed 60 --title 'Quota drill'"
                             f" --severity P3 --runbook RB-CORE-003 2>/dev/null); echo id=$ID")
        inc_id = re.search(r"id=(INC-\d{8}-\d+)", screen).group(1)  # type: ignore[union-attr]
        assert code == 0
        assert a.run(f"{a_cmd} incident role $ID ops {user_b}")[0] == 0
        assert a.run(f"{a_cmd} incident role $ID comms {user_b}")[0] == 0
        assert a.run(f"{a_cmd} incident run $ID 1 2>&1 | tail -2")[0] == 0          # a read-only step runs

        code, screen = a.run(f"{a_cmd} incident run $ID 6 --yes 2>&1 | tail -3; test ${{PIPESTATUS[0]}} = 5")
        assert code == 0 and "needs a second person's approval and none was requested" in screen
        code, screen = a.run(f"{a_cmd} incident request $ID 6 | head -1")
        rid = re.search(r"requested (R\d+)", screen).group(1)  # type: ignore[union-attr]
        code, screen = a.run(f"{a_cmd} incident approve $ID {rid} 2>&1")
        assert code == 5 and "cannot approve their own request" in screen

        code, screen = b.run(f"{b_cmd} incident show {inc_id} 2>/dev/null | grep '^roles:'")
        me = pwd.getpwuid(os.geteuid()).pw_name
        assert code == 0 and f"roles: IC {me} · Ops {user_b} · Comms {user_b} · Scribe —" in screen
        assert "1 approval waiting" in screen, screen
        # the drill's world is A's: B's paths to it say whose seat it is and what works from B's (redteam48 F5)
        for what in (f"incident run {inc_id} 1", f"incident drill-report {inc_id}", f"drill shell {inc_id} --print"):
            out = "$HOME/seat.txt"
            code, screen = b.run(f"{b_cmd} {what} > {out} 2>&1; r=$?; grep -o \"{inc_id} is a drill worked from "
                                 f"[^ ]*'s seat\" {out} | head -1; echo DENIED=$(grep -c 'Permission denied' {out})"
                                 f" SHOW=$(tr -s '\\n ' '  ' < {out} | grep -c 'incident show'); (exit $r)")
            assert code != 0 and f"{inc_id} is a drill worked from {me}'s seat" in screen, (what, screen)
            assert "DENIED=0 " in screen and not re.search(r"SHOW=0\b", screen), (what, screen)
        code, screen = b.run(f"{b_cmd} resume {inc_id}")          # the dashboard's own way in: on the terminal
        assert code != 0 and f"{inc_id} is a drill worked from {me}'s seat" in screen, screen
        code, screen = b.run(f"{b_cmd} incident approvals {inc_id} 2>&1 | head -12")
        assert code == 0
        for want in (f"{rid}  PENDING  step 6", "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true",
                     "namespace production", "verify gate after it: 429 share (worst provider) < 15% held 2m00s"):
            assert want in screen, screen
        code, screen = b.run(f"{b_cmd} incident approve {inc_id} {rid} 2>&1")
        assert code == 0 and f"approved {rid}" in screen and f"as {user_b}@" in screen

        code, screen = a.run(f"{a_cmd} incident run $ID 6 --yes --no-wait 2>&1 | tail -4")
        assert code == 0 and "step 6: ok" in screen, screen
        code, screen = b.run(f"{b_cmd} incident update {inc_id} 'Breaker on; quota falling. Next update in 15 min.'")
        assert code == 0 and "status update recorded" in screen
        assert a.run(f"{a_cmd} incident resolve $ID --summary 'breaker on, quota back down' --yes"
                     " >/dev/null 2>&1")[0] == 0
        code, _ = a.run(f"{a_cmd} incident export $ID --no-log --out {home_a}/pir >/dev/null 2>&1")
        assert code == 0

    pir = (home_a / "pir" / "pir.md").read_text(encoding="utf-8")
    assert f"ops lead: {user_b}" in pir and f"comms lead: {user_b}" in pir
    assert f"| **Incident Commander** | {me}" in pir
    assert "## Two-Person Approvals" in pir
    line = next(ln for ln in pir.splitlines() if ln.startswith(f"- {rid} step 6"))
    assert f"requested by {me}@" in line and f"approved by {user_b}@" in line and f"run at" in line
    assert re.search(rf"approved \({rid}\) by {user_b}@", pir)                     # on the command's row
    assert f"by {user_b}@" in pir.split("## Stakeholder Updates")[1].split("##")[0]  # B wrote the update
    assert sys.version_info >= (3, 11)
