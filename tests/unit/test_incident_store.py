"""IncidentStore: ids, permissions, concurrent creation, finding incidents."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from warroom.errors import NotFoundError, WarroomError
from warroom.incident.store import IncidentStore
from tests.unit.incident_fixtures import Clock, install_fake_runbook


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_ids_increment_per_day_and_modes_are_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    store = IncidentStore(tmp_path / "state", clock=Clock())
    a = store.create(title="one", severity="P2", runbook="RB-TEST-001")
    b = store.create(title="two", severity="P4")
    assert (a.id, b.id) == ("INC-20261122-1", "INC-20261122-2")
    for d in (store.root, a.dir, a.outputs_dir):
        assert _mode(d) == 0o700, d
    for f in (a.journal.path, a.dir / "runbook.md", a.dir / "journal.head"):
        assert _mode(f) == 0o600, f
    assert a.state.runbook and a.state.runbook["id"] == "RB-TEST-001"
    assert a.state.runbook["snapshot"] == "runbook.md"
    assert [s.id for s in store.list()] == [a.id, b.id]


def test_open_unknown_names_close_matches_and_short_forms_work(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "state", clock=Clock())
    inc = store.create(title="one", severity="P2")
    with pytest.raises(NotFoundError) as err:
        store.open("INC-20261122-7")
    assert "INC-20261122-1" in str(err.value) and err.value.exit_code == 4
    assert store.open("1").id == inc.id  # unique suffix
    assert store.open("20261122-1").id == inc.id


def test_open_incidents_excludes_resolved(tmp_path: Path) -> None:
    store = IncidentStore(tmp_path / "state", clock=Clock())
    a = store.create(title="one", severity="P2")
    b = store.create(title="two", severity="P3")
    a.resolve("fixed")
    assert [s.id for s in store.open_incidents()] == [b.id]


def test_bad_declarations_leave_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    store = IncidentStore(tmp_path / "state", clock=Clock())
    with pytest.raises(NotFoundError):
        store.create(title="x", severity="P2", runbook="RB-NOPE")
    with pytest.raises(WarroomError):
        store.create(title="x", severity="P9")
    with pytest.raises(WarroomError):
        store.create(title="  ", severity="P1")
    assert store.ids() == []
    assert not any(store.root.iterdir()) if store.root.exists() else True


CREATOR = r"""
import sys
from warroom.incident.store import IncidentStore
store = IncidentStore(sys.argv[1])
ids = [store.create(title=f"{sys.argv[2]}-{i}", severity="P3").id for i in range(10)]
print(" ".join(ids))
"""


def test_two_processes_creating_at_once_get_distinct_ids(tmp_path: Path) -> None:
    state = tmp_path / "state"
    procs = [subprocess.Popen([sys.executable, "-c", CREATOR, str(state), name], env=subprocess_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in "ab"]
    ids: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        ids.extend(out.split())
    assert len(ids) == 20 and len(set(ids)) == 20
    store = IncidentStore(state)
    assert sorted(store.ids()) == sorted(ids)
    assert all(len(store.open(i).state.timeline) == 1 for i in ids)


def test_read_only_state_dir_is_a_clear_error(tmp_path: Path) -> None:
    if not hasattr(sys, "getuid") or __import__("os").getuid() == 0:
        ro = tmp_path / "file-not-dir"
        ro.write_text("x")  # root ignores permissions: use a path that cannot become a directory
        store = IncidentStore(ro)
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        store = IncidentStore(ro)
    with pytest.raises(WarroomError) as err:
        store.create(title="x", severity="P2")
    assert "cannot create" in str(err.value)
    assert err.value.exit_code == 6
