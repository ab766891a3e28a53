"""A new drill's world integrated by a child process while the dashboard starts (``tui.drill_warmup``):
the panes read from its cache are exactly what the dashboard's own integration gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.config import default_slos

directory = pytest.importorskip("warroom.drill.directory")
from warroom.drill.simulator import SERIES_CACHE  # noqa: E402

from tui import drill_warmup  # noqa: E402


def test_the_child_leaves_an_integration_that_gives_the_same_panes(tmp_path: Path) -> None:
    drill = directory.create_drill(tmp_path / "state", "rate-limit")
    cache = drill.path / SERIES_CACHE
    wait = drill_warmup.start(drill.path, cache)
    assert wait is not None
    wait()
    assert cache.is_file()
    assert drill_warmup.start(drill.path, cache) is None       # cached already: no second child

    slos = default_slos()
    at = drill.wall_time(drill.scenario_time())                  # the drill's "now", fixed
    from_cache = directory.open_drill(drill.path, wrappers=False).source(slos).fetch(slos, at=at)
    cache.unlink()
    integrated = directory.open_drill(drill.path, wrappers=False).source(slos).fetch(slos, at=at)
    for a, b in zip(from_cache, integrated, strict=True):
        assert (a.slo_id, a.value, a.series, a.note, a.error) == (b.slo_id, b.value, b.series, b.note, b.error)


def test_a_failed_child_leaves_the_poll_to_integrate(tmp_path: Path) -> None:
    missing = tmp_path / "no-drill-here"
    wait = drill_warmup.start(missing, missing / SERIES_CACHE)
    assert wait is not None
    wait()                                                       # returns; nothing was written
    assert not (missing / SERIES_CACHE).exists()
