"""No notice ever covers a dialog (redteam-14, dash-2): toasts draw in their own layer, bottom
right, above every screen, and at 80x24 the Go/No-Go overdue reminder and "Judging the Go/No-Go
criteria…" sat on the dialog's Cancel / NO-GO / GO for their ten seconds. While a dialog is open
it draws the live notices in its own band, docked below it (``tui.notices``), and the Go/No-Go
dialog says its own overdue reminder under its question; "Judging…" ends once the judgement is
on screen; a dialog that closes hands the notices still live back to the dashboard as toasts."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.widgets import Button, Static

from tests.app.drill_support import wait_screen
from tests.app.test_tui_decision import rb_launch_005_view
from tests.app.tui_support import make_app, metrics_drawn, timer_periods, wait_for
from tui.messages import JUDGING, REMINDER, Reminded, decision_subject
from tui.screens.modals.decision import DecisionScreen

LONG_ERROR = "step 6 failed: exit 1 — " + "kubectl: error: the server doesn't have a resource type 'flows' " * 3
REMINDER_TEXT = "Go/No-Go overdue: Roll back to the pilot repository (RB-LAUNCH-002)? (G decides)"


def band_text(screen: Any) -> str:
    return " ".join(str(s.render()) for s in screen.query("#notices Static"))


async def raise_three_notices(pilot: Any, dialog: Any) -> None:
    """With ``dialog`` on top: "Judging…", a long error and the Go/No-Go reminder, all
    ``about="test"`` (withdrawn after). Waits until they are drawn: in the band, or (as it was)
    as three toasts over the dialog ("Toast": Textual's CSS type name)."""
    app = pilot.app
    app.notify("Judging the Go/No-Go criteria (metrics, steps, notes, time)…", about="test")
    app.notify(LONG_ERROR, severity="error", timeout=8, about="test")
    app.dashboard.on_reminded(Reminded(REMINDER_TEXT, "test"))
    await wait_for(pilot, lambda: "Go/No-Go overdue" in band_text(dialog) or len(dialog.query("Toast")) == 3)
    await pilot.pause()


def notice_problems(name: str, dialog: Any) -> list[str]:
    """Why the live notices are not all said in the band below ``dialog`` at 80x24 (none: they are)."""
    said = band_text(dialog)
    problems = [f"{name}: {w!r} not in the band" for w in ("Judging", "step 6 failed", REMINDER) if w not in said]
    band = dialog.query_one("#notices").region
    box = dialog.query_one(".dialog").region
    if box.overlaps(band) or band.bottom > 24 or band.height < 3:
        problems.append(f"{name}: band {band} vs dialog {box}")
    return problems


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_go_no_go_dialog_says_its_own_overdue_reminder(size: tuple[int, int],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """G: "Judging…" is withdrawn once the dialog opens with the judgement; the deadline passes
    while it is open: the reminder is said under the question (OVERDUE in the head), not in the
    band nor as a toast, and every verdict stays on screen at 80x24. Cancel hands the reminder
    back to the dashboard as a toast (still live, still undecided); a recorded verdict ends it."""
    toasts: list[str] = []
    real = App.notify

    def toasted(self: App[Any], message: str, **kw: Any) -> None:
        toasts.append(message)
        real(self, message, **kw)

    monkeypatch.setattr(App, "notify", toasted)        # what reaches Textual's toasts
    app = make_app()
    view = rb_launch_005_view(overdue=False)
    subject = decision_subject(view.runbook_id, view.decision.id)
    async with app.run_test(size=size, notifications=True) as pilot:
        await metrics_drawn(pilot)
        app.notify("Judging the Go/No-Go criteria (metrics, steps, notes, time)…", about=JUDGING)
        assert toasts[-1].startswith("Judging")                   # on the dashboard: a toast
        app.dashboard.actions.open_decision([view], [])
        dialog = await wait_screen(pilot, DecisionScreen)
        await wait_for(pilot, lambda: dialog.is_mounted)
        assert not any(n.about == JUDGING for n in app.notices.live())
        app.dashboard.on_reminded(Reminded(REMINDER_TEXT, subject))
        await wait_for(pilot, lambda: dialog.reminded or REMINDER_TEXT in toasts)
        await pilot.pause()
        assert "Reminder" in str(dialog.query_one("#decision-said", Static).render())
        assert "OVERDUE" in str(dialog.query_one("#decision-head", Static).render())
        assert band_text(dialog) == "" and len(toasts) == 1
        for button in dialog.query(Button):
            r = button.region
            assert dialog.get_widget_at(r.x + r.width // 2, r.y + r.height // 2)[0] is button, (button, r)
        if size == (80, 24):
            from tests.app.test_tui_decision import on_screen

            shown = on_screen(dialog)
            missing = [c.text for c in view.criteria if not any(c.text[:20] in row for row in shown)]
            assert not missing, (missing, "\n".join(shown))
        await pilot.click("#cancel")
        await wait_for(pilot, lambda: app.screen is app.dashboard)
        await wait_for(pilot, lambda: toasts[-1] == REMINDER_TEXT)   # handed back: still undecided
        app.dashboard.actions.open_decision([view], [])
        dialog = await wait_screen(pilot, DecisionScreen)
        await wait_for(pilot, lambda: dialog.is_mounted and dialog.reminded)              # the live reminder: said again
        dialog.query_one("#why").value = "seven repositories down"
        await pilot.click("#go")
        await wait_for(pilot, lambda: app.screen is app.dashboard)
        assert not any(n.about == subject for n in app.notices.live())   # answered: the reminder ends
        await pilot.pause()
        assert toasts.count(REMINDER_TEXT) == 1


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_notice_that_ends_never_moves_the_dialogs_buttons(size: tuple[int, int]) -> None:
    """A notice that ends while a dialog is open (withdrawn, or its seconds ran out) leaves its
    rows blank: the band gave them back and the dialog, laid out in what the band leaves, moved
    down under a pointer on its way to GO (the mass-failure drill's second GO, on a busy box,
    clicked the row GO had left as "GO recorded" ran out). A new notice still gets its rows."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await metrics_drawn(pilot)
        app.dashboard.actions.open_decision([rb_launch_005_view()], [])
        dialog = await wait_screen(pilot, DecisionScreen)
        await wait_for(pilot, lambda: dialog.is_mounted)
        app.notify("GO recorded as seq 41; RB-LAUNCH-002 opened beside the current runbook", about="done")
        app.notify(LONG_ERROR, severity="error", timeout=8, about="other")
        await wait_for(pilot, lambda: "GO recorded" in band_text(dialog) and "step 6" in band_text(dialog))
        await pilot.pause()
        regions = {b.id: b.region for b in dialog.query(Button)}
        band = dialog.query_one("#notices").region

        app.withdraw("done")                                   # withdrawn: its rows stay
        await wait_for(pilot, lambda: "GO recorded" not in band_text(dialog))
        await pilot.pause()
        assert {b.id: b.region for b in dialog.query(Button)} == regions
        for notice in app.notices.live():                      # every second ran out
            notice.raised -= notice.timeout
        app.show_notices()
        await wait_for(pilot, lambda: band_text(dialog) == "")
        await pilot.pause()
        assert {b.id: b.region for b in dialog.query(Button)} == regions
        assert dialog.query_one("#notices").region == band     # blank rows, the same rows

        app.notify("tier 2 reached", about="tier")             # a new one is drawn, in the rows kept
        await wait_for(pilot, lambda: "tier 2 reached" in band_text(dialog))
        await pilot.pause()
        assert {b.id: b.region for b in dialog.query(Button)} == regions
        dialog.query_one("#why").value = "seven repositories down"
        assert await pilot.click("#go")
        await wait_for(pilot, lambda: app.screen is app.dashboard)



@pytest.mark.parametrize("judging", [False, True], ids=["toast drawn", "re-toasted as Judging ends"])
async def test_a_toast_raised_just_before_a_dialog_opens_is_said_in_its_band(judging: bool) -> None:
    """redteam41 X3: the Go/No-Go reminder raised on the dashboard a moment before G opened the
    dialog sat over its Cancel / NO-GO / GO for its ten seconds. Two ways: a toast already drawn on
    the dashboard stayed there (clearing the toasts redrew only the dialog's), and a toast drawn
    again as "Judging…" was withdrawn just before the dialog opened landed on the dialog (Textual
    draws a toast from a message, after the dialog was on top). Now neither is drawn while the
    dialog is open: the band says them, and the dashboard has them back as toasts after."""
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await metrics_drawn(pilot)
        if judging:
            app.notify("Judging the Go/No-Go criteria (metrics, steps, notes, time)…", about=JUDGING, timeout=30)
        app.notify("tier 2 reached: page the engineering manager", severity="warning", timeout=30)
        await wait_for(pilot, lambda: len(app.dashboard.query("Toast")) == 1 + judging)
        app.dashboard.actions.open_decision([rb_launch_005_view()], [])    # withdraws "Judging…"
        dialog = await wait_screen(pilot, DecisionScreen)
        await wait_for(pilot, lambda: "tier 2 reached" in band_text(dialog))
        await timer_periods(pilot, dialog, 0.05, 4)
        assert [len(s.query("Toast")) for s in app.screen_stack] == [0] * len(app.screen_stack)
        await pilot.press("escape")                            # back on the dashboard: a toast again
        await wait_for(pilot, lambda: app.screen is app.dashboard and len(app.dashboard.query("Toast")) == 1)
