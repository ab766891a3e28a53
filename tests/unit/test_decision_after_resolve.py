"""A resolved incident's decision is judged as it stood at the resolution: time since detection
stops there (as the escalation does), metrics are read at that instant, and `incident decide`
says so; a verdict is refused until it is reopened.

Before: judged at the look's now, so 30 minutes after a resolution at minute 20 RB-LAUNCH-005's
"Root cause still unknown after 15 minutes of investigation" read "no root-cause note after 50m",
an investigation that never ran that long, and its metrics were read after the response ended."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import FixedClock
from warroom.config import Config
from warroom.errors import WarroomError
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.runbook.library import RunbookLibrary


class _Source:
    def __init__(self) -> None:
        self.at: list[float | None] = []

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        self.at.append(at)
        return [({}, 2.0)]


def test_a_resolved_incident_is_judged_at_its_resolution(tmp_path: Path) -> None:
    clock = FixedClock()
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    path = RunbookLibrary.from_config(cfg).get("RB-LAUNCH-005").path
    inc = IncidentStore(tmp_path, cfg, clock=clock).create(title="flows failing", severity="P1", runbook=path,
                                                           source={})
    clock.advance(20 * 60)
    resolved = inc.resolve("fixed", rollback=False).ts
    clock.advance(30 * 60)
    src = _Source()
    [view] = dec.evaluate_all(inc, inc.refresh(), [inc.runbook()], src, clock())
    assert view.judged_at == resolved
    assert src.at and set(src.at) == {resolved.timestamp()}
    said = {c.text: c.evidence for c in view.criteria}
    assert said["Root cause still unknown after 15 minutes of investigation"] == "no root-cause note after 20m00s"
    assert not view.overdue
    with pytest.raises(WarroomError, match="reopen it first"):
        dec.record(inc, view, "GO", by="lee", why="late")
    inc.reopen("back")
    [again] = dec.evaluate_all(inc, inc.refresh(), [inc.runbook()], src, clock())
    assert again.judged_at == clock()                 # open again: judged now


def test_incident_decide_says_a_resolved_incident_is_judged_at_its_resolution(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.incident_fixtures import Cli

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("WARROOM_DRILL_AT", raising=False)
    clock = FixedClock()
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    path = RunbookLibrary.from_config(cfg).get("RB-LAUNCH-005").path
    inc = IncidentStore(tmp_path, cfg, clock=clock).create(title="flows failing", severity="P1", runbook=path,
                                                           source={})
    clock.advance(20 * 60)
    resolved = inc.resolve("fixed", rollback=False).ts
    code, out, err = Cli(tmp_path, capsys)("decide", inc.id)
    assert code == 0, err
    assert out.splitlines()[0] == (f"resolved: judged as it stood at the resolution, {resolved:%H:%M:%S} UTC; a verdict"
                                   f" needs `warroom incident reopen {inc.id} --reason R` first")
    assert "no root-cause note after 20m00s" in out
