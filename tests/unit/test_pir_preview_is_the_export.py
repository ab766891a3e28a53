"""The PIR preview (``p`` in the dashboard, ``incident export --stdout``) is the draft the export writes.

redteam37, rate-limit ×60, resolved: the exported ``pir.md`` listed 19 runbook steps under "Steps Skipped or
Failed" as "not done (runbook step with no journal event)"; ``incident export --stdout`` and the dashboard's
preview, which render through ``Incident.render``, listed none of them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Clock, install_fake_runbook
from warroom.config import Config
from warroom.incident.store import IncidentStore


def test_the_preview_lists_the_steps_never_touched_as_the_export_does(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    install_fake_runbook(monkeypatch, tmp_path)
    inc = IncidentStore(tmp_path / "state", Config(), clock=Clock()).create(
        title="Quota", severity="P3", runbook="RB-TEST-001")
    inc.tick(4)
    inc.resolve("back to normal")
    now = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)
    preview = inc.render("pir", now=now)
    written = inc.export("pir", now=now, log=False).path.read_text(encoding="utf-8")
    untouched = [line for line in written.splitlines() if "not done (runbook step with no journal event)" in line]
    assert len(untouched) == 4                      # steps 1, 2, 3 and 5: step 4 was ticked
    assert all(line in preview.splitlines() for line in untouched), preview
