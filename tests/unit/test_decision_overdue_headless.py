"""A Go/No-Go deadline that passes with no verdict is on the record however the incident is
worked: resolving journals it (before the resolution), and every CLI command that brings the
journal up to date does (``incident show``), not only the dashboard's look and ``decide``.

Found by attack13e: a mass-failure drill worked headless (``incident new --drill``, notes,
``resolve``) 16 drill minutes in, past RB-LAUNCH-005's 15-minute deadline, had no
``decision.overdue`` and its PIR said nothing of the missed Go/No-Go. The clock is pinned
(``$WARROOM_DRILL_AT``): no wall time is read."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import subprocess_env, warroom_cmd
from tests.unit.standins_corpus import warmed
from warroom import scenario_time
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.store import IncidentStore

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC).timestamp()
SPEED = 60.0            # RB-LAUNCH-005's 15-minute deadline, 15 wall seconds, raised to 2 wall minutes (redteam41 G5)


def _declare(tmp: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    cfg = Config()
    cfg.incident.state_dir = str(tmp / "state")
    drill = warmed(create_drill(tmp / "state" / "drills", "mass-failure", speed=SPEED))
    inc = IncidentStore(tmp / "state", cfg).create(
        title="Flows failing across many repositories", severity="P1", runbook="RB-LAUNCH-005",
        drill={"scenario": "mass-failure", "speed": SPEED, "dir": str(drill.path)})
    return inc


def _types(inc) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.type for e in inc.read().events]


def test_resolving_past_the_deadline_puts_the_missed_go_no_go_on_the_record_and_in_the_pir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _declare(tmp_path, monkeypatch)
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 121))       # 2h01m of drill time: nobody looked
    inc.note("info", "looking at the failures")
    inc.resolve("flows pass again", rollback=False)
    types = _types(inc)
    assert "decision.overdue" in types
    assert types.index("decision.overdue") < types.index("incident.resolved")   # before it ended
    (overdue,) = inc.state.decisions_overdue
    assert overdue["id"] == "rollback-to-pilot" and overdue["runbook_id"] == "RB-LAUNCH-005"
    assert overdue["due_at"].startswith("2026-12-02T10:02:00")          # 2 wall minutes after detection
    pir = inc.render("pir")
    assert ("deadline 10:02:00 UTC (raised from the runbook's deadline, 15m00s drill time (15s wall), so the"
            " commander has time to decide) passed with no verdict") in pir


def test_resolving_before_the_deadline_records_no_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _declare(tmp_path, monkeypatch)
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 119))       # past the runbook's 15 drill minutes, not its floor
    inc.resolve("flows pass again", rollback=False)
    assert "decision.overdue" not in _types(inc)
    assert "passed with no verdict" not in inc.render("pir")


def test_incident_show_journals_the_missed_deadline_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inc = _declare(tmp_path, monkeypatch)
    env = subprocess_env(**{scenario_time.AT_ENV: repr(T0 + 121)})
    said = []
    for _ in range(2):
        proc = subprocess.run([*warroom_cmd(), "incident", "show", inc.id, "--json",
                               "--state-dir", str(tmp_path / "state")],
                              capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        json.loads(proc.stdout)
        said.append("Go/No-Go overdue: Roll back to the pilot repository (RB-LAUNCH-002)?" in proc.stderr)
    assert said == [True, False]                                   # said when journaled, once
    assert _types(IncidentStore(tmp_path / "state").open(inc.id)).count("decision.overdue") == 1
