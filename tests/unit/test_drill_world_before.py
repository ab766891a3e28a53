"""The in-process world before any action (``simulator._Before``): each world of a scenario takes its rows before its
first action from it, the same to the bit as integrating them, and only while the worlds' code is as imported — a
test that patches the model gets its patched world, and leaves none behind for the next."""

from __future__ import annotations

import pytest

from warroom.drill import autoscale, fleet, simulator
from warroom.drill.actions import Action
from warroom.drill.model import Signals
from warroom.drill.scenarios import get_scenario
from warroom.drill.series import Series
from warroom.drill.simulator import Simulator

UNTIL = -6000.0             # 240 rows of the history: each world here integrates a few hundred rows at most
KEY = ("exec", fleet.REPOS[0].name)


def _rows(series: Series) -> bytes:
    return b"".join(series._chunk(c).tobytes() for c in range((series.rows + series.CHUNK - 1) // series.CHUNK))


def _fresh(scenario: str, actions: tuple[Action, ...], until: float = UNTIL) -> Series:
    """A world integrating every row itself (no donor): what every world did before."""
    series = Series(Signals(get_scenario(scenario), actions))
    series.value(KEY, until)
    return series


def _world(scenario: str, actions: tuple[Action, ...], until: float = UNTIL) -> Series:
    sim = Simulator(get_scenario(scenario), lambda: list(actions), ids="another drill's")
    sim.refresh().value(KEY, until)
    return sim.refresh()


def test_a_world_takes_its_rows_before_its_first_action_from_the_world_before_any() -> None:
    first = _world("timeout", ())
    before = simulator._before._worlds["timeout"][1]
    acts = (Action("scale", -6500.0, detail={"replicas": 2}), Action("context_pruning", -6300.0))
    second = _world("timeout", acts)
    assert second._starts[0] is before._starts[0]            # lent, not integrated again
    assert first._starts[0] is before._starts[0]
    assert second.rows == first.rows == _fresh("timeout", acts).rows     # as many rows as integrating them made
    assert _rows(second) == _rows(_fresh("timeout", acts))               # the same to the bit, after the actions too
    assert _rows(first) == _rows(_fresh("timeout", ()))


def test_a_patched_model_gets_its_patched_world_and_leaves_none(monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = _rows(_world("rate-limit", ()))
    held = simulator._before._worlds["rate-limit"][1]
    rows = held.rows
    monkeypatch.setattr(fleet, "BASE_FAILURE", 0.25)         # a module-level value the rates read
    patched = _world("rate-limit", (), UNTIL + 300.0)
    assert not simulator._as_shipped()
    assert patched._starts[0] is not held._starts[0]
    assert _rows(patched) == _rows(_fresh("rate-limit", (), UNTIL + 300.0)) != shipped[:len(_rows(patched))]
    assert held.rows == rows and simulator._before._worlds["rate-limit"][1] is held     # nothing written under it
    monkeypatch.undo()
    assert simulator._as_shipped()
    assert _world("rate-limit", ())._starts[0] is held._starts[0]       # lent again once the code is as imported


@pytest.mark.parametrize("patch", ["setitem", "class", "new name"])
def test_every_kind_of_patch_turns_the_lending_off(monkeypatch: pytest.MonkeyPatch, patch: str) -> None:
    assert simulator._as_shipped()
    if patch == "setitem":              # a container's contents (no identity changes)
        monkeypatch.setitem(autoscale.IDLE, "flowengine", 1.0)
    elif patch == "class":              # a method of a class the integration runs
        monkeypatch.setattr(Signals, "fails", lambda self, repo, t: (0.5, 0.0))
    else:                               # a name added to a module
        monkeypatch.setattr(fleet, "EXTRA", 1.0, raising=False)
    assert not simulator._as_shipped()
    assert simulator._before.lend(get_scenario("audit-gap"), 3) is None
    monkeypatch.undo()
    assert simulator._as_shipped()
