"""``--new`` over a drill whose incident is still open names the exact command back to it (found
by attack13e: `warroom drill timeout --new --state-dir S` said "INC-… still open: `warroom resume
INC-…`", which, pasted, looked in the default state dir: "no incident 'INC-…' in
~/.local/state/warroom/incidents"). The command names the drills' state dir, and the global
options typed (``--config``), like the quit dialog's."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from warroom import scenario_time
from warroom.config import Config
from warroom.drill.directory import choose_drill
from warroom.incident.store import IncidentStore


def _open_incident_on_a_drill(base: Path) -> str:
    first = choose_drill(base / "drills", "timeout", 10.0).drill
    cfg = Config()
    cfg.incident.state_dir = str(base / "drills")
    inc = IncidentStore(base / "drills", cfg).create(
        title="p95 above 2 minutes", severity="P3", source={},
        drill={"scenario": "timeout", "speed": 10.0, "dir": str(first.path)})
    first.attach_incident(inc.id)
    return inc.id


def _command_in(notice: str) -> list[str]:
    return shlex.split(notice.split("still open: `", 1)[1].split("`", 1)[0])


def test_the_notice_names_the_state_dir_that_holds_the_incident(tmp_path: Path) -> None:
    inc_id = _open_incident_on_a_drill(tmp_path / "state")
    notice = choose_drill(tmp_path / "state" / "drills", "timeout", 10.0, new=True).notice or ""
    cmd = _command_in(notice)
    assert cmd[:3] == ["warroom", "resume", inc_id]
    where = Path(cmd[cmd.index("--state-dir") + 1])
    cfg = Config()
    cfg.incident.state_dir = str(where)
    assert IncidentStore(where, cfg).open(inc_id, work=False).state.title == "p95 above 2 minutes"


def test_the_dashboards_drill_names_the_global_options_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.launch import drill_context

    base = tmp_path / "state"
    inc_id = _open_incident_on_a_drill(base)
    scenario_time.forget_work()
    cfg = Config()
    cfg.incident.state_dir = str(base)
    ctx = drill_context(cfg, "timeout", 10.0, new=True, options=["--config", "/etc/warroom/team.toml"])
    assert ctx.drill is not None and ctx.drill.notice is not None
    assert _command_in(ctx.drill.notice) == ["warroom", "resume", inc_id, "--state-dir",
                                             str((base / "drills").resolve()), "--config", "/etc/warroom/team.toml"]
