"""A drill incident's commands reach only the drill's stand-ins, from the dashboard or headless."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import warmed
from warroom.drill.directory import create_drill
from warroom.errors import WarroomError
from warroom.incident.store import IncidentStore

RUNBOOK = """+++
id = "RB-TEST-DRILL"
title = "Drill probe"
severity = "P3"
+++

# Drill probe

## Triage

```bash
# List the pods
kubectl get pods -n production
```

```promql
100 * max(flowengine_model_quota_used_ratio)
```
"""


@pytest.fixture
def runbook(tmp_path: Path) -> Path:
    p = tmp_path / "probe.md"
    p.write_text(RUNBOOK)
    return p


def _main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``warroom ARGV`` in-process (the CLI's own ``main``): what is tested is where a drill incident's step gets its
    answer, not the process boundary (each call was an interpreter of its own); the step is still a real process.
    (exit code, stdout, stderr), no traceback."""
    from tui.cli import main

    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_headless_run_of_a_drill_incident_uses_the_stand_ins(tmp_path: Path, runbook: Path,
                                                              capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    drill = warmed(create_drill(state / "drills", "rate-limit", speed=60))
    inc = IncidentStore(state).create(
        title="Quota drill", severity="P3", runbook=runbook,
        drill={"scenario": "rate-limit", "speed": 60, "dir": str(drill.path)})
    # A PATH without any real kubectl: only the stand-in can answer.
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    code, out, err = _main(capsys, "incident", "run", inc.id, "1", "--state-dir", str(state))
    assert code == 0, err
    assert "flowengine" in out          # the drill cluster's pods
    assert "Running" in out


def test_drill_incident_without_its_drill_dir_runs_nothing(tmp_path: Path, runbook: Path) -> None:
    state = tmp_path / "state"
    inc = IncidentStore(state).create(title="Orphan drill", severity="P3", runbook=runbook,
                                      drill={"scenario": "rate-limit", "speed": 1})
    prepared = inc.prepare_step("1", {})
    with pytest.raises(WarroomError, match="is a drill incident but its drill directory"):
        inc.run_step(prepared)
    assert not any((inc.dir / "outputs").glob("*.log"))
    assert all(e.type != "step.started" for e in inc.read().events)


def test_headless_promql_step_of_a_drill_queries_the_simulator(tmp_path: Path, runbook: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    drill = warmed(create_drill(state / "drills", "rate-limit", speed=60))
    inc = IncidentStore(state).create(
        title="Quota drill", severity="P3", runbook=runbook,
        drill={"scenario": "rate-limit", "speed": 60, "dir": str(drill.path)})
    # A configured Prometheus that does not exist: the drill must not reach for it.
    cfg = tmp_path / "config.toml"
    cfg.write_text('[prometheus]\nurl = "http://127.0.0.1:9"\ntimeout = "200ms"\n')
    code, out, err = _main(capsys, "--config", str(cfg), "incident", "run", inc.id, "2", "--state-dir", str(state))
    assert code == 0, err
    value = float(out.split()[-1])
    want = drill.source([]).instant("100 * max(flowengine_model_quota_used_ratio)").value
    assert value == pytest.approx(want, rel=0.05)


def test_a_promql_step_never_goes_to_a_shell(tmp_path: Path, runbook: Path) -> None:
    inc = IncidentStore(tmp_path / "state").create(title="Probe", severity="P3", runbook=runbook)
    with pytest.raises(WarroomError, match="runs in-process"):
        inc.run_step(inc.prepare_step("2", {}))
