"""A dialog opens with what it warns about on screen, above the field it focuses.

At 80x24 Textual centred the focused field of a dialog as it opened, scrolling the dialog past its
first rows: the resolve dialog opened on its Summary, past "44 runbook step(s) not done" and "Not
over yet? Flow failure rate is still critical", and the commander confirmed concerns the PIR says
were "shown to the commander, who confirmed" (redteam39 F4; redteam38 F4 was the declare dialog's
note). The resolve dialog's warnings are docked with its title now, and the dialogs that focus a
field open at their top; every line here is checked on the terminal, row by row."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from tests.app.drill_support import declare_prefilled, drill_app, wait_screen
from tests.app.test_tui_decision import view as decision_view
from tests.app.test_tui_dialogs import run_dialog
from tests.app.test_tui_people import sample_people
from tests.app.tui_support import make_app, metrics_drawn, wait_for
from tui.screens.modals.confirm import ConfirmScreen
from tui.screens.modals.decision import DecisionScreen
from tui.screens.modals.forms import DeclareScreen, ResolveScreen
from tui.screens.modals.people import ApprovalsScreen
from tui.screens.modals.status_update import StatusUpdateScreen

SIZES = [(80, 24), (120, 40)]
LONG = "Model API quota exhaustion on the Anthropic provider across every region, retries multiplying"


def out_of_sight(screen: Screen, widget: Widget) -> list[int]:
    """The rows of ``widget`` the terminal does not show it on (under a docked part of the dialog,
    scrolled out of the dialog, off the terminal); empty: all of it is in sight."""
    region = widget.region
    if region.area <= 0:
        return [-1]
    hidden = []
    for y in range(region.y, region.bottom):
        try:
            shown, _ = screen.get_widget_at(region.x, y)
        except Exception:       # noqa: BLE001 -- Textual raises NoWidget (no public name) off the terminal
            hidden.append(y)
            continue
        if shown is not widget and widget not in shown.ancestors:
            hidden.append(y)
    return hidden


async def _resolve_opened(pilot) -> ResolveScreen:  # type: ignore[no-untyped-def]
    app = pilot.app
    await declare_prefilled(pilot)
    # the failure rate past critical: the dialog has a concern to show
    await wait_for(pilot, lambda: any(r.slo.id == "failure_rate" and r.state == "crit"
                                      for r in app.dashboard.data.readings), 60)
    await pilot.press("r")
    screen = await wait_screen(pilot, ResolveScreen, 30)
    await wait_for(pilot, lambda: screen.query_one("#summary", Input).has_focus, 10)
    await pilot.pause()
    return screen


@pytest.mark.parametrize("size", SIZES)
async def test_the_resolve_dialog_opens_with_every_concern_in_sight(tmp_path: Path, size: tuple[int, int]) -> None:
    """``r`` in the mass-failure drill, its failure rate past critical: the steps not done, every
    concern and the focused Summary with its label are on screen as the dialog opens."""
    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=size) as pilot:
        screen = await _resolve_opened(pilot)
        assert screen.concerns and screen.open_steps
        concerns = screen.query_one("#resolve-concerns", Static)
        assert "Not over yet?" in str(concerns.render())
        for selector in ("#resolve-steps", "#resolve-concerns", "#summary"):
            widget = screen.query_one(selector)
            assert not out_of_sight(screen, widget), (selector, widget.region, out_of_sight(screen, widget))
        label = next(w for w in screen.query(".field-label") if str(w.render()) == "Summary")
        assert not out_of_sight(screen, label)
        # moving on to the last field keeps them in sight: they are docked with the title
        await pilot.press("tab", "tab", "tab")
        await pilot.pause()
        assert not out_of_sight(screen, concerns), out_of_sight(screen, concerns)
        await pilot.press("escape")


CONCERNS = ["Flow failure rate is still critical (11.9%, threshold 1%)",
            "Model API 5xx rate is still in warning (3.2%, threshold 5%) and rising",
            "Step 9's expectation was NOT met: flow failure rate under 2% (read 4.1%)"]
OPENED = ('GO on "Roll back to the pilot repository (RB-LAUNCH-002)?" by dana at 10:00:00 UTC opened'
          ' RB-LAUNCH-002 (Rollback to pilot): 0 of 19 steps done',)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("opened", [(), OPENED], ids=["plain", "after a GO"])
async def test_three_concerns_and_what_a_go_opened_are_in_sight(size: tuple[int, int], opened: tuple[str, ...]) -> None:
    """Three concerns, 44 steps in two runbooks and, after a GO, what it opened with the question
    asked first: every line of them in sight, and the field the dialog focuses too."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await metrics_drawn(pilot)
        screen = ResolveScreen(LONG, 44, CONCERNS, opened, "RB-LAUNCH-005 25, RB-LAUNCH-002 19" if opened else "")
        app.push_screen(screen)
        await wait_for(pilot, lambda: app.screen is screen and app.focused is not None)
        await pilot.pause()
        focused = app.focused
        assert focused is not None and focused.id == ("rollback-answer" if opened else "summary")
        for selector in ("#resolve-steps", "#resolve-concerns", *(("#resolve-opened",) if opened else ())):
            widget = screen.query_one(selector)
            assert not out_of_sight(screen, widget), (selector, widget.region, out_of_sight(screen, widget))
        assert not out_of_sight(screen, focused), (focused.region, out_of_sight(screen, focused))
        await pilot.press("escape")


def _declare() -> DeclareScreen:
    return DeclareScreen(title=LONG, severity="P2", runbook="RB-CORE-003",
                         runbooks=[(f"RB-{i:03d}  {LONG}", f"RB-{i:03d}") for i in range(30)],
                         source={"kind": "pane"}, origin="From the breached pane: " + LONG)


OTHERS = {
    "declare": _declare,
    "run step": lambda: run_dialog(),
    "status update": lambda: StatusUpdateScreen("\n".join(f"line {i} " + LONG for i in range(20)),
                                                webhook="slack hooks.example"),
    "go/no-go decision": lambda: DecisionScreen(decision_view(), by="dana"),
    "approvals": lambda: ApprovalsScreen(sample_people(mine=False)),
    "quit": lambda: ConfirmScreen("Quit while a command is running?",
                                  "The command keeps running under its supervisor and its end is journaled.\n"
                                  "The incident stays open: `warroom resume INC-20261205-1` resumes it.",
                                  confirm_label="Quit", danger=False),
}


async def test_no_dialog_opens_scrolled_past_what_it_says_above_its_focused_field() -> None:
    """The dialogs that warn above a field (declare, run step, status update, Go/No-Go,
    approvals, quit), at 80x24: every line above the focused one is in sight as it opens (the
    declare dialog opened scrolled past where its title came from and the Title label)."""
    app = make_app()
    problems: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        for name, build in OTHERS.items():
            dialog = build()
            app.push_screen(dialog)
            await wait_for(pilot, lambda: app.screen is dialog and app.focused is not None)
            await pilot.pause()
            focused = app.focused
            assert focused is not None
            widgets = list(dialog.walk_children())
            above = widgets[:widgets.index(focused)] if focused in widgets else []
            for w in above:
                if type(w) is Static and w.display and str(w.render()).strip() and out_of_sight(dialog, w):
                    problems.append(f"{name}: {str(w.render())[:60]!r} out of sight at rows {out_of_sight(dialog, w)}")
            if out_of_sight(dialog, focused):
                problems.append(f"{name}: the focused {focused.id} out of sight")
            app.pop_screen()
            await wait_for(pilot, lambda: app.screen is app.dashboard)
    assert not problems, "\n".join(problems)
