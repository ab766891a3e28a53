"""The dialogs on their own: what they pre-fill, what they refuse, what they answer."""

from __future__ import annotations

from textual.widgets import Input, Select, Static, TextArea

from tests.app.tui_support import make_app, metrics_drawn, wait_for
from tui.screens.modals.forms import DeclareScreen, NoteAnswer, NoteScreen, SkipScreen
from tui.screens.modals.run_step import ParamField, Preview, RunAnswer, RunStepScreen


def run_dialog(mutating: bool = True, read_only: bool = False) -> RunStepScreen:
    def preview(params: dict[str, str]) -> Preview:
        ns = params.get("namespace", "")
        if not ns:
            return Preview(command=None, mutating=mutating, error="missing required parameter namespace")
        return Preview(command=f"kubectl set env deploy/flowengine -n {ns} CIRCUIT_BREAKER=on",
                       target={"context": "drill-cluster", "namespace": ns}, mutating=mutating,
                       timeout=60, expect="env updated")

    return RunStepScreen(number=4, label="Enable the circuit breaker", section="Mitigation",
                         fields=[ParamField("namespace", "production", "config", "where flowengine runs")],
                         preview=preview, read_only=read_only)


async def test_declare_is_prefilled_from_the_breached_pane() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareScreen))
        screen = app.screen
        assert screen.query_one("#title", Input).value.startswith("Model API quota used at 87")
        assert screen.query_one("#severity", Select).value == "P3"
        assert screen.source["kind"] == "pane" and screen.source["ref"] == "quota"
        screen.query_one("#title", Input).value = ""
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, DeclareScreen)  # refused: no title
        assert "title is needed" in str(screen.query_one("#form-error").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard)


async def test_run_dialog_shows_target_and_asks_again_for_mutating_steps() -> None:
    app = make_app()
    answers: list[RunAnswer | None] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(run_dialog(), answers.append)
        await pilot.pause()
        dialog = app.screen
        assert "namespace production" in str(dialog.query_one("#run-target").render())
        assert "MUTATING" in str(dialog.query_one("#run-warning").render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is not dialog)  # the confirmation
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(answers))
    assert answers == [RunAnswer({"namespace": "production"}, confirmed=True)]


async def test_run_dialog_refuses_while_a_parameter_is_invalid() -> None:
    app = make_app()
    answers: list[RunAnswer | None] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(run_dialog(mutating=False), answers.append)
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#param-namespace", Input).value = ""
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog and not answers
        assert "missing required parameter" in str(dialog.query_one("#form-error").render())
        dialog.query_one("#param-namespace", Input).value = "staging"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(answers))
    assert answers == [RunAnswer({"namespace": "staging"}, confirmed=False)]


async def test_note_accepts_a_10000_character_paste_with_its_tag() -> None:
    app = make_app()
    answers: list[NoteAnswer | None] = []
    text = ("retry storm after the batch import; " * 300)[:10_000]
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(NoteScreen(), answers.append)
        await pilot.pause()
        app.screen.query_one("#tag", Select).value = "root-cause"
        area = app.screen.query_one("#text", TextArea)
        area.focus()
        area.insert(text)  # what a bracketed paste does
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(answers))
    assert answers[0] is not None
    assert answers[0].tag == "root-cause"
    assert answers[0].text == text.strip()
    assert len(answers[0].text) > 9_900


async def test_skip_needs_a_reason() -> None:
    app = make_app()
    answers: list[str | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(SkipScreen("5. Lower the concurrency"), answers.append)
        await pilot.pause()
        await pilot.press("enter")
        assert not answers
        await pilot.press(*"not needed: breaker fixed it")
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(answers))
    assert answers == ["not needed: breaker fixed it"]


