"""Quitting while a command runs (the dialog: "The command keeps running under its supervisor")
closes the dashboard at once. The output follower of the running step was never told to stop:
its thread kept the process alive until the command ended, so after "Quit" the terminal showed
nothing and gave no prompt for the rest of the command (44 s for a x1 drill's `kubectl rollout
status`; a two-minute step, two minutes) — attack25, A25-11."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.app.drill_support import drill_app, run_selected, select_step, wait_step
from tests.app.test_tui_flows_engine import attach_flows_runbook, declare_from_breached_pane
from tests.app.tui_support import wait_for


async def test_quitting_while_a_command_runs_does_not_wait_for_it(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from warroom.incident.live import LiveIncident

    returned = threading.Event()          # the follower's blocking call came back
    real = LiveIncident.follow

    def follow(live: LiveIncident, *args: Any, **kwargs: Any) -> Any:
        try:
            return real(live, *args, **kwargs)
        finally:
            returned.set()

    monkeypatch.setattr(LiveIncident, "follow", follow)
    app = drill_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_from_breached_pane(pilot)
        await attach_flows_runbook(pilot)
        await select_step(pilot, 4)                        # `sleep 120`
        await run_selected(pilot)
        await wait_step(pilot, 4, "running")
        await wait_for(pilot, lambda: any(w.group.startswith("follow-") and not w.is_finished for w in app.workers))
        live = app.dashboard.presenter.live
        presenter = app.dashboard.presenter
        key = next(k for k in presenter.outputs if presenter.following(k))
        app.exit(0)                                        # what "Quit" in the dialog does
    try:
        # a Textual thread worker is marked cancelled at exit while its thread runs on, and the
        # process waits for that thread: the follow call itself must come back (bounded wait for
        # that known state; the command runs 120 s)
        assert returned.wait(30.0), "the follower of the running step still holds the process"
        assert live is not None and live.incident.refresh().steps[key].status == "running"   # it runs on
    finally:
        live.cancel(key)                                   # stop the `sleep 120` this test started
