"""A drill incident's row never lands in the incident log (redteam31-5).

``incident new --drill`` keeps its incident in the state dir itself, and a configured
``incident.incident_log`` is one file for every state dir: a mass-failure drill's export appended
"INC-…,P1,…" to the team's incident log, beside the real incidents it counts, with nothing saying it
was a drill. A drill's row goes to ``drill_log.csv`` in the state dir; ``verify`` reads it there."""

from __future__ import annotations

import csv
from pathlib import Path

from tui.cli import main
from warroom.drill.directory import create_drill
from warroom.incident.store import IncidentStore


def test_a_drill_exports_to_the_drill_log_and_a_real_incident_to_the_configured_log(tmp_path: Path, capsys) -> None:
    team_log = tmp_path / "team" / "incident_log.csv"
    config = tmp_path / "config.toml"
    config.write_text(f'[incident]\nincident_log = "{team_log}"\n', encoding="utf-8")
    state = tmp_path / "state"
    opts = ["--config", str(config), "--state-dir", str(state)]
    drill = create_drill(state / "drills", "mass-failure", 10.0)
    store = IncidentStore(state)
    drilled = store.create(title="Flows failing", severity="P1", runbook=None,
                           drill={"scenario": "mass-failure", "speed": 10.0, "dir": str(drill.path)})
    real = store.create(title="Flows failing", severity="P1", runbook=None)
    for inc in (drilled, real):
        assert main([*opts, "incident", "resolve", inc.id, "--summary", "rolled back", "--yes"]) == 0
        assert main([*opts, "incident", "export", inc.id]) == 0
    said = capsys.readouterr().out
    assert f"incident log {state / 'drill_log.csv'}: row appended" in said
    with open(team_log, newline="") as f:
        assert [r["Incident ID"] for r in csv.DictReader(f)] == [real.id]
    with open(state / "drill_log.csv", newline="") as f:
        assert [r["Incident ID"] for r in csv.DictReader(f)] == [drilled.id]
    assert not (state / "incident_log.csv").exists()
    heads = []
    for inc in (drilled, real):     # verify reads the drill's row where export wrote it: as many heads as the real one's
        assert main([*opts, "incident", "verify", inc.id]) == 0
        heads += [line for line in capsys.readouterr().out.splitlines() if "head(s) recorded in exports" in line]
    assert len(heads) == 2 and heads[0] == heads[1] and heads[0].startswith("proved: 3 head(s)"), heads
