"""The Go/No-Go dialog: a decision, not checkboxes; its buttons stay on screen at 80x24; the
answer needs a reason and a name; ctrl+s never decides without a suggestion."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from textual.errors import NoWidget
from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from tests.app.tui_support import make_app, record_notifications, wait_for
from tui.screens.modals.decision import DecisionAnswer, DecisionScreen, criteria_text
from warroom.incident.decisions import CriterionVerdict, DecisionView
from warroom.runbook.parser import find_decisions

BLOCK = '''```decision
question = "Roll back to the pilot?"
deadline = "15m"
on_go = "RB-LAUNCH-002"
[[go]]
text = "5 or more repositories failing"
query = "x"
op = ">="
value = 5
[[no_go]]
text = "fix within 30 minutes"
```
'''


def view(suggestion: str = "GO") -> DecisionView:
    (d,), _ = find_decisions(BLOCK)
    crit = (CriterionVerdict("go", "5 or more repositories failing", "met", "7 >= 5 is true"),
            CriterionVerdict("no_go", "fix within 30 minutes", "unknown", "the commander's judgement"))
    return DecisionView(d, "RB-LAUNCH-005", crit, suggestion, datetime(2026, 12, 1, 12, 15, tzinfo=UTC), True, None)


def test_criteria_read_without_colour() -> None:
    text = criteria_text(view()).plain
    assert "✔ met      5 or more repositories failing — 7 >= 5 is true" in text
    assert "? unknown  fix within 30 minutes" in text


async def test_the_decision_needs_why_and_who_and_keeps_its_buttons_at_80x24() -> None:
    app = make_app()
    answers: list[DecisionAnswer | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        screen = DecisionScreen(view(), by="dana")
        app.push_screen(screen, answers.append)
        await pilot.pause()
        for bid in ("go", "no-go", "cancel"):
            button = screen.query_one(f"#{bid}", Button)
            region = button.region
            assert region.height > 0 and region.bottom <= 24 and region.right <= 80, (bid, region)
        await pilot.click("#go")
        await pilot.pause()
        assert not answers and "Say why" in str(screen.query_one("#form-error").render())
        screen.query_one("#why", Input).value = "seven repos down, no root cause"
        await pilot.press("ctrl+s")                     # takes the suggestion: GO
        await wait_for(pilot, lambda: bool(answers))
    assert answers == [DecisionAnswer("GO", "seven repos down, no root cause", "dana")]


async def test_fifteen_long_criteria_scroll_and_the_buttons_stay_at_80x24() -> None:
    """RB-LAUNCH-005 has 15 criteria: the list scrolls, the why field and the buttons stay on screen."""
    base = view()
    crit = tuple(CriterionVerdict("go" if i < 9 else "no_go", f"criterion {i} " + "with a long explanation " * 4,
                                  ("met", "not met", "unknown")[i % 3], "evidence " * 8) for i in range(15))
    many = DecisionView(base.decision, base.runbook_id, crit, "GO", base.due_at, True, None,
                        due_text="15m00s drill time (1m30s wall) after detection, 12:15:00 UTC")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = DecisionScreen(many, by="dana")
        app.push_screen(screen)
        await pilot.pause()
        for wid in ("#why", "#by", "#go", "#no-go", "#cancel"):
            region = screen.query_one(wid).region
            assert region.height > 0 and region.bottom <= 24 and region.right <= 80, (wid, region)


async def test_ctrl_s_never_decides_without_a_suggestion() -> None:
    app = make_app()
    answers: list[DecisionAnswer | None] = []
    async with app.run_test(size=(120, 40)) as pilot:
        screen = DecisionScreen(view("undecided"), by="dana")
        app.push_screen(screen, answers.append)
        await pilot.pause()
        screen.query_one("#why", Input).value = "x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not answers and "No suggestion" in str(screen.query_one("#form-error").render())
        await pilot.click("#no-go")
        await wait_for(pilot, lambda: bool(answers))
    assert answers[0].verdict == "NO-GO"


async def test_go_no_go_worked_in_the_mass_failure_drill_is_journaled_with_its_criteria(tmp_path) -> None:
    """G in the mass-failure drill: the decision is judged from the drill's metrics, GO with a
    reason is journaled with who, why and every criterion as judged, and the rollback runbook
    opens beside RB-LAUNCH-005."""
    from tests.app.drill_support import declare_prefilled, drill_app, events, wait_screen

    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_prefilled(pilot)
        from panes.runbook import ChecklistPane

        checklist = app.dashboard.query_one(ChecklistPane)
        await wait_for(pilot, lambda: checklist.decisions != (), 30)
        row = checklist.get_option_index("decision-rollback-to-pilot")      # shown as a decision
        # due 15 drill minutes after detection: 15 s of wall time at x60, which a slow box spends
        # before this line (seen at x1200: 'OVERDUE since'), so either standing, with its time
        prompt = str(checklist.get_option_at_index(row).prompt)
        assert re.fullmatch(r"◆ GO/NO-GO (undecided, due|OVERDUE since) \d\d:\d\d:\d\d UTC Roll back to the pilot"
                            r" repository \(RB-LAUNCH-002\)\?", prompt), prompt
        assert not any((o.id or "").startswith("step-") and "Record the decision" in str(o.prompt)
                       for o in checklist.options)
        checklist.highlighted = row
        from panes.step_detail import StepDetailPane

        detail = app.dashboard.query_one(StepDetailPane)
        await wait_for(pilot, lambda: "◆ Go/No-Go: Roll back to the pilot" in str(detail.render()), 30)
        # a view rebuilt from the journal (any new event does it) keeps the decision in the pane
        app.dashboard.show_view(app.dashboard.view, checklist.runbook)
        await pilot.pause()
        assert "◆ Go/No-Go: Roll back to the pilot" in str(detail.render())
        checklist.highlighted = checklist.get_option_index("decision-rollback-to-pilot")
        await pilot.press("enter")                                           # enter on it decides it
        screen = await wait_screen(pilot, DecisionScreen, 30)
        assert screen.view.runbook_id == "RB-LAUNCH-005" and screen.view.decision.id == "rollback-to-pilot"
        judged = {c.text: c.state for c in screen.view.criteria}
        assert judged["5 or more repositories failing (over half of the Phase 6 scope)"] in ("met", "not met")
        assert judged["A security incident is confirmed (leaked credentials, breach)"] == "unknown"
        screen.query_one("#why", Input).value = "no root cause yet and the failures keep spreading"
        screen.query_one("#by", Input).value = "dana (IC)"
        await pilot.click("#go")
        await wait_for(pilot, lambda: bool(events(app, "decision.recorded")), 30)
        (recorded,) = events(app, "decision.recorded")
        assert recorded.data["verdict"] == "GO" and recorded.data["by"] == "dana (IC)"
        assert recorded.data["why"] == "no root cause yet and the failures keep spreading"
        assert len(recorded.data["criteria"]) == 16 and recorded.data["runbook_id"] == "RB-LAUNCH-005"
        measured = [c for c in recorded.data["criteria"] if c["kind"] == "metric"]
        assert measured and all(isinstance(c.get("value"), float) and c.get("source") for c in measured
                                if c["state"] != "unknown")
        await wait_for(pilot, lambda: any(e.data.get("id") == "RB-LAUNCH-002"
                                          for e in events(app, "runbook.attached")), 30)
        # RB-LAUNCH-002 opens BESIDE RB-LAUNCH-005, which stays where it is; it states the same
        # decision: it reads as taken in both, by whom
        def go_row(pane: ChecklistPane) -> str:
            return str(pane.get_option_at_index(pane.get_option_index("decision-rollback-to-pilot")).prompt)

        await wait_for(pilot, lambda: len(app.dashboard.checklists()) == 2, 30)
        beside = app.dashboard.checklists()[1]
        await wait_for(pilot, lambda: beside.runbook is not None and beside.runbook.id == "RB-LAUNCH-002"
                       and "GO by dana (IC)" in go_row(beside), 30)
        assert checklist.runbook is not None and checklist.runbook.id == "RB-LAUNCH-005"
        await wait_for(pilot, lambda: "GO by dana (IC)" in go_row(checklist), 30)
        await pilot.press("G")                       # GO again: history kept, the rollback not opened twice
        again = await wait_screen(pilot, DecisionScreen, 30)
        assert again.view.recorded is not None and again.view.recorded["verdict"] == "GO"
        again.query_one("#why", Input).value = "still spreading"
        said = record_notifications(app)
        await pilot.click("#go")
        # the core call ended (the verdict journaled, then the follow-up found open), not just began. It took
        # 0.3-0.5 s here, idle or with every core busy; it "never came" on loaded CI runs because the click was
        # lost: "GO recorded" ran out while the pointer was on its way, the notice band gave its rows back and
        # GO moved down a row (tui.notices.NoticeBand keeps them now; test_tui_notices checks it)
        await wait_for(pilot, lambda: any("the follow-up runbook was already open" in m for m in said), 60)
        assert len(events(app, "decision.recorded")) == 2
        assert [e.data.get("id") for e in events(app, "runbook.attached")].count("RB-LAUNCH-002") == 1


async def test_the_question_and_the_deadline_stay_in_view_at_80x24() -> None:
    """The head (the deadline and the suggestion; the tally is the verdict grid's, when judged and what GO
    opens are said under it since attack60 F2) is two lines at 80x24 here; it was three in the mass-failure
    drill, and the dialog overflowed by one line, the focused why field scrolled it and the deadline's line
    went under the title. The title and the head are docked together now (as the run dialog's title and
    gate): whatever the criteria hold, both are on screen, whole."""
    base = view()
    crit = tuple(CriterionVerdict("go" if i < 9 else "no_go", f"criterion {i} " + "with a long explanation " * 4,
                                  ("met", "not met", "unknown")[i % 3], "evidence " * 8) for i in range(15))
    many = DecisionView(base.decision, base.runbook_id, crit, "GO", base.due_at, True, None,
                        judged_at=base.due_at, due_text="15m00s drill time (1m30s wall) after detection, 12:15:00 UTC")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = DecisionScreen(many, by="dana")
        app.push_screen(screen)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()      # the focused field's scroll into view, if any
        await pilot.pause()
        title = screen.query_one(".dialog-title").region
        head = screen.query_one("#decision-head").region
        box = screen.query_one("#decision-dialog").content_region
        said = str(screen.query_one("#decision-head").render())
        assert "deadline 15m00s drill time (1m30s wall) after detection, 12:15:00 UTC" in said \
            and "suggestion: GO" in said, said
        assert head.height >= 2 and title.y >= box.y and head.y >= title.bottom and head.bottom <= box.bottom, \
            (title, head, box)
        for wid in ("#why", "#go"):
            region = screen.query_one(wid).region
            assert region.y >= head.bottom and region.bottom <= box.bottom + 3, (wid, region)


def on_screen(screen: Screen) -> list[str]:
    """What the terminal shows of the screen's text widgets, row by row: each Static's rows that
    are not clipped away (scrolled out of its container, below the dialog's fold)."""
    rows: dict[int, list[tuple[int, str]]] = {}
    for widget in screen.query(Static):
        try:
            geo = screen.find_widget(widget)
        except NoWidget:
            continue
        shown = geo.visible_region
        if not shown:
            continue
        strips = widget.render_lines(Region(0, shown.y - geo.region.y, geo.region.width, shown.height))
        for i, strip in enumerate(strips):
            rows.setdefault(shown.y + i, []).append((geo.region.x, "".join(seg.text for seg in strip)))
    return [" ".join(text for _, text in sorted(parts)) for _, parts in sorted(rows.items())]


def rb_launch_005_view(*, overdue: bool = False, recorded: bool = False) -> DecisionView:
    """RB-LAUNCH-005's own decision (16 criteria, from the shipped runbook) judged in every state."""
    from tests.conftest import REPO

    (d,), _ = find_decisions((REPO / "runbooks" / "RB-LAUNCH-005-mass-failure.md").read_text())
    crit = tuple(CriterionVerdict(side, c.text, ("met", "not met", "unknown")[i % 3],
                                  "repos_failing 7 >= 5 is true, judged from the flows of the last hour " * 2)
                 for i, (side, c) in enumerate([("go", c) for c in d.go] + [("no_go", c) for c in d.no_go]))
    return DecisionView(d, "RB-LAUNCH-005", crit, "GO", datetime(2026, 12, 1, 12, 15, tzinfo=UTC), overdue,
                        {"verdict": "GO", "by": "dana (incident commander, platform team, night shift)"}
                        if recorded else None, judged_at=datetime(2026, 12, 1, 12, 16, tzinfo=UTC),
                        due_text="15m00s drill time (30s wall) after detection, 12:15:00 UTC")


async def test_every_verdict_of_rb_launch_005_is_on_screen_at_80x24_without_scrolling() -> None:
    """DECIDE-4: RB-LAUNCH-005's 16 criteria as a list with evidence are taller than an 80x24
    terminal, and the dialog showed 3 of them. Now every criterion's mark (✔ ✗ ?) and the start
    of its words are on screen as it opens, each side headed by its tally, also with the deadline
    overdue, an earlier verdict by a long name and a failed look's long error above them, and the
    form's "Say why" beside the buttons; the evidence follows, scrolling. The question, the fields
    and the buttons stay on screen."""
    from tui.screens.modals.decision import MARKS

    for case in ("plain", "crowded"):
        v = rb_launch_005_view(overdue=case == "crowded", recorded=case == "crowded")
        assert len(v.criteria) == 16
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            screen = DecisionScreen(v, by="dana")
            app.push_screen(screen)
            await pilot.pause()
            if case == "crowded":
                screen.post_message(DecisionScreen.Rejudged(None, "prometheus: connection refused " * 4))
                await wait_for(pilot, lambda: screen.looks == 1)
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            if case == "crowded":                      # and GO pressed without a reason: said, nothing moves
                await pilot.click("#go")
                await wait_for(pilot, lambda: "Say why" in str(screen.query_one("#form-error").render()))
                await pilot.pause()
            shown = on_screen(screen)
            text = "\n".join(shown)
            for c in v.criteria:
                mark = MARKS[c.state][0]
                assert any(re.search(re.escape(mark) + r" .*?" + re.escape(c.text[:20]), row) for row in shown), \
                    (case, c.text, text)
            assert case == "plain" or "Say why, and who decides." in text, text
            assert re.search(r"GO when any holds ✔3 ✗3 \?3", text) and re.search(r"NO-GO when all hold ✔3 ✗2 \?2", text), text
            assert "Go/No-Go: Roll back to the pilot" in text and "suggestion: GO" in text, text
            if case == "crowded":
                assert "OVERDUE" in text and "already decided: GO by dana" in text, text
                assert "the last look failed: prometheus" in text, text
            for wid in ("#why", "#by", "#go", "#no-go", "#cancel"):
                region = screen.query_one(wid).region
                assert region.height > 0 and region.bottom <= 24 and region.right <= 80, (case, wid, region)


def test_the_dialog_says_a_verdict_before_the_decision_arose_does_not_answer_it() -> None:
    """attack38 F9 in the G dialog: a decision not arisen says a verdict now will not answer it,
    and once it arose an earlier verdict is said as recorded before it arose, not "already decided"."""
    from dataclasses import replace

    from tui.screens.modals.decision import head_text, said_text

    early = {"verdict": "GO", "by": "dana", "why": "early", "seq": 3, "at": datetime(2026, 12, 1, 12, 1, tzinfo=UTC),
             "not_needed": "FlowEngine is halted: not met"}
    waiting = replace(view(), overdue=False, not_needed="FlowEngine is halted: not met", early=early)
    assert "a verdict now does not answer it if it arises" in head_text(waiting).plain
    assert "GO by dana recorded while it has not arisen (#3, 12:01:00 UTC)" in said_text(waiting).plain
    arisen = replace(view(), arisen_at=datetime(2026, 12, 1, 12, 3, tzinfo=UTC), early=early)
    said = said_text(arisen, reminded=True).plain
    assert "GO by dana recorded before it arose (#3, 12:01:00 UTC): it does not answer it" in said, said
    assert "already decided" not in said and "deadline passed without a verdict" in said


async def test_every_criterion_of_the_mass_failure_drill_is_on_screen_at_80x24_in_every_state(tmp_path) -> None:
    """attack60 F2: at x60 the drill raises the runbook's 15-minute deadline so the commander has time to
    decide, and the deadline's line said why on two more rows: the dialog showed 15 of RB-LAUNCH-005's 16
    criteria, and 14 once OVERDUE and the in-dialog reminder took a row each — the moment the commander
    must decide. G in the drill at 80x24, read off the rendered screen: every criterion is there as it
    opens (the raised-deadline note said), past the deadline with the reminder, and after a verdict. The
    later states are the drill's own view made overdue (the raised deadline is 2 wall minutes away)."""
    from dataclasses import replace

    from tests.app.drill_support import declare_prefilled, drill_app, wait_screen
    from tui.notices import Notice

    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_prefilled(pilot)
        await pilot.press("G")
        screen = await wait_screen(pilot, DecisionScreen, 30)
        screen.rejudge = None                            # the states below are set here, not looked again
        opened = screen.view
        assert opened.due_text is not None and "raised from the runbook's deadline" in opened.due_text
        assert len(opened.criteria) == 16 and opened.runbook_id == "RB-LAUNCH-005"
        overdue = replace(opened, overdue=True)
        decided = replace(opened, recorded={"verdict": "NO-GO", "by": "dana (incident commander)"})
        for state in ("opened", "overdue with the reminder", "decided"):
            if state != "opened":
                screen.post_message(DecisionScreen.Rejudged(overdue if state != "decided" else decided))
                await wait_for(pilot, lambda: screen.view in (overdue, decided) and not screen._looking, 30)
            if state == "overdue with the reminder":
                screen.carry([Notice("Go/No-Go overdue", "Reminder", "warning", about=screen.subject)])
            await pilot.pause()
            await pilot.wait_for_scheduled_animations()
            await pilot.pause()
            shown = on_screen(screen)
            text = "\n".join(shown)
            for c in screen.view.criteria:
                assert any(c.text[:20] in row for row in shown), (state, c.text, text)
            # the note is not lost: said under the grid (scrolled to), with when it was judged and what GO opens
            more = str(screen.query_one("#decision-more").render())
            assert "deadline raised from the runbook's deadline, 15m00s drill time (15s wall), so the commander" \
                   in more and "judged " in more and "on GO: RB-LAUNCH-002 opens beside" in more, (state, more)
            if state == "overdue with the reminder":
                assert "OVERDUE" in text and "Reminder: the deadline passed without a verdict" in text, text
            if state == "decided":
                assert "already decided: NO-GO by dana" in text, text
            for wid in ("#why", "#by", "#go", "#no-go", "#cancel"):
                region = screen.query_one(wid).region
                assert region.height > 0 and region.bottom <= 24 and region.right <= 80, (state, wid, region)
