"""A metric poll that raises (a bug past the source's own error handling) must not leave the
panes' last OK standing (rt15): before, only the header word and a toast changed while every pane
kept saying OK, its age counting up. Now each pane takes the failure: STALE with its last value
and age (or ERROR with none), and polling goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

import tui.screens.dashboard as dashboard_module
from tests.app.tui_support import wait_for
from tui.app import WarroomApp
from tui.context import AppContext
from tui.fakesource import FakeSource
from tui.launch import load_runbooks
from warroom.config import Config

pytestmark = pytest.mark.integration


async def test_a_metric_poll_that_raises_takes_ok_off_every_pane(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    cfg.kubernetes.enabled = False
    runbooks, findings = load_runbooks(cfg)
    ctx = AppContext(config=cfg, source=FakeSource(), runbooks=runbooks, runbook_findings=findings,
                     offer_resume=False, refresh=0.3, tick=0.3, sources={})
    app = WarroomApp(ctx)
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: bool(app.dashboard.readings)
                       and all(r.state not in ("error",) for r in app.dashboard.readings), 60)
        calls = {"n": 0}
        real = dashboard_module.fetch_readings

        def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            raise RuntimeError("judge blew up")

        monkeypatch.setattr(dashboard_module, "fetch_readings", boom)
        await wait_for(pilot, lambda: calls["n"] >= 2 and all(
            r.state in ("stale", "error") for r in app.dashboard.readings), 30)
        assert all("judge blew up" in (r.error or "") for r in app.dashboard.readings)
        monkeypatch.setattr(dashboard_module, "fetch_readings", real)
        await wait_for(pilot, lambda: all(r.state not in ("stale", "error") or r.error is None
                                          for r in app.dashboard.readings), 30)   # recovers
