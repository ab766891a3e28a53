"""A step's end, once on screen, stays there, whatever order the workers' messages arrive in.

On CI (two busy cores) the dashboard showed a quick step "◐ running" with an empty output pane
for good after the journal had its ``step.finished``: a view built before the end (a torn
snapshot, or a view worker descheduled past a newer one) was applied after the end, said the
step was running, and restarted its pane. These tests post those messages in the bad order on
purpose — a view built from the journal as it stood at ``step.started`` and a late
``StepStarted`` — and run a step whose follower never reports, to show the end reaches the pane
from the journal alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from panes.output import OutputStack
from tests.app.drill_support import FLOWS_RUNBOOK, drill_app, events, run_selected, select_step, wait_step
from tests.app.test_tui_flows_engine import attach_flows_runbook, declare_from_breached_pane
from tests.app.tui_support import wait_for
from tui.messages import StepStarted, ViewReady

QUICK = 2        # the flows runbook's "Show where the drill stand-ins are": one echo, ends at once
GATED = 3        # its "Turn the pretend breaker on": one echo, mutating, with a verify gate


def view_as_of(app: Any, seq: int) -> ViewReady:
    """The ViewReady a worker would have posted from a snapshot taken at journal ``seq``."""
    from tui.view import incident_view
    from warroom.incident.cadence import update_every
    from warroom.incident.fold import apply
    from warroom.incident.live import IncidentSnapshot
    from warroom.incident.state import IncidentState

    live = app.dashboard.presenter.live
    state = IncidentState()
    for e in events(app):
        if e.seq <= seq:
            apply(state, e)
    state.id = live.id
    now = live.snapshot()
    snap = IncidentSnapshot(state=state, runbook=now.runbook, seq=seq, runbooks=now.runbooks)
    view = incident_view(snap, update_every(app.ctx.config, state.severity, state), now=app.ctx.clock.now())
    return ViewReady(view, snap.runbook, snap, seq=seq, incident_id=live.id)


def count_followers(app: Any) -> list[tuple[str, str]]:
    presenter = app.dashboard.presenter
    started: list[tuple[str, str]] = []
    real = presenter.follow_async

    def counting(key: tuple[str, str]) -> Any:
        started.append(key)
        return real(key)

    presenter.follow_async = counting
    return started


async def run_quick_step(pilot: Any) -> tuple[tuple[str, str], Any]:
    app = pilot.app
    await declare_from_breached_pane(pilot)
    await attach_flows_runbook(pilot)
    await select_step(pilot, QUICK)
    await run_selected(pilot)
    step_id = app.dashboard.runbook.step(QUICK).id
    key = (FLOWS_RUNBOOK, step_id)
    def started_event() -> Any:
        return next((e for e in events(app, "step.started") if e.data.get("step_id") == step_id), None)

    await wait_for(pilot, lambda: started_event() is not None, 30)   # the start runs in a worker
    return key, started_event()


async def test_a_view_or_start_older_than_the_end_never_takes_the_end_back(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        followers = count_followers(app)
        key, started = await run_quick_step(pilot)
        await wait_step(pilot, QUICK, "ok")
        stack = app.dashboard.query_one(OutputStack)
        await wait_for(pilot, lambda: key in stack.panes and stack.panes[key].ended, 30)
        pane = stack.panes[key]
        shown = (str(pane.border_subtitle), pane.line_count, len(pane.lines))
        assert shown[0].startswith("ok · ") and shown[1] >= 1 and shown[2] >= 1, shown
        assert followers == [key]

        # 1. A view built at step.started, arriving after the end's view: dropped (older seq).
        app.dashboard.post_message(view_as_of(app, started.seq))
        # 2. The start worker's StepStarted, late (its thread was descheduled past the end).
        app.dashboard.post_message(StepStarted(key, "late", run=started.data["output"]))
        await pilot.pause()
        await pilot.pause()
        assert app.dashboard.view.steps[key[1]].state == "ok"
        assert (str(pane.border_subtitle), pane.line_count, len(pane.lines)) == shown
        assert followers == [key]

        # 3. The same stale view when no newer view was shown yet (the end's view still in its
        #    worker): it is applied, but the run it calls running ended here: not followed again.
        app.dashboard._view_from = (app.dashboard._view_from[0], started.seq - 1)
        app.dashboard.post_message(view_as_of(app, started.seq))
        await pilot.pause()
        await pilot.pause()
        assert (str(pane.border_subtitle), pane.line_count, len(pane.lines)) == shown
        assert followers == [key]
        # ... and the next view from the journal puts the end back on the checklist.
        app.dashboard.presenter.load_view_async()
        await wait_step(pilot, QUICK, "ok")

        # 4. A view of a run's end ahead of its StepStarted: the Output pane reads that end back from the run's file
        #    (attack41 A15: what the journal holds, whoever ran it), and the late StepStarted makes it this screen's
        #    run after all: its verify gate opens (read back as another's, it never did: CI, two busy cores).
        presenter, held = app.dashboard.presenter, []
        real_post = presenter.post
        gated = (FLOWS_RUNBOOK, app.dashboard.runbook.step(GATED).id)

        def post(message: Any) -> None:      # no view catches it running: the view of its end is the first
            if isinstance(message, StepStarted):
                held.append(message)
            elif not isinstance(message, ViewReady) or message.view.steps[gated[1]].state != "running":
                real_post(message)

        presenter.post = post
        await select_step(pilot, GATED)
        await run_selected(pilot, confirm=True)
        await wait_for(pilot, lambda: gated in stack.panes and stack.panes[gated].ended and bool(held), 30)
        assert not events(app, "verify.started")
        app.dashboard.post_message(held[0])
        await wait_for(pilot, lambda: bool(events(app, "verify.started")), 30)


async def test_the_end_reaches_the_pane_from_the_journal_when_the_follower_never_says(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        presenter = app.dashboard.presenter
        lost: list[tuple[str, str]] = []

        def follower_that_is_lost(key: tuple[str, str]) -> Any:
            lost.append(key)        # a follower gone without a word (no lines, no StepEnded)
            return None

        monkeypatch.setattr(presenter, "follow_async", follower_that_is_lost)
        key, _started = await run_quick_step(pilot)
        await wait_step(pilot, QUICK, "ok")
        stack = app.dashboard.query_one(OutputStack)
        await wait_for(pilot, lambda: key in stack.panes and stack.panes[key].ended, 30)
        assert lost and lost[0] == key
        run = next(e for e in events(app, "step.finished") if e.data.get("step_id") == key[1]).data
        n = run["lines"]
        assert str(stack.panes[key].border_subtitle) == f"ok · {n} line{'' if n == 1 else 's'}"
