"""The start's "resume it?" offer when its look for open incidents answers late (a busy box).

Seen under load in tmux: the commander pressed d and declared before the look finished; the
look's list then held the incident just declared, and "An incident is still open — resume it?"
came up over it, taking the keys meant for the checklist. The rule (``tui.resume_offer``): an
offer is dropped once an incident is declared or resumed here, and waits while a dialog is open.
The look is replaced here by its message arriving at a chosen moment: the order is the test's,
not the machine's speed.
"""

from __future__ import annotations

from pathlib import Path

from tests.app.drill_support import declare_prefilled, drill_app, wait_dashboard, wait_screen
from tests.app.tui_support import metrics_drawn, wait_for
from tui.messages import ResumeOffer
from tui.presenter import OpenSummary
from tui.resume_offer import ResumeOfferGate
from tui.screens.modals.forms import DeclareScreen
from tui.screens.modals.pickers import ResumeScreen


def _open(inc_id: str) -> OpenSummary:
    return OpenSummary(id=inc_id, title="quota climbing", severity="P2", status="investigating",
                       declared_at=1.0)


def test_the_gate_drops_an_offer_once_chosen_and_holds_it_under_a_dialog() -> None:
    gate = ResumeOfferGate()
    gate.arrived([_open("INC-1")])
    assert gate.due(on_top=False) is None                      # a dialog is open: it waits
    assert [o.id for o in gate.due(on_top=True)] == ["INC-1"]  # then shown, once
    assert gate.due(on_top=True) is None

    gate = ResumeOfferGate()
    gate.hold()                                                # the declare dialog opened
    gate.arrived([_open("INC-1")])
    assert gate.due(on_top=True) is None                       # its answer is not known yet
    gate.release()                                             # cancelled: the offer may come
    assert [o.id for o in gate.due(on_top=True)] == ["INC-1"]

    gate = ResumeOfferGate()
    gate.hold()
    gate.arrived([_open("INC-1")])
    gate.choose()                                              # declared: the offer is moot
    assert gate.due(on_top=True) is None
    gate.arrived([_open("INC-2")])                             # and none is taken later either
    assert gate.due(on_top=True) is None


async def test_an_offer_that_arrives_after_the_declaration_is_not_shown(tmp_path: Path) -> None:
    app = drill_app(tmp_path, speed=20.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_dashboard(pilot)
        await declare_prefilled(pilot)
        live = app.dashboard.presenter.live
        assert live is not None
        # the look's answer, late: it lists the incident just declared
        app.dashboard.post_message(ResumeOffer([_open(str(live.id))]))
        for _ in range(5):
            await pilot.pause()
        assert app.screen is app.dashboard and not isinstance(app.screen, ResumeScreen)


async def _offer_while_declaring(pilot) -> None:  # type: ignore[no-untyped-def]
    """The declare dialog open, then the look's answer arrives: it is held (a known state, not a
    count of pauses) and never drawn over the dialog."""
    app = pilot.app
    await wait_dashboard(pilot)
    await metrics_drawn(pilot)
    await pilot.press("d")
    await wait_screen(pilot, DeclareScreen, 30)
    app.dashboard.post_message(ResumeOffer([_open("INC-20261201-7")]))
    await wait_for(pilot, lambda: app.dashboard.actions.resume.pending is not None, 30)
    assert isinstance(app.screen, DeclareScreen)


async def test_an_offer_that_arrives_while_declaring_waits_and_is_dropped_on_declare(tmp_path: Path) -> None:
    app = drill_app(tmp_path, speed=20.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await _offer_while_declaring(pilot)
        await pilot.press("ctrl+s")
        await wait_dashboard(pilot)
        for _ in range(10):
            await pilot.pause()
        assert app.screen is app.dashboard                     # declared: no question left over it


async def test_an_offer_held_by_a_cancelled_declare_is_shown_when_the_dialog_closes(tmp_path: Path) -> None:
    app = drill_app(tmp_path, speed=20.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await _offer_while_declaring(pilot)
        await pilot.press("escape")
        screen = await wait_screen(pilot, ResumeScreen, 30)    # nothing chosen: the offer comes now
        assert [i.id for i in screen.incidents] == ["INC-20261201-7"]
