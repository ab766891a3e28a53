"""redteam48 F6: a drill whose incident was worked on the shared store was "continued" by the next plain `warroom
drill timeout` run without that store, as if never finished; a second, local incident took over the same world, and
the first incident's finished report changed with the second's commands. The drill recorded its incident by id only,
and this state dir had an unrelated incident of the same id (another drill's), so looked up here it read as open.

A drill records where its incident lives when that is a shared store, so a launch that cannot see the incident
neither continues the drill nor ties a second incident to it, and says why."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Clock
from tui.launch import _incident_lost, drill_ended
from warroom.config import Config
from warroom.drill.directory import choose_drill, create_drill, open_drill
from warroom.incident.store import IncidentStore
from warroom.paths import drills_store

pytestmark = pytest.mark.usefixtures("no_warmup_child")

START = 1_800_000_000.0
SHARED = "the shared store 127.0.0.1:5432/warroom"


def test_a_drill_whose_incident_lives_on_a_store_not_read_here_is_neither_continued_nor_declared_on(
        tmp_path: Path) -> None:
    home = tmp_path / "state"
    cfg = Config()
    cfg.incident.state_dir = str(home)
    root = drills_store(home)
    # an unrelated incident of the same id in this state dir, another drill's (ids are numbered per store)
    other = create_drill(root, "mass-failure", 10.0, start=START)
    local = IncidentStore(home, cfg, clock=Clock(datetime.fromtimestamp(START, UTC), step=0.0)).create(
        title="Flows failing", severity="P1", drill={"scenario": "mass-failure", "speed": 10.0, "dir": str(other.path)})
    other.attach_incident(local.id)
    d = choose_drill(root, "timeout", 10.0).drill
    d.attach_incident(local.id, SHARED)        # declared on the shared store, where its id is the same
    assert open_drill(d.path, wrappers=False).incident_store == SHARED
    lost = _incident_lost(cfg, home, d)
    assert lost == f"the timeout drill {d.name} is {local.id}'s, on {SHARED}", lost
    refused = drill_ended(cfg, home, d)
    assert refused is not None and SHARED in refused and "does not read" in refused and "--new" in refused, refused
    nxt = choose_drill(root, "timeout", 10.0, incident_lost=partial(_incident_lost, cfg, home))
    assert not nxt.resumed and nxt.drill.path != d.path, nxt
    assert f"{lost}: it is not continued here; new timeout drill" in (nxt.notice or ""), nxt.notice
    # a drill whose incident is found here is continued as before
    assert _incident_lost(cfg, home, other) is None
