"""The Go/No-Go dialog judges its criteria again while it is open: a metric crossing its threshold
turns "not met" into "met" (and the suggestion with it) without closing the dialog; looks never
overlap (the next starts only after the last was drawn); a failed look is said and the next one
still comes; the typed reason survives a redraw; the verdict is recorded with the view on screen."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from textual.widgets import Input

from tests.app.tui_support import make_app, timer_periods, wait_for
from tui.screens.modals.decision import DecisionAnswer, DecisionScreen
from warroom.errors import WarroomError
from warroom.incident import decisions as dec
from warroom.incident.state import IncidentState
from warroom.runbook.parser import find_decisions

BLOCK = '''```decision
question = "Roll back to the pilot?"
deadline = "15m"
on_go = "RB-LAUNCH-002"
[[go]]
text = "5 or more repositories failing"
query = "failing_repos"
op = ">="
value = 5
[[no_go]]
text = "3 or fewer repositories failing"
query = "failing_repos"
op = "<="
value = 3
```
'''


class World:
    """A metric that the test moves while the dialog is open, and a look the test can hold."""

    def __init__(self) -> None:
        (self.decision,), problems = find_decisions(BLOCK)
        assert not problems
        self.state = IncidentState(id="INC-1")
        self.state.declared_at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
        self.failing = 2.0
        self.fail_next: Exception | None = None
        self.hold = threading.Event()
        self.hold.set()
        self.calls = 0
        self.inside = 0
        self.most_inside = 0
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def judge(self, _view: dec.DecisionView | None = None) -> dec.DecisionView:
        with self._lock:
            self.calls += 1
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        self.threads.add(threading.current_thread().name)
        try:
            assert self.hold.wait(30), "the test never released the look"
            if self.fail_next is not None:
                exc, self.fail_next = self.fail_next, None
                self.hold.clear()                 # the look after the failure waits for the test
                raise exc
            now = datetime(2026, 12, 1, 12, 5, tzinfo=UTC) + timedelta(seconds=self.calls)
            return dec.evaluate(self.decision, "RB-LAUNCH-005", self.state, now,
                                query=lambda _e: [self.failing], step_output=lambda _s: None)
        finally:
            with self._lock:
                self.inside -= 1


def criteria(screen: DecisionScreen) -> str:
    return str(screen.query_one("#decision-criteria-text").render())


def head(screen: DecisionScreen) -> str:
    """The lines above the criteria: the head, and an earlier verdict or a failed look (one line each)."""
    return "\n".join(str(screen.query_one(wid).render()) for wid in ("#decision-head", "#decision-said"))


async def test_a_metric_crossing_its_threshold_while_the_dialog_is_open_changes_met() -> None:
    world = World()
    app = make_app()
    answers: list[DecisionAnswer | None] = []
    async with app.run_test(size=(120, 40)) as pilot:
        first = world.judge()
        assert [c.state for c in first.criteria] == ["not met", "met"] and first.suggestion == "NO-GO"
        world.threads.clear()                                  # the first judging was the test's own
        screen = DecisionScreen(first, by="dana", rejudge=world.judge, every=0.05)
        app.push_screen(screen, answers.append)
        await pilot.pause()
        assert "✗ not met  5 or more repositories failing" in criteria(screen)
        assert "suggestion: NO-GO" in head(screen)
        screen.query_one("#why", Input).value = "half the fleet is failing"
        world.failing = 7.0                                   # the metric crosses while it is open
        await wait_for(pilot, lambda: "✔ met      5 or more repositories failing" in criteria(screen), 30)
        assert "✗ not met  3 or fewer repositories failing" in criteria(screen)
        assert "suggestion: GO" in head(screen)
        assert screen.query_one("#why", Input).value == "half the fleet is failing"   # typing survives
        assert all(name != threading.main_thread().name for name in world.threads)   # judged off the loop
        await pilot.press("ctrl+s")                            # the suggestion now on screen: GO
        await wait_for(pilot, lambda: bool(answers))
    (answer,) = answers
    assert answer is not None and answer.verdict == "GO"
    assert answer.view is not None and answer.view.suggestion == "GO"
    assert answer.view.criteria[0].state == "met" and answer.view.criteria[0].value == 7.0


async def test_looks_never_overlap_and_a_failed_look_is_said_and_the_next_one_comes() -> None:
    world = World()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = DecisionScreen(world.judge(), by="dana", rejudge=world.judge, every=0.01)
        world.hold.clear()                                     # the next look hangs (a slow Prometheus)
        app.push_screen(screen)
        await wait_for(pilot, lambda: world.calls == 2, 30)
        await timer_periods(pilot, screen, screen.every, 20)    # many timer periods pass: no second look
        assert world.calls == 2 and world.most_inside == 1
        world.fail_next = WarroomError("prometheus: connection refused")
        world.hold.set()                                       # that look fails
        await wait_for(pilot, lambda: "the last look failed: prometheus: connection refused" in head(screen), 30)
        assert "✗ not met  5 or more repositories failing" in criteria(screen)   # the last good look stays
        await wait_for(pilot, lambda: world.inside == 1, 30)  # and the next look came all the same
        world.failing = 9.0
        world.hold.set()
        await wait_for(pilot, lambda: "✔ met      5 or more repositories failing" in criteria(screen), 30)
        assert "the last look failed" not in head(screen)
        assert world.most_inside == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.is_attached, 30)
        calls = world.calls
        await timer_periods(pilot, app, screen.every, 10)       # closed: no more looks
        assert world.calls <= calls + 1 and world.most_inside == 1


async def test_the_dialog_in_the_mass_failure_drill_looks_again_through_the_incident(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Wired to the presenter: G opens the dialog judged once; while it stays open the
    decision is judged again from the drill (a later judged_at), never journaled twice."""
    from tests.app.drill_support import declare_prefilled, drill_app, events, wait_screen

    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_prefilled(pilot)
        await pilot.press("G")
        screen = await wait_screen(pilot, DecisionScreen, 30)
        opened = screen.view
        assert screen.rejudge is not None and screen.every > 0
        await wait_for(pilot, lambda: screen.looks >= 2 and screen.view is not opened, 60)
        assert screen.view.decision.id == opened.decision.id and screen.view.runbook_id == opened.runbook_id
        assert screen.view.judged_at is not None and opened.judged_at is not None
        assert screen.view.judged_at > opened.judged_at        # drill time moved on between the looks
        assert len(screen.view.criteria) == len(opened.criteria) == 16
        assert not events(app, "decision.recorded")
