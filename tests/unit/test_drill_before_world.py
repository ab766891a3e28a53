"""A drill's reading before its start says why it has no value (cycle-2).

Asked at a scenario time before the world's recorded history (a drill made under a later pin and
opened unpinned, evidence asked "as of" an earlier moment), every pane and criterion came back
value None with no error and read a bare "no data". The drill's source now says why: before its
world began (``DrillSource.unknown``: an error, as for a time after its now), or a query whose
window reaches past the world's beginning (``DrillSource.said``: a note beside "no data").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.config import default_slos
from warroom.drill.directory import create_drill
from warroom.drill.promql import PromQLError

T0 = 1_800_000_000.0
WORLD = "the drill's world is recorded from 2h00m00s before its start"


@pytest.fixture
def drill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(T0 + 600))
    return create_drill(tmp_path, "rate-limit", 10.0, start=T0)


def test_every_pane_ten_hours_before_the_start_says_why(drill) -> None:  # type: ignore[no-untyped-def]
    at = drill.wall_time(-36000.0)
    samples = drill.source().fetch(default_slos(), at=at)
    assert samples and all(s.value is None for s in samples)
    for s in samples:
        assert s.error == f"no data: 10h00m00s before the drill's start; {WORLD}", s
    assert drill.source().instant("quota", at=at).error == f"no data: 10h00m00s before the drill's start; {WORLD}"
    with pytest.raises(PromQLError, match="10h00m00s before the drill's start"):
        drill.source().query("flowengine_model_quota_used_ratio", at=at)


def test_a_window_reaching_past_the_world_s_beginning_says_so(drill) -> None:  # type: ignore[no-untyped-def]
    at = drill.wall_time(-1800.0)                     # inside the world, but the window is not
    got = drill.source().instant("sum(rate(flowengine_flow_executions_total[5m] offset 2h))", at=at)
    assert got.value is None and got.error is None
    assert got.note == f"no data: 30m00s before the drill's start; {WORLD}, and this query's window reaches further back"


def test_readings_in_the_world_are_unchanged(drill) -> None:  # type: ignore[no-untyped-def]
    for t in (-5400.0, -60.0, 300.0):
        samples = drill.source().fetch(default_slos(), at=drill.wall_time(t))
        assert all(s.error is None and s.note is None for s in samples if s.value is not None)
        assert any(s.value is not None for s in samples)
