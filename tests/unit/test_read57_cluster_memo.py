"""The stand-ins' estate (``Context.cluster``) is built once per world and moment for the commands that read it, and
never handed on once a command changed it in place (``Context.apply``)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from warroom.drill import fleet
from warroom.drill.cluster import Cluster
from warroom.drill.directory import create_drill
from warroom.drill.standins import base
from warroom.drill.standins.base import Context

START = 1_790_000_000.0


def test_one_estate_per_world_and_moment_and_none_after_a_change(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Cluster] = []
    real = base.build_cluster

    def counted(*args: object, **kwargs: object) -> Cluster:
        built.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return built[-1]
    monkeypatch.setattr(base, "build_cluster", counted)
    drill = create_drill(tmp_path, "rate-limit", speed=10.0, start=START, name="memo")

    def ctx(t: float) -> Context:
        return Context("kubectl", [], drill, at=drill.wall_time(t), stdout=io.StringIO(), stderr=io.StringIO())

    first = ctx(60.0)
    estate = first.cluster
    assert ctx(60.0).cluster is estate and len(built) == 1         # the same world, moment and record: read again
    assert ctx(75.0).cluster is not estate and len(built) == 2     # another moment: its own
    replicas = estate.deployments[fleet.DEPLOYMENT].replicas
    first.apply("scale_to", deployment=fleet.DEPLOYMENT, replicas=replicas + 1)
    assert estate.deployments[fleet.DEPLOYMENT].replicas == replicas + 1           # changed in place, as before
    again = ctx(60.0).cluster
    assert again is not estate and len(built) == 3                 # a new record: built afresh, not the changed one
    assert again.deployments[fleet.DEPLOYMENT].replicas == replicas + 1
    assert 60.0 not in base._BUILT[first.signals]                  # the old world's entry went with the change
    assert all(hit[2] is not estate for memo in base._BUILT.values() for hit in memo.values())


def test_a_change_no_record_holds_is_never_handed_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A command whose action could not be recorded (a full disk) changed the estate in place: the next command at
    that moment must read the estate the record makes, not that change (audit57 F7: 1 replica of 5)."""
    from warroom.errors import WarroomError

    drill = create_drill(tmp_path, "rate-limit", speed=10.0, start=START, name="unrecorded")

    def ctx() -> Context:
        return Context("kubectl", [], drill, at=drill.wall_time(300.0), stdout=io.StringIO(), stderr=io.StringIO())

    def full(*_args: object, **_kwargs: object) -> None:
        raise WarroomError("disk full")

    with monkeypatch.context() as m:
        m.setattr(base, "append_actions", full)
        with pytest.raises(WarroomError):
            ctx().apply("scale_to", deployment=fleet.DEPLOYMENT, replicas=1)
    assert drill.actions() == []
    assert ctx().cluster.deployments[fleet.DEPLOYMENT].replicas == fleet.REPLICAS
