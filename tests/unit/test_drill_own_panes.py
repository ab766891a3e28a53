"""A simulated drill reads its world on the world's own panes, whatever ``[[slo]]`` the config sets
(redteam31-6). A drill runs with the team's config (``make demo`` reads the default one): with the
team's own panes the dashboard drew only them, each "unknown metric 'http_requests_total' in the
drill", and the quota climbing towards 80% was on no pane; headless, resolve's concerns and the PIR
saw nothing of the scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.cli import main
from tui.launch import drill_context
from warroom.cli.common import config_from_args
from warroom.config import default_slos
from warroom.incident.store import IncidentStore

TEAM = '''[[slo]]
id = "checkout_errors"
title = "Checkout error rate"
query = "100 * sum(rate(http_requests_total{job=\\"checkout\\",code=~\\"5..\\"}[5m])) / sum(rate(http_requests_total[5m]))"
unit = "percent"
warn = 1
crit = 2
'''


@pytest.fixture
def team_config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(TEAM, encoding="utf-8")
    return path


def test_the_dashboard_drill_shows_the_worlds_panes(tmp_path: Path, team_config: Path) -> None:
    import argparse

    cfg = config_from_args(argparse.Namespace(config=str(team_config), state_dir=str(tmp_path / "state")))
    assert [s.id for s in cfg.slo] == ["checkout_errors"]
    ctx = drill_context(cfg, "rate-limit", 30.0)
    assert [s.id for s in ctx.config.slo] == [s.id for s in default_slos()]
    drill = ctx.drill.extra["drill"]
    quota = next(s for s in ctx.source.fetch(ctx.config.slo, at=drill.start) if s.slo_id == "quota")
    assert quota.error is None and quota.value is not None


def test_a_headless_drill_incident_is_judged_on_the_worlds_panes(tmp_path: Path, team_config: Path,
                                                                 monkeypatch, capsys) -> None:
    opts = ["--config", str(team_config), "--state-dir", str(tmp_path / "state")]
    monkeypatch.setenv("WARROOM_DRILL_AT", "1796360000")
    assert main([*opts, "incident", "new", "--drill", "rate-limit", "--speed", "10"]) == 0
    inc = capsys.readouterr().out.strip()
    monkeypatch.setenv("WARROOM_DRILL_AT", "1796360060")
    assert main([*opts, "incident", "resolve", inc, "--summary", "breaker on"]) != 0     # the concerns first
    assert "Model API quota used is still critical" in capsys.readouterr().err
    breached = [b["slo_id"] for b in IncidentStore(tmp_path / "state").open(inc).state.breaches]
    assert "quota" in breached and "checkout_errors" not in breached
