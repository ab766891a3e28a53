"""The selected step stays on screen when the checklist shrinks (the header's verify-gate line
appears after a step runs, taking a row), and the earlier runbooks' rows below the checklist can
be reached from the keyboard (End scrolls to them)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from panes.runbook import ChecklistPane
from panes.view import EarlierRunbook, StepView
from warroom.runbook.parser import parse_bytes

STEPS = "\n".join(f"- [ ] Item number {i}" for i in range(1, 31))
BOOK = f"""+++
id = "RB-TEST-LONG"
title = "Long"
severity = "P3"
+++

# Long

## Items

{STEPS}
"""


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ChecklistPane()


def _visible(pane: ChecklistPane, index: int) -> bool:
    """Every option here is one line (short labels, no wrap), so option ``index`` is line ``index``."""
    top = pane.scroll_offset.y
    return top <= index < top + pane.scrollable_content_region.height


async def test_the_selected_step_stays_visible_when_the_pane_shrinks() -> None:
    book = parse_bytes(BOOK.encode())
    earlier = (EarlierRunbook("RB-OLD", "Old", tuple((i, f"old {i}", StepView()) for i in range(1, 4))),)
    app = ListApp()
    async with app.run_test(size=(60, 20)) as pilot:
        pane = app.query_one(ChecklistPane)
        pane.show_runbook(book, {}, earlier)
        pane.focus()
        await pilot.pause()
        for _ in range(17):            # down to the last row that fits
            await pilot.press("j")
        await pilot.pause()
        chosen = pane.highlighted
        assert chosen is not None and _visible(pane, chosen)
        pane.styles.height = 12        # the header took rows: the pane is shorter now
        await pilot.pause()
        await pilot.pause()
        assert pane.highlighted == chosen and _visible(pane, chosen)
        await pilot.press("end")       # the last step: the earlier runbook's rows come into view
        await pilot.pause()
        await pilot.pause()
        assert _visible(pane, len(pane.options) - 1)
        assert pane.options[-1].id == "earlier-0-2"
