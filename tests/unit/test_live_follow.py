"""A step that ended before anyone followed it (a quick command on a busy machine) still shows
its output: the follower hands over the stored lines, never an empty "0 lines"."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import install_fake_runbook
from warroom.config import Config
from warroom.incident.live import LiveIncident
from warroom.incident.store import IncidentStore


def test_following_a_finished_step_hands_over_its_stored_output(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    inc = IncidentStore(tmp_path / "state", cfg).create(title="t", severity="P3", runbook="RB-TEST-001",
                                                          source={})
    live = LiveIncident(inc, None)
    key = live.key_of("say-hello")
    handle = live.run(live.prepare(key), confirmed=True)
    handle.wait(timeout=60)                      # ended, and nobody followed it
    live.close()

    later = LiveIncident(IncidentStore(tmp_path / "state", cfg).open(inc.id), None)
    got: list[str] = []
    followed = later.follow(key, threading.Event(), lambda lines: got.extend(ln.text for ln in lines))
    later.close()
    assert followed.status == "ok" and followed.ended
    assert followed.run is not None and followed.run.startswith("outputs/")
    assert got == ["hello"]
