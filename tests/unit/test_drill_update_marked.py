"""A drill incident's stakeholder update goes out marked DRILL, whatever was typed (redteam31-4).

A drill runs with the team's own config, ``[webhook]`` included: the dashboard's draft began with
"DRILL", but an edit took it off, and ``incident update --post`` sent the typed text as it was, so a
drill's "P1 flows failing across many repositories" reached the team's channel as a real outage."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.integration.sources_http import FakeHTTP, Reply, Request
from tui.cli import main
from warroom.incident.cadence import drill_marked
from warroom.incident.store import IncidentStore


@pytest.mark.parametrize("drill, text, sent", [
    ({"scenario": "mass-failure"}, "P1 flows failing", "DRILL P1 flows failing"),
    ({"scenario": "mass-failure"}, "DRILL [P1] flows failing", "DRILL [P1] flows failing"),
    ({"replay": "INC-20261201-1"}, "rehearsing", "DRILL rehearsing"),
    ({"scenario": "rate-limit"}, "DRILLDOWN: quota at 82%", "DRILL DRILLDOWN: quota at 82%"),
    (None, "P1 flows failing", "P1 flows failing"),
])
def test_the_mark_is_added_to_a_drill_update_only(drill: dict | None, text: str, sent: str) -> None:
    assert drill_marked(SimpleNamespace(drill=drill), text) == sent


def test_incident_update_post_of_a_drill_incident_sends_and_journals_it_marked(tmp_path: Path, capsys) -> None:
    got: list[dict] = []

    def hook(req: Request) -> Reply:
        got.append(req.json())
        return Reply(200, "ok")

    with FakeHTTP(hook) as fake:
        config = tmp_path / "config.toml"
        config.write_text(f'[webhook]\nurl = "{fake.url}/services/T/B/X"\n', encoding="utf-8")
        state = tmp_path / "state"
        opts = ["--config", str(config), "--state-dir", str(state)]
        drill = IncidentStore(state).create(title="Flows failing", severity="P1", runbook=None,
                                            drill={"scenario": "mass-failure", "speed": 10.0, "dir": str(tmp_path / "d")})
        real = IncidentStore(state).create(title="Flows failing", severity="P1", runbook=None)
        for inc in (drill, real):
            assert main([*opts, "incident", "update", "--post", inc.id, "P1 flows failing; investigating"]) == 0
    assert [g["text"] for g in got] == ["DRILL P1 flows failing; investigating", "P1 flows failing; investigating"]
    journaled = [IncidentStore(state).open(i.id).state.status_updates[-1].text for i in (drill, real)]
    assert journaled == [g["text"] for g in got]
