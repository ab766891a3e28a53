"""A process that reads its drill's cache file goes on from the file's rows (proc57).

A stand-in or CLI process loads the drill's ``series.cache`` (the world up to its last save) and is then asked a row
past it: a drill at speed 1 moves a row every 5 s. The world before any action this process could lend
(``simulator._Before``) did not exist yet, so it was built and integrated **from row 0** to that row (~0.5-0.7 s of CPU
for every such process, in the tests and for users), instead of the loaded world integrating its one missing row.
Now a borrower that holds rows of its own takes only a world further on than them; the rows are the same either way.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.standins_corpus import WARM_UNTIL, warmed
from warroom.drill import simulator
from warroom.drill.directory import Drill, create_drill, open_drill
from warroom.drill.series import GRID


def _fresh_process(monkeypatch: pytest.MonkeyPatch) -> simulator._Before:
    """This process from now on as a stand-in's: no world before any action integrated in it yet."""
    before = simulator._Before()
    monkeypatch.setattr(simulator, "_before", before)
    return before


def _warm_drill(tmp_path: Path) -> Drill:
    """A drill with the cache file a drill in use has (the world before any action to ``WARM_UNTIL``)."""
    return warmed(create_drill(tmp_path, "rate-limit", speed=10.0, start=1_790_000_000.0, name="d"))


def test_a_row_past_the_cache_file_integrates_that_row_not_the_world_again(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    drill = _warm_drill(tmp_path)
    fresh_process = _fresh_process(monkeypatch)
    t = WARM_UNTIL + 3 * GRID                             # three rows past the file's last
    read = open_drill(drill.path).simulator
    value = read.refresh().value(("count",), t)
    assert fresh_process._worlds == {}, "a world was integrated from row 0 beside the cache file's"
    assert read._loaded_rows < read.refresh().rows <= read._loaded_rows + 3     # the rows past the file, no more

    scratch = simulator._Before()                           # the same rows from scratch, in another process
    assert scratch.lend(drill.scenario, read.refresh().rows - 1).value(("count",), t) == value


def test_a_world_further_on_in_this_process_is_still_lent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A dashboard that integrated the world before any action to 3 h lends its rows to a drill read from a file."""
    drill = _warm_drill(tmp_path)
    fresh_process = _fresh_process(monkeypatch)
    held = fresh_process.lend(drill.scenario, int((WARM_UNTIL + 3600.0 - drill.simulator.refresh().t0) // GRID))
    assert held is not None
    read = open_drill(drill.path).simulator
    read.refresh().value(("count",), WARM_UNTIL + 1800.0)
    assert fresh_process._worlds[drill.scenario.name][1] is held