async def test_actions_without_an_incident_say_so() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        for key in ("n", "r", "v", "m", "u", "p", "e"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is app.dashboard
        assert app.dashboard.controller.incident is None


async def test_resolve_enter_moves_from_summary_to_resolution() -> None:
    from tui.screens.modals.forms import ResolveAnswer, ResolveScreen

    app = make_app()
    answers: list[ResolveAnswer | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(ResolveScreen("Quota exhausted", open_steps=2), answers.append)
        await pilot.pause()
        await pilot.press(*"breaker on", "enter")
        await pilot.pause()
        assert not answers  # enter in the summary only moves on
        await pilot.press(*"enabled the circuit breaker", "enter")
        await wait_for(pilot, lambda: bool(answers))
    # the rollback left unanswered: not said, never a default "no" (redteam39 F5)
    assert answers == [ResolveAnswer("breaker on", "enabled the circuit breaker", None)]


async def test_resolve_carries_the_reading_drawn_not_one_come_in_the_submit_s_frame(monkeypatch) -> None:
    """attack40 A7: a look's reading handled just before the enter key, in the same frame, was carried by the
    answer (and journaled as acknowledged) though the screen was never drawn with it. The answer carries
    the reading last drawn; the later one is the resolution's fresh reading's to journal beside, unseen."""
    from datetime import UTC, datetime

    from tui.screens.modals.forms import ResolveAnswer, ResolveScreen
    from warroom.incident.concern_reading import ConcernReading

    rate = "Flow failure rate is still critical (13.7%, threshold 1%)"
    first = ConcernReading(datetime(2026, 12, 5, 4, 0, tzinfo=UTC), (rate,))
    seen = ConcernReading(datetime(2026, 12, 5, 4, 0, 2, tzinfo=UTC), (rate,))
    late = ConcernReading(datetime(2026, 12, 5, 4, 0, 5, tzinfo=UTC),
                          (rate, "step 12 (Flow failure rate over 15 minutes): expectation not met (2.1)"))
    app = make_app()
    answers: list[ResolveAnswer | None] = []
    drawn: list[ConcernReading | None] = []           # the dialog's reading at each frame written to the terminal
    display = app._display

    def spy(screen, update):  # type: ignore[no-untyped-def]
        if isinstance(screen, ResolveScreen):
            drawn.append(screen.reading)
        display(screen, update)

    monkeypatch.setattr(app, "_display", spy)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = ResolveScreen("Quota exhausted", reading=first)
        app.push_screen(dialog, answers.append)
        await pilot.pause()
        dialog.post_message(ResolveScreen.Reread(seen))    # a look drawn before the submit: carried
        dialog.query_one("#summary", Input).value = "breaker on"
        field = dialog.query_one("#resolution", Input)
        field.value = "enabled the circuit breaker"
        field.focus()
        await wait_for(pilot, lambda: any(r is seen for r in drawn))
        await pilot.pause()
        post = field.post_message

        def look_then_enter(message):  # type: ignore[no-untyped-def]
            """The enter key's Submitted reaches the dialog right behind a look's reading, in one frame
            (straight to the dialog, as it bubbles there: no idle, so no repaint, between the two)."""
            if not isinstance(message, Input.Submitted):
                return post(message)
            dialog.post_message(ResolveScreen.Reread(late))
            return dialog.post_message(message)

        monkeypatch.setattr(field, "post_message", look_then_enter)
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(answers))
    (answer,) = answers
    assert answer is not None and any(answer.reading is r for r in drawn), (answer, drawn)
    assert answer.reading is seen and answer.concerns == seen.concerns, answer


async def test_bracketed_text_is_shown_literally_not_taken_as_markup() -> None:
    """Config keys like ``[webhook]`` appear in hints; Rich markup would swallow them."""
    from textual.widgets import Static

    from tui.screens.modals.status_update import StatusUpdateScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(StatusUpdateScreen("All good [REDACTED:token]"))
        await wait_for(pilot, lambda: isinstance(app.screen, StatusUpdateScreen) and bool(app.screen.query(".hint")))
        hint = app.screen.query_one(".hint", Static)
        assert "under [webhook] in the config" in str(hint.render())
        await pilot.press("escape")


async def test_confirm_shows_the_command_exactly_even_with_brackets() -> None:
    """The IC confirms what they read: ``[a-z]`` or ``[bold]`` in a command must not vanish."""
    from textual.widgets import Static

    from tui.screens.modals.confirm import ConfirmScreen

    command = "sed -i 's/[a-z]*[bold]//' /etc/flowengine.conf && kubectl get pods -o jsonpath='{.items[*]}'"
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(ConfirmScreen("Run mutating step [7]?", command, confirm_label="Yes, run it"))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen) and bool(app.screen.query("#confirm-body")))
        assert str(app.screen.query_one("#confirm-body", Static).render()) == command
        assert "[7]" in str(app.screen.query_one(".dialog-title", Static).render())


async def test_declare_is_prefilled_from_the_pane_that_broke_first() -> None:
    """Several panes critical: the first to break is usually the cause (quota before failures)."""
    from warroom.sources.evaluate import SloTracker
    from warroom.sources.model import SloSample

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        dash = app.dashboard
        slos = app.ctx.config.slo
        tracker = SloTracker(slos, 300.0)
        now = 1_800_000_000.0
        series = {"failure_rate": ((now - 60, 0.4), (now - 30, 1.2), (now, 1.4)),
                  "quota": ((now - 90, 70.0), (now - 60, 85.0), (now - 30, 88.0), (now, 91.0))}

        def samples(at: float, bump: float = 0.0) -> list[SloSample]:
            return [SloSample(s.id, (series[s.id][-1][1] + bump) if s.id in series else 0.0,
                              series=series.get(s.id, ()), sample_time=at, fetched_at=at) for s in slos]

        # Both breached at the first look: the tracker dates each from its sparkline, quota first.
        dash.show_readings(tracker.update(samples(now), now=now), now)
        assert dash.first_breached().slo.id == "quota"
        # A pane that breaks later never displaces the first one, whatever its position.
        dash.show_readings(tracker.update(samples(now + 5, 0.1), now=now + 5), now + 5)
        assert dash.first_breached().slo.id == "quota"
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareScreen))
        assert app.screen.source["ref"] == "quota"
        await pilot.press("escape")


