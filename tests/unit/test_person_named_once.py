"""A person is recorded by one rule wherever a name is journaled: a verdict's ``by`` and a
declaration's commander go through ``roles.check_person`` as a role's person does.

Before: ``incident decide 1 --go --why x --by $'bob\\n## x'`` and ``incident new --commander
$'a\\nb'`` were journaled as typed (only a role refused it), and the drill report, a text the CLI
prints with its line breaks, then held a line of the decider's making: "GO at +1m40s drill time
by bob" / "## x, within its deadline (+15m00s drill time)."."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.incident_fixtures import FixedClock
from warroom.config import Config
from warroom.errors import WarroomError
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore
from warroom.runbook.library import RunbookLibrary

BAD_NAMES = ["bob\n## x", "bo\rb", "b\u202eob", "b\x1b[2Job", "bob\u2028x"]


def _declared(tmp_path: Path, **kw: str) -> object:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    path = RunbookLibrary.from_config(cfg).get("RB-LAUNCH-005").path
    return IncidentStore(tmp_path, cfg, clock=FixedClock()).create(title="flows failing", severity="P1",
                                                                   runbook=path, source={}, **kw)


class _Source:
    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        return [({}, 2.0)]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_verdict_by_a_name_holding_a_control_character_is_refused(tmp_path: Path, name: str) -> None:
    inc = _declared(tmp_path)
    [view] = dec.evaluate_all(inc, inc.refresh(), [inc.runbook()], _Source(), inc.clock())
    with pytest.raises(WarroomError, match="control character"):
        dec.record(inc, view, "GO", by=name, why="no root cause yet")
    assert inc.refresh().decisions == []
    event = dec.record(inc, view, "NO-GO", by=" @lee ", why="fix lands soon").event
    assert event.data["by"] == "lee"             # the same name a role would record


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_declaration_by_a_commander_holding_a_control_character_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(WarroomError, match="control character"):
        _declared(tmp_path, commander=name)
    assert not any(tmp_path.iterdir()) or not any(p.name.startswith("INC-") for p in tmp_path.iterdir())
    assert _declared(tmp_path, commander="@kim").state.commander == "kim"
