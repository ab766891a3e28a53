"""A tick box and a radio button say their state in their glyph, not in colour alone.

Textual draws a Checkbox as ``▐X▌`` and a RadioButton as ``▐●▌`` whether on or off; only the
colour differs (under NO_COLOR: faint against bold). The resolve dialog's "A rollback was part of
the fix" then read ticked on a terminal without colour or faint, or in a copy of the screen, and
the PIR's Rollback line is the commander's answer to it (redteam30-1). It is a yes / no now.
"""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Checkbox, RadioButton

from tests.app.tui_support import make_app, metrics_drawn, wait_for
from tui.screens.modals.forms import ResolveScreen

TUI = Path(__file__).resolve().parents[2] / "tui"


def mark(widget: Checkbox | RadioButton) -> str:
    """The glyph between the button's ends, as the terminal prints it (no colour)."""
    return str(widget.render())[1]


async def test_without_a_go_neither_answer_reads_chosen_until_one_is() -> None:
    """The rollback question without a GO (a tick box until redteam39 F5): two answers, each
    saying its state in its glyph."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(ResolveScreen("Quota exhausted"))
        await wait_for(pilot, lambda: isinstance(app.screen, ResolveScreen) and bool(app.screen.query("#rollback-no")))
        yes, no = (app.screen.query_one(f"#rollback-{k}", RadioButton) for k in ("yes", "no"))
        assert (mark(yes), mark(no)) == ("○", "○")
        yes.value = True
        await wait_for(pilot, lambda: yes.value)
        assert (mark(yes), mark(no)) == ("●", "○")
        await pilot.press("escape")


async def test_after_a_go_neither_answer_reads_chosen_until_one_is() -> None:
    app = make_app()
    opened = ('GO on "Roll back?" by lee at 10:00:00 UTC opened RB-LAUNCH-002 (Rollback to pilot): 0 of 19 steps done',)
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(ResolveScreen("Mass failure", opened=opened))
        await wait_for(pilot, lambda: isinstance(app.screen, ResolveScreen) and bool(app.screen.query("#rollback-no")))
        yes, no = (app.screen.query_one(f"#rollback-{k}", RadioButton) for k in ("yes", "no"))
        assert (mark(yes), mark(no)) == ("○", "○")
        no.value = True
        await wait_for(pilot, lambda: no.value)
        assert (mark(yes), mark(no)) == ("○", "●")
        await pilot.press("escape")


def test_every_toggle_of_the_dashboard_is_one_that_says_its_state() -> None:
    """By construction: no dialog builds Textual's own Checkbox or RadioButton (forms.Choice)."""
    bare = [f"{path.relative_to(TUI.parent)}:{n}" for path in sorted(TUI.rglob("*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"(?<![\w.])(Checkbox|RadioButton)\(", line) and not line.lstrip().startswith("class ")]
    assert not bare, bare
