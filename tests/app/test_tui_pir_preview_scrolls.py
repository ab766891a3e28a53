"""The PIR preview (``p``) is read from the keyboard, as the drill report (``g``) is.

At 80x24 over SSH the preview showed its title block and the first rows of the header table, and
no key moved it (Down, PageDown, End, j): the commander could read none of the decisions, impact or
timeline before exporting it (redteam39 F15). Its draft scrolls now with the report's keys, each a
binding with an id (``tui.bindings.scroll_bindings``).

The drill's clock is pinned ($WARROOM_DRILL_AT): the draft is then of one moment and is not drawn
again under the keys. Unpinned, at x60 it changed every 5 s ("ongoing ... to now"), each change
rebuilt the Markdown, and the dashboard's polls kept the process busy, so every key press waited
out Pilot's idle bound. The test took 21 s and 14 s on a quiet CI. On a loaded box, a rebuild
landing just after End failed it ("End did not bring the last section on screen")."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownH2

from tests.app.drill_support import declare_prefilled, drill_app, wait_screen
from tests.app.test_tui_dialog_warnings_in_sight import out_of_sight
from tests.app.tui_support import press_loaded, wait_for
from tui.bindings import PIR_BINDINGS, REPORT_BINDINGS
from tui.screens.modals.pir import PirScreen
from warroom import scenario_time

PIN = datetime(2026, 12, 2, 10, 0, tzinfo=UTC).timestamp()


SIZES = ((80, 24), (120, 40))


async def test_the_last_section_of_a_real_pir_is_brought_on_screen_by_keys(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At each size of ``SIZES`` the preview is opened afresh and read to its end by the keys. One
    drill and one declaration serve both sizes (the terminal resized between them, the preview
    closed): the test was parametrized by size, and each run started the drill and declared anew."""
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=SIZES[0]) as pilot:
        await declare_prefilled(pilot)
        for size in SIZES:
            if app.size != size:
                await pilot.resize_terminal(*size)
                await wait_for(pilot, lambda: tuple(app.size) == size and tuple(app.dashboard.size) == size, 30)
            await _read_to_the_end_by_keys(pilot, size)


async def _read_to_the_end_by_keys(pilot: Any, size: tuple[int, int]) -> None:
    """``p`` on the dashboard, the draft read from its top to its last section with the keys, ``escape``."""
    app = pilot.app
    await press_loaded(pilot, "p")
    screen = await wait_screen(pilot, PirScreen, 30)
    md = screen.query_one("#pir-md", Markdown)
    view = screen.query_one("#pir-scroll")
    # every section of the draft mounted, however long the Markdown takes to load on a loaded box (the loop below
    # is bounded by rounds, not by the draft: it once ended before the last sections were in, "the draft fits")
    sections = _h2_count(md.source)
    assert sections > 1, md.source[:400]
    await wait_for(pilot, lambda: len(md.query(MarkdownH2)) == sections, 60)
    # the document lays out over several frames (tables, code blocks): End scrolls to the end as laid out at
    # that moment, so wait until the scrollable height stops growing (bounded), else a table sized a frame later
    # pushes the last section back out (CI, loaded: "End did not bring the last section on screen")
    seen = (-1.0, -1)
    for _ in range(100):
        await pilot.pause(0.05)
        now = (view.max_scroll_y, len(md.query(MarkdownH2)))
        if now == seen and now[0] > 0:
            break
        seen = now

    def last() -> MarkdownH2:     # asked each time: a live draft that changed is drawn again
        return list(md.query(MarkdownH2))[-1]

    assert out_of_sight(screen, last()), (size, "the draft fits: nothing to scroll")
    await press_loaded(pilot, "end")
    await pilot.pause()
    assert not out_of_sight(screen, last()), (size, "End did not bring the last section on screen")
    await press_loaded(pilot, "home")
    await pilot.pause()
    assert view.scroll_y == 0, size
    for key in ("j", "down", "pagedown"):          # each moves it on, one key at a time
        before = view.scroll_y
        await press_loaded(pilot, key)
        await pilot.pause()
        assert view.scroll_y > before, (size, key)
    for key in ("k", "up", "pageup"):              # and back
        before = view.scroll_y
        await press_loaded(pilot, key)
        await pilot.pause()
        assert view.scroll_y < before, (size, key)
    pages = 0                                      # page by page, to the last section (bounded)
    while out_of_sight(screen, last()) and pages < 100:
        await press_loaded(pilot, "pagedown")
        await pilot.pause()
        pages += 1
    assert not out_of_sight(screen, last()), (size, pages, view.scroll_y, view.max_scroll_y)
    await press_loaded(pilot, "escape")
    await wait_for(pilot, lambda: app.screen is app.dashboard, 30)


def _h2_count(source: str) -> int:
    """The ``##`` sections of a Markdown text, as a Markdown parser reads them (none inside a code block)."""
    from markdown_it import MarkdownIt

    return sum(t.type == "heading_open" and t.tag == "h2" for t in MarkdownIt("gfm-like").parse(source))


def test_every_scroll_key_is_a_binding_with_an_id_and_a_description() -> None:
    for group, bindings in (("pir", PIR_BINDINGS), ("report", REPORT_BINDINGS)):
        keys = {k for b in bindings for k in b.key.split(",")}
        assert {"down", "up", "j", "k", "pagedown", "pageup", "home", "end"} <= keys, (group, keys)
        for b in bindings:
            assert b.id and b.id.startswith(f"{group}.") and b.description, b
            # the view under them is a focused VerticalScroll with bindings of its own (see below)
            assert b.priority or not b.action.startswith("scroll_view("), b


async def test_the_scroll_keys_are_the_screens_not_the_focused_views(tmp_path: Path) -> None:
    """The preview's ``#pir-scroll`` has the focus, and Textual's ``VerticalScroll`` binds down, up, page
    down/up, home and end itself: those took the keys and scrolled it animated, a frame at a time, every frame
    the whole draft laid out and drawn again (a page down was five screen updates over a fifth of a second).
    Each key is the screen's (``tui.bindings.scroll_bindings``): the view moves once, not animated."""
    from tests.app.tui_support import make_app, metrics_drawn

    app = make_app(tmp_path)
    draft = "\n\n".join(f"## Section {i}\n\nA line of the draft." for i in range(8))   # taller than 80x24
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(PirScreen(draft))
        screen = await wait_screen(pilot, PirScreen, 30)
        view = screen.query_one("#pir-scroll")
        assert app.focused is view
        served = {key: (ab.node, ab.binding.id) for key, ab in screen.active_bindings.items()}
        for key in ("down", "up", "j", "k", "pagedown", "pageup", "home", "end"):
            assert key in served and served[key][0] is screen, (key, served.get(key))
            assert (served[key][1] or "").startswith("pir.scroll_"), (key, served[key])
        moves: list[object] = []
        scroll_to = view.scroll_to

        def recorded(*args: Any, **kwargs: Any) -> None:
            moves.append(kwargs.get("animate"))
            scroll_to(*args, **kwargs)

        view.scroll_to = recorded         # type: ignore[method-assign]
        await press_loaded(pilot, "pagedown")
        assert moves == [False] and view.scroll_y > 0, (moves, view.scroll_y)
