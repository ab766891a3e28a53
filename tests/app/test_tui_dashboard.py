"""Pilot tests of the dashboard shell: panes fill, keys, help, palette, resizing, keymap."""

from __future__ import annotations

from panes.runbook import ChecklistPane
from panes.slo import SloLine, SloPane
from tests.app.tui_support import make_app, metrics_drawn, sample_runbook, wait_for
from tui.palette import palette_entries
from tui.screens.help import HelpScreen


async def test_panes_show_state_words_and_breached_runbook() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        quota = app.dashboard.query_one("#slo-quota", SloPane)
        assert quota.has_class("state-crit")
        text = str(quota.line(".slo-value"))
        assert "CRIT" in text  # the word, not only the colour
        assert "RB-CORE-003" in str(quota.line(".slo-meta"))
        ok = app.dashboard.query_one("#slo-failure_rate", SloPane)
        assert "OK" in str(ok.line(".slo-value"))
        assert app.dashboard.query_one("#slo-panes").display
        assert not app.dashboard.query_one("#slo-strip").display


async def test_compact_strip_at_80x24_and_too_small_recovers() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        dash = app.dashboard
        assert not dash.query_one("#slo-panes").display
        assert dash.query_one("#slo-strip").display
        assert "CRIT" in str(dash.query_one("#slo-line-quota", SloLine).query_one(".sl-state").render())
        await pilot.resize_terminal(40, 12)
        await wait_for(pilot, lambda: dash.query_one("#too-small").display
                       and not dash.query_one("#main").display)
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: not dash.query_one("#too-small").display
                       and dash.query_one("#main").display and dash.query_one("#slo-panes").display)


async def test_help_lists_every_binding_with_id_and_closes() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard)


async def test_keymap_from_config_remaps_and_reports_unknown_ids() -> None:
    app = make_app()
    app.ctx.config.keys = {"app.help": "f1", "no.such": "x"}
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        assert any("no.such" in e for e in app.keymap_errors)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_checklist_moves_with_j_k_and_tab_changes_pane() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        dash = app.dashboard
        dash.open_runbook_by_id("RB-TEST-003")
        await pilot.pause()
        checklist = dash.query_one(ChecklistPane)
        assert checklist.selected_step().number == 1
        await pilot.press("j", "j", "j")
        assert checklist.selected_step().number == 4  # the section heading is skipped
        await pilot.press("k")
        assert checklist.selected_step().number == 3
        assert "Confirm which provider" in str(dash.query_one("#step-detail").render())
        assert app.focused is checklist
        await pilot.press("tab")
        assert app.focused is not checklist


async def test_palette_offers_actions_and_runbooks() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        titles = [t for t, _, _ in palette_entries(app)]
        assert "incident: declare" in titles
        assert "step: run step" in titles
        assert f"open runbook: RB-TEST-003 {sample_runbook().title}" in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"open runbook")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.dashboard.runbook is not None)


async def test_a_header_drawn_while_the_app_shuts_down_is_not_a_crash() -> None:
    """The App forwards worker messages (a gate's last probe) while it shuts down, when the header's lines
    may already be gone: ``render_header`` then draws nothing (test_gates_resume died on '.hdr-identity')."""
    from panes.header import IncidentHeader

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        await app.dashboard.query_one(IncidentHeader).remove_children()
        app.dashboard.render_header()
