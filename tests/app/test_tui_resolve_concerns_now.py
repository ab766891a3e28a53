"""attack39 C2: the Resolve dialog showed the concerns of the panes on screen ("Flow failure rate is still
critical (13.7%, threshold 1%)"), while the resolution journaled, as acknowledged, concerns read again at
submit with words the dialog never showed ("…, though the last 5m00s counted no flow failures …").

Now one core function reads the concerns at a stamped moment (``concern_reading.read_concerns``); the
dialog opens on that reading, reads again while open, and the resolution journals the reading it
showed, word for word, with the moment it was read. A read at the resolution that differs only in its
figures adds nothing (an unseen concern would be journaled beside: tests/unit/test_concern_reading.py).
The clock is frozen (``frozen_drill_app``): what is read is of one known moment, never of the machine's speed."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.app.drill_support import events, frozen_drill_app, wait_dashboard, wait_screen
from tests.app.tui_support import wait_for
from tui.screens.modals.forms import ResolveScreen
from warroom.journal.encoding import format_ts


async def test_the_resolve_journals_the_very_concerns_its_dialog_showed(tmp_path: Path) -> None:
    app, clock = frozen_drill_app(tmp_path, "mass-failure", title="flows failing", severity="P1", minutes=30.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: app.dashboard.presenter.live is not None, 30)
        await pilot.press("r")
        screen = await wait_screen(pilot, ResolveScreen, 30)
        drawn = str(screen.query_one("#resolve-concerns", Static).render())
        opened = screen.reading
        assert opened is not None
        failure = next(c for c in opened.concerns if c.startswith("Flow failure rate is still critical"))
        assert "; over the last 5m00s the same query reads " in failure          # the words the journal keeps
        assert failure in drawn and "(read " in drawn, drawn
        clock.advance(2.0)                         # two drill minutes at x60 before the commander confirms
        await pilot.press(*"flows back", "enter", *"rolled back", "enter")
        await wait_for(pilot, lambda: bool(events(app, "incident.resolved")), 30)
        (resolved,) = events(app, "incident.resolved")
    shown = screen.painted      # the reading last drawn when it was confirmed (a look handled since is not: A7)
    assert shown is not None
    data = resolved.data
    assert data["concerns"] == list(shown.concerns) and data["concerns_acknowledged"] is True, (data, shown)
    assert data["concerns_read_at"] == format_ts(shown.at) and resolved.ts > shown.at, (data, resolved.ts)
    assert "concerns_unseen" not in data, data     # two minutes later the figures moved; no concern came or went


async def test_the_steps_not_done_are_counted_again_with_each_reading(tmp_path: Path) -> None:
    """attack40 A9: three steps run while the dialog was open (the concerns read again showed one's miss), and the
    "24 runbook step(s) not done" line still said 24 at the submit. It is asked again with each reading."""
    from datetime import UTC, datetime

    from tests.app.tui_support import make_app, metrics_drawn
    from warroom.incident.concern_reading import ConcernReading

    at = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    left = [24]
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        screen = ResolveScreen("t", 24, reading=ConcernReading(at, ("x is still critical (2%)",)),
                               read=lambda: ConcernReading(at, ("x is still critical (3%)",)), every=0.05,
                               steps=lambda: (left[0], ""))
        app.push_screen(screen)
        await wait_screen(pilot, ResolveScreen, 30)
        assert "24 runbook step(s) not done" in str(screen.query_one("#resolve-steps", Static).render())
        left[0] = 21                                # three steps ran meanwhile
        looks = screen.looks
        await wait_for(pilot, lambda: screen.looks > looks)
        await pilot.pause()
        assert "21 runbook step(s) not done" in str(screen.query_one("#resolve-steps", Static).render())
        left[0] = 0
        looks = screen.looks
        await wait_for(pilot, lambda: screen.looks > looks)
        await pilot.pause()
        assert not screen.query_one("#resolve-steps", Static).display
