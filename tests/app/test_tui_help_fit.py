"""The help screen (``?``) keeps its three columns at 80x24 whatever the user mapped.

``[keys]`` maps a binding id to any comma-separated keys; with the key column no-wrap, one long
mapping made Rich drop the "does" column whole: the help listed keys and ids with no word of what
they do. The keys are words that fold, the ids (typed into the config) stay whole."""

from __future__ import annotations

from tests.app.tui_support import make_app, metrics_drawn, wait_for
from tests.unit.test_fit_table import draw, read_columns
from tui.bindings import all_bindings
from tui.screens.help import HelpScreen, help_table, marks_table

LONG = "ctrl+shift+page_down,ctrl+alt+f12,ctrl+shift+alt+home,f1"


async def test_help_keeps_every_column_beside_a_long_mapping() -> None:
    app = make_app()
    app.ctx.config.keys = {"app.help": LONG, "incident.declare": "ctrl+shift+alt+page_up,ctrl+shift+alt+d"}
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        width = app.screen.query_one("#help-body").content_region.width
        assert width >= 60
        text, _ = draw(help_table(app), width)      # as drawn, whatever the table is
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard)
    rows = [b for _, bindings in all_bindings() for b in bindings]
    assert text.splitlines()[0].split() == ["key", "does", "id", "(for", "[keys])"], text
    assert max(len(ln) for ln in text.splitlines()) <= width, text
    table = help_table(app)
    cols, lines = read_columns(table, width)
    assert cols[0].count(LONG) == 1 and "ctrl+shift+alt+page_up,ctrl+shift+alt+d" in cols[0]
    assert cols[1] == "does" + "".join(str(c) for c in table.columns[1].cells).replace(" ", "")
    assert all(b.description.replace(" ", "") in cols[1] for b in rows)          # every key says what it does
    for b in rows:                                                                 # every id whole, on one line
        assert not b.id or any(ln.strip() == b.id for ln in lines[2]), b.id
    marks, _ = read_columns(marks_table(), width)
    assert marks[0].startswith("mark") and marks[1].startswith("means") and marks[2].startswith("column")
