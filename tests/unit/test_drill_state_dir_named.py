"""The drills' store a command names (``--state-dir <state>/drills``, from the quit dialog, ``incident
list`` and every resume line) is the store the drill commands use, never a state dir nested inside it;
and one id names one incident across a state dir and its drills' store (redteam37 F10: ``incident
new --drill … --state-dir …/drills`` put its world in ``…/drills/drills/drills``, where ``warroom drill``
never looked; and ``incident new --drill`` numbered INC-…-1 among the real incidents while the
dashboard's drills already had their own INC-…-1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.launch import drill_context
from warroom.config import Config
from warroom.incident.store import IncidentStore

# no dashboard polls these launches, so no tui.drill_warmup child integrates their worlds (conftest)
pytestmark = pytest.mark.usefixtures("no_warmup_child")


def _cfg(state: Path) -> Config:
    cfg = Config()
    cfg.incident.state_dir = str(state)
    return cfg


def _new(capsys, *args: str) -> str:
    from tui.cli import main

    assert main(["incident", "new", *args]) == 0
    return capsys.readouterr().out.split()[0]


def test_incident_new_in_the_drills_store_it_was_named_is_the_drill_warroom_drill_continues(
        tmp_path: Path, capsys) -> None:
    state = tmp_path / "state"
    named = state / "drills"            # what `warroom resume ID --state-dir …/drills` names
    inc_id = _new(capsys, "--drill", "timeout", "--speed", "20", "--state-dir", str(named))
    inc = IncidentStore(named, Config()).open(inc_id)
    world = Path(inc.state.drill["dir"])
    assert world.parent == named / "drills"          # the drills' worlds, not …/drills/drills/drills
    assert not (named / "drills" / "drills").exists()
    ctx = drill_context(_cfg(state), "timeout", None)       # `warroom drill timeout`
    assert ctx.drill.extra["drill"].path == world and "continuing" in (ctx.drill.notice or "")
    assert Path(ctx.config.state_dir()) == named


def test_warroom_drill_given_the_drills_store_uses_it_as_it_is(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = drill_context(_cfg(state), "rate-limit", 10.0)
    again = drill_context(_cfg(state / "drills"), "rate-limit", None)    # --state-dir …/drills
    assert again.drill.extra["drill"].path == first.drill.extra["drill"].path
    assert Path(again.config.state_dir()) == Path(first.config.state_dir()) == state / "drills"


def test_one_id_names_one_incident_across_a_state_dir_and_its_drills(tmp_path: Path, capsys) -> None:
    state = tmp_path / "state"
    ctx = drill_context(_cfg(state), "rate-limit", 10.0)       # the dashboard's drill: INC-…-1 in drills/
    drilled = IncidentStore(ctx.config.state_dir(), ctx.config).create(
        title="quota climbing", severity="P2", runbook=None, source={},
        drill={"scenario": "rate-limit", "speed": 10.0, "dir": str(ctx.drill.extra["drill"].path)})
    headless = _new(capsys, "--drill", "mass-failure", "--speed", "60", "--state-dir", str(state))
    real = IncidentStore(state, Config()).create(title="checkout 5xx", severity="P1", runbook=None, source={})
    again = IncidentStore(state / "drills", Config()).create(title="second drill", severity="P3", runbook=None,
                                                              source={})
    ids = [drilled.id, headless, real.id, again.id]
    assert len(set(ids)) == 4, ids
    # one sequence for the pair, a day's: [1, 2, 3, 4], or [1, 1, 2, 3] when the test runs across midnight
    # UTC after the first (INC-<day>-N starts again at 1 on the next day)
    days = [i.rsplit("-", 2)[1] for i in ids]
    assert [int(i.rsplit("-", 1)[1]) for i in ids] == [days[:k].count(day) + 1 for k, day in enumerate(days)], ids


def test_show_and_list_given_the_drills_store_reach_its_state_dirs_incidents(
        capsys: pytest.CaptureFixture[str]) -> None:
    """`--state-dir …/drills` (the store a resume line names) is one of a pair that numbers one id
    sequence: `incident show ID` of a real incident there said "not found", and `incident list`
    showed the drills alone. Both look in the neighbour now, as `warroom resume` does."""
    from tui.cli import main

    cfg = Config()
    state = cfg.state_dir()
    real = IncidentStore(state, cfg).create(title="Checkout 5xx climbing", severity="P2")
    drill = IncidentStore(state / "drills", cfg).create(
        title="Quota climbing", severity="P3", drill={"scenario": "rate-limit", "speed": 60.0, "dir": "/nowhere"})
    capsys.readouterr()
    store = str(state / "drills")
    assert main(["incident", "show", real.id, "--state-dir", store]) == 0
    out, err = capsys.readouterr()
    assert "Checkout 5xx climbing" in out and f"{real.id} is an incident under {state}" in err, (out, err)
    assert main(["incident", "list", "--state-dir", store]) == 0
    out, _ = capsys.readouterr()
    assert real.id in out and drill.id in out and f"incidents in {state} (" in out, out
    assert out.index(drill.id) < out.index(real.id)           # the store typed first, its neighbour after
    assert main(["incident", "show", drill.id]) == 0          # and from the state dir, as before
    out, err = capsys.readouterr()
    assert "Quota climbing" in out and err.count("is a drill incident under") == 1, err   # once (redteam41 X5)
