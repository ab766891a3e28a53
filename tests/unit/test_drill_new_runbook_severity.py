"""`incident new --drill X --runbook RB` takes the severity of the runbook picked, as the declare dialog
offers it (issue 13 item 3: "picking a runbook offers its severity").

The CLI pre-filled the scenario's severity whatever runbook was named: `--drill timeout --runbook
RB-LAUNCH-005` declared a P3 (the timeout scenario's, its RB-CORE-002's) worked with a P1 runbook,
where the dashboard's dialog offers P1 on picking it (redteam35). The scenario's severity belongs to
the scenario's runbook; a severity typed still wins, and a runbook that names none keeps the scenario's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")


@pytest.mark.parametrize(("argv", "severity", "runbook"), [
    (("--runbook", "RB-LAUNCH-005"), "P1", "RB-LAUNCH-005"),        # picked: its severity
    (("--runbook", "RB-LAUNCH-005", "--severity", "P4"), "P4", "RB-LAUNCH-005"),   # typed: it wins
    ((), "P3", "RB-CORE-002"),                                      # the scenario's own
])
def test_a_drill_declared_on_a_runbook_takes_that_runbooks_severity(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        argv: tuple[str, ...], severity: str, runbook: str) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WARROOM_DRILL_AT", "1796390000")
    cli = Cli(tmp_path / "state", capsys)
    code, out, err = cli("new", "--drill", "timeout", "--speed", "60", *argv)
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    code, out, err = cli("show", inc)
    assert code == 0, err
    head = out.splitlines()
    assert head[0].split()[1] == severity, head[0]
    assert any(line.startswith(f"runbook {runbook} ") for line in head), head[:4]
