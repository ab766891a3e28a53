"""Whether a rollback was part of the fix is the commander's answer, or not said; never a default.

In the mass-failure drill step 28 (``kubectl rollout undo``) ran ok and the PIR said "Rollback:
no": without a GO the resolve dialog asked with a tick box that started unticked, so an untouched
box was journaled as the commander's "no", in the PIR and the incident log (redteam39 F5). The
question is a yes / no with neither chosen now, the rollback step that ran ok is named above it,
and left unanswered it is not said: the PIR asks a human, the incident log leaves the cell blank.

The reproduction in the drill (RB-LAUNCH-005's rollback step run ok, then ``r`` resolved without an
answer: the journal, the PIR and the incident log) is the last part of
``test_tui_rollback_after_env.py::test_the_rollback_after_the_runbooks_env_steps_leaves_the_bad_release``,
which runs that step in the same drill already."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import RadioButton, RadioSet, Static

from tests.app.test_tui_dialog_warnings_in_sight import out_of_sight
from tests.app.tui_support import make_app, metrics_drawn, wait_for
from tui.screens.modals.forms import ResolveAnswer, ResolveScreen

RAN = ("step 28 (Roll FlowEngine back to the last good revision)",)


async def _answer(pilot: Any, keys: tuple[str, ...]) -> ResolveAnswer:
    """The dialog with no GO and nothing rolled back, answered with ``keys``."""
    app = pilot.app
    answers: list[ResolveAnswer | None] = []
    screen = ResolveScreen("Flow failure rate at 2.61%", 44, ["Flow failure rate is still critical (11.9%)"])
    app.push_screen(screen, answers.append)
    await wait_for(pilot, lambda: app.screen is screen and app.focused in screen.query("#summary"))
    assert not any(getattr(b, "value", False) for b in screen.query("#resolve-dialog *"))   # nothing given in advance
    await pilot.press(*keys)
    await wait_for(pilot, lambda: bool(answers))
    (answer,) = answers
    assert answer is not None
    return answer


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_rollback_is_the_commanders_answer_or_not_said(size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await metrics_drawn(pilot)
        # summary, resolution, enter: nothing said of the rollback, and nothing is recorded for it
        answer = await _answer(pilot, (*"rolled back", "enter", *"rollout undo", "enter"))
        assert (answer.summary, answer.resolution, answer.rollback) == ("rolled back", "rollout undo", None)
        # tab on to the question: it and the step named above it come into sight; enter says yes
        screen = ResolveScreen("Flow failure rate at 2.61%", 44, ["Flow failure rate is still critical (11.9%)"],
                               rolled_back=RAN)
        answers: list[ResolveAnswer | None] = []
        app.push_screen(screen, answers.append)
        await wait_for(pilot, lambda: app.screen is screen and app.focused in screen.query("#summary"))
        said = str(screen.query_one("#resolve-rolled-back", Static).render())
        assert said == f"A rollback step ran ok: {RAN[0]}.", said
        assert not any(b.value for b in screen.query(RadioButton))      # no answer given in advance
        await pilot.press(*"rolled back", "tab", "tab")
        radio = screen.query_one("#rollback-answer", RadioSet)
        await wait_for(pilot, lambda: app.focused is radio)
        await pilot.pause()
        for selector in ("#resolve-rolled-back", "#rollback-answer", "#resolve-concerns"):
            widget = screen.query_one(selector)
            assert not out_of_sight(screen, widget), (selector, widget.region, out_of_sight(screen, widget))
        await pilot.press("down", "enter")                      # the second answer: no rollback
        await wait_for(pilot, lambda: radio.pressed_button is not None)
        assert radio.pressed_button.id == "rollback-no" and app.focused is radio
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(answers))
        assert answers[0] is not None and answers[0].rollback is False