async def test_declare_in_the_mass_failure_drill_uses_the_scenarios_runbook_and_a_symptom_title(tmp_path) -> None:
    """The drill knows the incident: RB-LAUNCH-005 P1, whichever pane broke first; and the title
    names what is seen, never the cause the responders have to find."""
    from tests.app.drill_support import drill_app

    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareScreen), 30)
        screen = app.screen
        # The screen is current before its widgets are mounted (a busy machine shows it): wait for
        # the field itself, then for the value the drill fills in.
        await wait_for(pilot, lambda: any(s.value != Select.NULL for s in screen.query("#severity").results(Select)),
                       30)
        assert screen.query_one("#severity", Select).value == "P1"
        assert screen.query_one("#runbook", Select).value == "RB-LAUNCH-005"
        title = screen.query_one("#title", Input).value.lower()
        assert "v1.2.0" not in title and "release" not in title and "after" not in title
        await pilot.press("escape")


class _HandledDeclare(DeclareScreen):
    """The declare dialog, saying which selection changes its handler has finished with: "the
    runbook change did not move the severity" is checked after the change was handled, not after
    a pause that a busy machine may end first (the change bubbles from the Select to the screen
    through two message queues)."""

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.handled: list[tuple[str | None, str]] = []

    def on_select_changed(self, event: Select.Changed) -> None:
        DeclareScreen.on_select_changed(self, event)
        event.prevent_default()                 # the dialog's own handler ran just above, once
        self.handled.append((event.select.id, str(event.value)))


async def test_picking_a_runbook_offers_its_severity_until_one_is_chosen(tmp_path) -> None:
    screen = _HandledDeclare(title="x", severity="P3", runbook=None,
                             runbooks=[("RB-A  a", "RB-A"), ("RB-B  b", "RB-B")],
                             runbook_severity={"RB-A": "P1", "RB-B": "p2"})
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(screen)
        await pilot.pause()
        sev = screen.query_one("#severity", Select)
        screen.query_one("#runbook", Select).value = "RB-A"
        await wait_for(pilot, lambda: sev.value == "P1")
        screen.query_one("#runbook", Select).value = "RB-B"
        await wait_for(pilot, lambda: sev.value == "P2")
        sev.value = "P4"                                  # the commander decides
        await wait_for(pilot, lambda: ("severity", "P4") in screen.handled)
        seen = len(screen.handled)
        screen.query_one("#runbook", Select).value = "RB-A"
        await wait_for(pilot, lambda: ("runbook", "RB-A") in screen.handled[seen:])   # the change was handled
        await pilot.pause()                               # and anything it set was handled too
        assert sev.value == "P4"
        assert ("severity", "P1") not in screen.handled[seen:]


async def test_status_key_says_mitigated_with_what_was_seen(tmp_path) -> None:
    """redteam42 R5: the commander's word "mitigated" was CLI-only, so a team working a drill in the console was
    graded on a pane that lags the fix by an hour. ``m`` offers "mitigated" while the response is short of it; the
    word and the reason are journaled, the header says it, and it is the Time-to-mitigate milestone."""
    from panes.header import IncidentHeader
    from tui.screens.modals.forms import StatusScreen
    from warroom.journal.reader import read_journal

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareScreen))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.dashboard.controller.incident is not None and app.screen is app.dashboard)
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, StatusScreen))
        assert app.screen.query_one("#status", Select).value == "mitigated"
        app.screen.query_one("#reason", Input).focus()
        await pilot.press(*"no failure since the rollback", "ctrl+s")
        await wait_for(pilot, lambda: app.screen is app.dashboard)
        inc = app.dashboard.controller.incident
        await wait_for(pilot, lambda: inc.state.explicit_status == "mitigated")
        [said] = [e for e in read_journal(inc.dir / "journal.jsonl").events if e.type == "status.changed"]
        assert said.data["to"] == "mitigated" and said.data["reason"] == "no failure since the rollback"
        assert inc.state.phase_sources()["mitigated"][1:] == (said.seq, "status")
        assert any("Status" in t.text and "no failure since the rollback" in t.text for t in inc.state.timeline)
        await wait_for(pilot, lambda: app.dashboard.view.header.status == "mitigated")
        identity = app.dashboard.query_one(IncidentHeader).query_one(".hdr-identity", Static)
        await wait_for(pilot, lambda: "MITIGATED" in str(identity.render()))
