"""At 80x24 every dialog keeps its buttons on screen (issue 10, item 7): each dialog, filled the
way a real incident fills it (long titles, many parameters, findings), is opened on the
dashboard and every button must be the widget under its own centre, inside the terminal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.screen import Screen
from textual.widgets import Button

from tests.app.test_tui_decision import view as decision_view
from tests.app.test_tui_dialogs import run_dialog
from tests.app.test_tui_people import sample_people
from tests.app.tui_support import make_app, metrics_drawn, wait_for
from tui.screens.modals.people import ApprovalsScreen, RolesScreen
from tui.screens.modals.confirm import ConfirmScreen
from tui.screens.modals.decision import DecisionScreen
from tui.screens.modals.forms import DeclareScreen, NoteScreen, ResolveScreen, SeverityScreen, SkipScreen, StatusScreen
from tui.screens.modals.pickers import OpenIncident, ResumeScreen, RunbookPicker
from tui.screens.modals.run_step import ParamField, Preview, RunStepScreen
from tui.screens.modals.status_update import StatusUpdateScreen
from tui.screens.modals.timeline_entry import TimelineEntryScreen
from warroom.runbook.library import RunbookLibrary

LONG = "Model API quota exhaustion on the Anthropic provider across every region, retries multiplying"


def many_params() -> RunStepScreen:
    fields = [ParamField(f"param_{i}", f"value {i}", "runbook", f"what parameter {i} is for") for i in range(8)]

    def preview(params: dict[str, str]) -> Preview:
        return Preview(command="kubectl set env deployment/flowengine " + " ".join(f"{k}={v!r}" for k, v in params.items()),
                       target={"context": "drill", "namespace": "production"}, mutating=True, timeout=60,
                       expect="env updated", verify="quota < 75 for 2m within 10m",
                       verify_text="Model API quota used < 75% held 2m00s, within 10m00s of the step ending ok",
                       approval="step 6 needs a second person's approval: request R14 is waiting for a second"
                                " person (not alice@bastion-1): `warroom incident approve INC-20261201-1 R14`")

    return RunStepScreen(number=6, label=LONG, section="Mitigation", fields=fields, preview=preview)


def runbook_picker() -> RunbookPicker:
    lib = RunbookLibrary()
    lib.load()
    return RunbookPicker(lib.list(), [], ["RB-CORE-003"])


DIALOGS: dict[str, Callable[[], Screen]] = {
    "declare": lambda: DeclareScreen(title=LONG, severity="P2", runbook="RB-CORE-003",
                                     runbooks=[(f"RB-{i:03d}  {LONG}", f"RB-{i:03d}") for i in range(30)],
                                     source={"kind": "pane"}, origin="From the breached pane: " + LONG),
    "run (one parameter)": lambda: run_dialog(),
    "run (eight parameters)": many_params,
    "confirm": lambda: ConfirmScreen(f"Run mutating step 6?", "kubectl set env " + "X=1 " * 60 + "\n\nacts on: drill",
                                     confirm_label="Yes, run it"),
    "note": lambda: NoteScreen("root-cause"),
    "severity": lambda: SeverityScreen("P3"),
    "status": lambda: StatusScreen("mitigating"),
    "skip": lambda: SkipScreen("6. " + LONG),
    "resolve": lambda: ResolveScreen(LONG, 12),
    "resume": lambda: ResumeScreen([OpenIncident(id=f"INC-20261201-{i}", title=LONG, severity="P2",
                                                 status="mitigating", started=None) for i in range(12)]),
    "status update": lambda: StatusUpdateScreen("\n".join(f"line {i} " + LONG for i in range(20)),
                                                webhook="slack hooks.example"),
    "runbook picker": runbook_picker,
    "go/no-go decision": lambda: DecisionScreen(decision_view(), by="dana"),
    "timeline entry": lambda: TimelineEntryScreen(seq=4, text=LONG, when="20:01:02"),
    "roles (handoff to you)": lambda: RolesScreen(sample_people(mine=True)),
    "approvals": lambda: ApprovalsScreen(sample_people(mine=False)),
}


def fit_problems(name: str, dialog: Screen) -> list[str]:
    """Why ``dialog``'s buttons are not all shown whole inside 80x24 (none: they are)."""
    buttons = [b for b in dialog.query(Button) if b.display]   # hidden ones are not offered
    if not buttons:
        return [f"{name}: no button shown"]
    problems = []
    for button in buttons:
        region = button.region
        if region.area <= 0:
            problems.append(f"{name}: {button.label} has no room")
        elif region.right > 80 or region.bottom > 24:
            problems.append(f"{name}: {button.label} at {region}")
        else:
            widget, _ = dialog.get_widget_at(region.x + region.width // 2, region.y + region.height // 2)
            if widget is not button:
                problems.append(f"{name}: {button.label} is hidden (under {widget!r})")
    return problems


async def test_every_dialog_keeps_its_buttons_on_screen_at_80x24(tmp_path: Path) -> None:
    """Each dialog in turn on one dashboard (one app start, not one per dialog: the dashboard
    behind is the same for all), taken off before the next; every dialog's problems are listed,
    not only the first's. Then, the dialog still open, three notices come ("Judging…", a long
    error, the Go/No-Go reminder): no button is under one of them, and they are all on screen, in
    the band below the dialog (redteam-14: toasts sat on the buttons; red without the band:
    "Refuse is hidden (under Toast)"…; ``tests/app/test_tui_notices.py`` has the rest)."""
    from tests.app.test_tui_notices import notice_problems, raise_three_notices

    app = make_app()
    problems: list[str] = []
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await metrics_drawn(pilot)
        for name in sorted(DIALOGS):
            dialog = DIALOGS[name]()
            app.push_screen(dialog)
            await wait_for(pilot, lambda: app.screen is dialog)
            await pilot.pause()
            problems += fit_problems(name, dialog)
            await raise_three_notices(pilot, dialog)
            problems += fit_problems(name, dialog) + notice_problems(name, dialog)
            app.pop_screen()
            await wait_for(pilot, lambda: app.screen is app.dashboard)
            app.withdraw("test")
    assert not problems, "\n".join(problems)


async def test_a_paused_background_says_so_and_since_when() -> None:
    from textual.widgets import Static

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(NoteScreen("info"))
        await wait_for(pilot, lambda: isinstance(app.screen, NoteScreen))
        await pilot.pause()
        note = str(app.screen.query_one("#paused-note", Static).render())
        assert "dashboard paused since" in note and "UTC" in note and "catches up" in note
        region = app.screen.query_one("#paused-note").region
        assert region.bottom <= 24 and region.area > 0
        # A confirmation on top of a dialog keeps the first pause's start.
        since = app.screen.query_one("#paused-note").since
        app.push_screen(ConfirmScreen("Sure?", "body"))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        assert app.screen.query_one("#paused-note").since == since


async def test_quit_from_the_palette_asks_while_a_command_runs() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        app.dashboard.running_step = lambda: 4  # type: ignore[method-assign]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"quit")
        # The palette searches in the background: enter once its answer (Quit, highlighted) is
        # on the list, however long that takes, not after a fixed pause.
        await wait_for(pilot, lambda: palette_highlights(app, "quit"), 30)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.pause()
        assert "Quit while a command is running?" in str(app.screen.query_one(".dialog-title").render())
        assert app.is_running


async def test_no_clipboard_claim_where_a_copy_cannot_arrive(tmp_path: Path) -> None:
    """Under tmux's default the copy would be dropped: the dialog says so, the update is saved to
    a file in the incident directory, the journal says file (not clipboard), the toast says
    drafted and where."""
    from tests.app.drill_support import drill_app, events, wait_dashboard, wait_screen
    from textual.widgets import Static
    from tui.clipboard import ClipboardRoute

    app = drill_app(tmp_path)
    app.ctx.clipboard = ClipboardRoute(False, "tmux drops a program's clipboard copy (set-clipboard is 'external')")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await wait_screen(pilot, DeclareScreen)
        await pilot.press("ctrl+s")
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: (app.dashboard.view.header.incident_id or "").startswith("INC-"), 60)
        await pilot.press("u")
        dialog = await wait_screen(pilot, StatusUpdateScreen)
        assert "set-clipboard is 'external'" in str(dialog.query_one("#no-clipboard", Static).render())
        labels = [str(b.label) for b in dialog.query(Button)]
        assert "Save to file + journal (ctrl+s)" in labels and not any("Copy" in x for x in labels)
        notes: list[str] = []
        real_notify = app.notify

        def spy(message: str, **kw: object) -> None:
            notes.append(message)
            real_notify(message, **kw)  # type: ignore[arg-type]

        app.notify = spy  # type: ignore[method-assign]
        await pilot.press("ctrl+s")
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: bool(events(app, "status_update.sent")))
        data = events(app, "status_update.sent")[-1].data
        assert "clipboard" not in data["channels"] and "file" in data["channels"]
        await wait_for(pilot, lambda: any("drafted" in n for n in notes))
        note = next(n for n in notes if "drafted" in n)
        assert "saved to" in note and "not sent by warroom" in note
        saved = list((app.dashboard.presenter.require().incident.dir / "status-updates").glob("update-*.txt"))
        assert len(saved) == 1 and app.dashboard.view.header.incident_id in saved[0].read_text()
        assert oct(saved[0].stat().st_mode & 0o777) == "0o600"


def palette_highlights(app: Any, word: str) -> bool:
    """The command palette is open with a command naming ``word`` highlighted."""
    from textual.command import CommandList, CommandPalette

    if not isinstance(app.screen, CommandPalette):
        return False
    found = app.screen.query(CommandList)
    listing = found.first() if found else None
    if listing is None or listing.highlighted is None or not listing.option_count:
        return False
    option = listing.get_option_at_index(listing.highlighted)
    return word.lower() in str(option.prompt).lower()
