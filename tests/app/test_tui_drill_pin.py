"""The dashboard with ``$WARROOM_DRILL_AT`` set: a real incident declared on it is stamped on the
wall clock and its header counts from there; a drill's dashboard runs on the pinned moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.app.tui_support import make_ctx, metrics_drawn, wait_for
from tui.app import WarroomApp
from tui.clock import SystemClock
from tui.fakesource import FakeSource
from tui.screens.modals.forms import DeclareScreen
from warroom import scenario_time
from warroom.journal.log import read_journal

PIN = datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC).timestamp()
LONG_AFTER = datetime.fromtimestamp(PIN, UTC) + timedelta(days=3650)


async def _declare(pilot, app: WarroomApp) -> None:  # type: ignore[no-untyped-def]
    await metrics_drawn(pilot)
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, DeclareScreen), 30)
    await pilot.pause()
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: app.dashboard.controller.incident is not None, 30)


async def test_a_real_incident_declared_on_the_dashboard_is_never_stamped_with_the_pin(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    clock = SystemClock()
    ctx = make_ctx(tmp_path, drill=False, clock=clock, source=FakeSource(clock))
    app = WarroomApp(ctx)
    async with app.run_test(size=(140, 40)) as pilot:
        await _declare(pilot, app)
        inc = app.dashboard.controller.incident
        assert inc.state.drill is None
        declared = read_journal(inc.dir / "journal.jsonl").events[0]
        assert declared.type == "incident.declared" and declared.ts > LONG_AFTER
        assert clock.now() > LONG_AFTER.timestamp()              # the header's clock, too
        await wait_for(pilot, lambda: app.dashboard.view.header.declared_at is not None)
        assert app.dashboard.view.header.declared_at > LONG_AFTER.timestamp()


async def test_a_drill_dashboard_runs_on_the_pinned_moment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.app.drill_support import drill_app

    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    app = drill_app(tmp_path, scenario="rate-limit", speed=10.0)
    async with app.run_test(size=(140, 40)) as pilot:
        await _declare(pilot, app)
        inc = app.dashboard.controller.incident
        assert inc.state.drill is not None
        declared = read_journal(inc.dir / "journal.jsonl").events[0]
        assert declared.ts == datetime.fromtimestamp(PIN, UTC)
        assert app.ctx.clock.now() == PIN


async def test_a_drill_tier_reached_is_journaled_and_shown_on_the_timeline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """x10 on the pinned clock: 100 wall seconds after declaring (16m40s drill time) the header
    shows T1 and the dashboard journals "escalated to tier 1" at the instant it was reached (90 s
    after detection), once, and draws it on its timeline."""
    from panes.header import IncidentHeader
    from tests.app.drill_support import drill_app, events

    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    app = drill_app(tmp_path, scenario="rate-limit", speed=10.0)
    async with app.run_test(size=(160, 45)) as pilot:
        await _declare(pilot, app)
        assert not events(app, "escalation.tier")
        monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN + 100))
        await wait_for(pilot, lambda: any("Escalated to tier 1" in t.text for t in app.dashboard.view.timeline), 30)
        header = app.dashboard.query_one(IncidentHeader)
        await wait_for(pilot, lambda: "T1 page TL" in header.clocks_text(app.ctx.clock.now()).plain, 60)
        (tier,) = events(app, "escalation.tier")
        assert tier.data["tier"] == 1 and tier.data["reached_at"] == "2001-09-09T01:48:10.000Z"
        item = next(t for t in app.dashboard.view.timeline if "Escalated to tier 1" in t.text)
        assert "15m00s drill time (1m30s wall) after detection" in item.text and item.at == PIN + 90


async def test_the_decision_dialog_counts_a_conditional_deadline_from_when_it_arose() -> None:
    """A decision that arose 20 minutes in, looked at 31 minutes in: the dialog's deadline is 30
    minutes after it arose (50 minutes in), not overdue (it was, counted from detection)."""
    from tests.app.tui_support import make_app
    from tui.screens.modals.decision import DecisionScreen
    from warroom.incident import decisions as dec
    from warroom.runbook.parser import find_decisions

    (d,), problems = find_decisions(
        "```decision\nquestion = 'Roll back?'\ndeadline = '30m'\n\n[applies_when]\ntext = 'all down'\n"
        "query = 'down'\nop = '>'\nvalue = 90\n\n[[go]]\ntext = 'judge'\n```\n")
    assert not problems
    start = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    arose = {"id": d.id, "named": d.named, "runbook_id": "RB-X", "seq": 4, "at": start + timedelta(minutes=20),
             "judged_at": (start + timedelta(minutes=20)).isoformat()}

    class State:
        clock_start, resolved, decisions, decisions_arose, decisions_overdue, notes, drill = \
            start, False, [], [arose], [], [], None

    view = dec.evaluate(d, "RB-X", State(), start + timedelta(minutes=31), query=lambda _e: [95.0],
                        step_output=lambda _s: None)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = DecisionScreen(view, by="dana")
        app.push_screen(screen)
        await pilot.pause()
        head = str(screen.query_one("#decision-head").render())
        assert "deadline 30m00s after it arose, 06:50:00 UTC" in head and "OVERDUE" not in head, head
