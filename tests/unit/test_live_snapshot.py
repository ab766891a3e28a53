"""A snapshot's contents and its seq are of the same moment, whatever other threads fold in.

The incident's state object is shared: a step follower's ``refresh`` (or any append) folds new
events into it from another thread. ``LiveIncident.snapshot`` caches by seq, so a copy labelled
with a seq newer than its contents was kept for as long as the journal stayed still: on CI the
dashboard showed a step "running" for good after its ``step.finished`` was journaled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import install_fake_runbook
from warroom.config import Config
from warroom.incident.live import LiveIncident
from warroom.incident.state import IncidentState
from warroom.incident.store import IncidentStore


def test_an_event_folded_in_during_the_copy_is_not_lost_by_the_next_snapshot(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    store = IncidentStore(tmp_path / "state", cfg)
    inc = store.create(title="t", severity="P3", runbook="RB-TEST-001", source={})
    live = LiveIncident(inc, None)
    other = store.open(inc.id)          # another writer (a step supervisor, another CLI)

    real_copy = IncidentState.copy
    moved: list[int] = []

    def copy_then_move(state: IncidentState) -> Any:
        out = real_copy(state)
        if not moved:
            # The exact interleaving seen on CI: right after the copy, another writer appends and
            # a thread's refresh folds it into the shared state (same thread here: deterministic).
            moved.append(other.note("info", "appended while the snapshot was being taken").seq)
            inc.refresh()
        return out

    monkeypatch.setattr(IncidentState, "copy", copy_then_move)
    first = live.snapshot()
    assert moved, "the copy hook ran"
    assert first.seq == first.state.last_seq            # labelled with what it holds
    assert first.seq < moved[0]
    second = live.snapshot()                            # the journal is still now: no new append
    assert second.seq == second.state.last_seq == moved[0]
    assert any("appended while" in (item.text or "") for item in second.state.timeline)
    assert live.snapshot() is second                    # cached once it is right
    live.close()


def test_the_snapshot_runbook_is_the_one_its_state_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    inc = IncidentStore(tmp_path / "state", cfg).create(title="t", severity="P3", runbook="RB-TEST-001",
                                                        source={})
    live = LiveIncident(inc, None)
    snap = live.snapshot()
    assert snap.runbook is not None and snap.runbook.id == "RB-TEST-001"
    assert snap.state.runbook and snap.state.runbook.get("id") == "RB-TEST-001"
    live.close()
