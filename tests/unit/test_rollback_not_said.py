"""A rollback nobody was asked about is not written as "no".

Found in the mass-failure drill (attack14): ``incident resolve ID --summary "v1.2.0 rolled back"
--yes`` (no --rollback / --no-rollback; no GO had opened anything, so nothing asked) wrote
"Rollback: no" into the PIR and "No" into incident_log.csv, while step 28 ``kubectl rollout undo``
had been the fix. The CLI passes None (not said); the journal now keeps it as not said, the PIR
asks a human, the incident log leaves the cell blank. A word given (--rollback/--no-rollback,
the dashboard's checkbox) is written as before.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.unit.incident_fixtures import Cli

RUNBOOK = REPO / "tests" / "fixtures" / "incident" / "echo-runbook.md"


def _wr(cli: Cli, *argv: str) -> tuple[str, str]:
    """``warroom incident ARGV`` in-process (the CLI's own ``main``, ``incident_fixtures.Cli``): what is tested is what
    the commands write for a rollback said or not, not the process boundary; each call was an interpreter of its own
    (17 for this file, ~10 s CPU). The step ``incident run`` starts is still a real process. (stdout, stderr)."""
    code, out, err = cli(*argv)
    assert code == 0, (argv, err)
    return out, err


def _resolved(tmp_path: Path, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[str, dict[str, str]]:
    state = tmp_path / "state"
    cli = Cli(state, capsys)
    inc = _wr(cli, "new", "--title", "flows failing", "--severity", "P3", "--runbook", str(RUNBOOK))[0].strip()
    _wr(cli, "resolve", inc, "--summary", "v1.2.0 rolled back", "--yes", *flags)
    pir = _wr(cli, "export", inc, "--stdout", "--no-log")[0]
    _wr(cli, "export", inc)
    with open(state / "incident_log.csv", newline="") as f:
        row = list(csv.DictReader(f))[-1]
    return pir, row


def test_a_rollback_not_said_is_asked_of_a_human_not_written_as_no(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    pir, row = _resolved(tmp_path, capsys)
    assert "| **Rollback** | _Needs a human:_ whether a rollback was part of the fix (not said at resolve)" in pir
    assert "Rollback: no" not in pir and "| **Rollback** | no" not in pir
    assert row["Rollback?"] == ""


def test_a_rollback_said_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pir, row = _resolved(tmp_path / "yes", capsys, "--rollback")
    assert "| **Rollback** | yes `[#" in pir and row["Rollback?"] == "Yes"
    pir, row = _resolved(tmp_path / "no", capsys, "--no-rollback")
    assert "| **Rollback** | no `[#" in pir and row["Rollback?"] == "No"


UNDO_RUNBOOK = """+++
id = "RB-TEST-UNDO"
title = "Roll back (test)"
severity = "P3"
triggers = ["quota"]
+++

# Roll back (test)

## Mitigation

```bash {name="rollback" expect="rolled back"}
# Roll back the web deployment
kubectl rollout undo deployment/web -n prod
# Expected: rolled back
```
"""


def test_a_rollback_step_that_ran_ok_is_named_and_the_answer_stays_the_commanders(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """redteam39 F5: step 28 ``kubectl rollout undo`` ran ok and the PIR said "Rollback: no". The
    CLI names the step (as the dashboard's resolve dialog does) and records no answer for the
    commander: not said, asked of a human in the PIR, blank in the incident log."""
    import os

    from warroom.incident.go_opened import rollback_steps
    from warroom.incident.store import IncidentStore
    from warroom.config import Config

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kubectl").write_text('#!/bin/sh\necho "deployment.apps/web rolled back"\n')
    (bin_dir / "kubectl").chmod(0o755)
    (tmp_path / "rb.md").write_text(UNDO_RUNBOOK)
    state = tmp_path / "state"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")     # the step's kubectl is the fake
    cli = Cli(state, capsys)

    def wr(*argv: str) -> tuple[str, str]:
        return _wr(cli, *argv)

    inc = wr("new", "--title", "web down", "--severity", "P3", "--runbook", str(tmp_path / "rb.md"))[0].strip()
    wr("run", inc, "rollback", "--yes")
    resolved = wr("resolve", inc, "--summary", "web rolled back", "--yes")[1]
    assert "a rollback step ran ok: step 1 (Roll back the web deployment)" in resolved, resolved
    assert "--rollback or --no-rollback" in resolved
    pir = wr("export", inc, "--stdout", "--no-log")[0]
    assert "| **Rollback** | _Needs a human:_ whether a rollback was part of the fix" in pir
    assert "Rollback: no" not in pir and "| **Rollback** | no" not in pir
    wr("export", inc)
    with open(state / "incident_log.csv", newline="") as f:
        assert list(csv.DictReader(f))[-1]["Rollback?"] == ""
    cfg = Config()
    cfg.incident.state_dir = str(state)
    assert rollback_steps(IncidentStore(state, cfg).open(inc).state) == ["step 1 (Roll back the web deployment)"]
