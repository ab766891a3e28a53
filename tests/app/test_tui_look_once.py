"""The dashboard's beat prods the incident's look (``presenter.look_now``) when a Go/No-Go deadline
or an escalation tier has just passed, so the reminder is journaled at once rather than at the
next 15 s look. It prods ONCE per thing due (45b74ae): a look that journals nothing — the incident
is resolved, the decision's ``applies_when`` condition does not hold — leaves the same row due on
the next beat, and a prod every beat made the dashboard look every 2 s for as long as it stayed
open.

Looks are counted through the presenter's ``look_now`` seam and the beats are driven by calling the
screen's ``tick`` a fixed number of times: nothing here depends on how fast wall time passes. The
drill clock is pinned (``$WARROOM_DRILL_AT``) and moved by hand past the decision's deadline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.app.drill_support import Looks, declare_prefilled, drill_app, events, looking, step_state
from tests.app.tui_support import wait_for
from tui.view import deadline_passed, tier_unjournaled
from warroom import scenario_time

PIN = datetime(2026, 11, 19, 10, 0, tzinfo=UTC).timestamp()
BEATS = 40


def _counting_looks(app: Any) -> list[float]:
    """Wrap the presenter's ``look_now``: each prod is recorded (with the drill time it came at)
    and still passed on, so the look itself runs as it would."""
    presenter = app.dashboard.presenter
    real = presenter.look_now
    looks: list[float] = []

    def look_now() -> None:
        looks.append(app.ctx.clock.now())
        real()

    presenter.look_now = look_now
    return looks


async def _beats(pilot: Any, app: Any, ran: Looks, prods: list[float] | None = None) -> None:
    """Twice ``BEATS`` beats. After each half, a look a beat started (on its timer, or prodded:
    ``prods`` grew) runs to its end and any view it changed is loaded before the test goes on.
    "No look running" alone is true before a prodded look starts: a prod within ``LOOK_NOW_EVERY``
    of the last is deferred, not dropped, and the caller's counts would be taken before it."""
    for _ in range(2):
        mark, prodded = ran.started, len(prods or ())
        for _ in range(BEATS):
            app.dashboard.tick()
        if ran.started > mark or looking(app) or len(prods or ()) > prodded:
            await ran.settled(pilot, mark, 30)
        await pilot.pause()


async def test_a_resolved_incident_past_its_decision_deadline_is_looked_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    ran = Looks(monkeypatch)
    app = drill_app(tmp_path, scenario="mass-failure", speed=60.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_prefilled(pilot)
        dash = app.dashboard
        await wait_for(pilot, lambda: bool(dash.view.decisions) and dash.view.decisions[0].due_at is not None, 30)
        row = dash.view.decisions[0]
        assert row.due_at is not None and row.due_at > PIN     # the Go/No-Go is not due yet
        # the first look journals the breaches seen at declaration (one line each); under load they
        # can come after the resolve (late facts, accepted) and would be counted below as the
        # look's doing: wait for that look to END (waiting for one breach line left the next out)
        await ran.settled(pilot)

        dash.presenter.live.incident.resolve("flows back after the provider recovered", rollback=False)
        await wait_for(pilot, lambda: dash.view.header.status == "resolved", 30)
        looks = _counting_looks(app)

        # past the deadline, undecided: the view's row is due (a live incident's look would journal
        # the reminder and the row would stop being due; a resolved incident's journals nothing)
        late = row.due_at + 20
        monkeypatch.setenv(scenario_time.AT_ENV, repr(late))
        assert deadline_passed(dash.view.decisions, app.ctx.clock.now()) == (row.decision_id,)
        before = len(events(app))
        await _beats(pilot, app, ran, looks)
        assert looks == [late]                                  # one prod for the one thing due, not one a beat
        assert len(events(app)) == before                       # the look journaled nothing: the row stays due
        assert deadline_passed(dash.view.decisions, app.ctx.clock.now()) == (row.decision_id,)

        # the clock moving on changes nothing: the same thing is due, no new look
        monkeypatch.setenv(scenario_time.AT_ENV, repr(row.due_at + 40))
        await _beats(pilot, app, ran, looks)
        assert looks == [late]


async def test_a_live_incident_gets_one_look_per_thing_due(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The other side of the rule: each new thing due gets its look, and a look that journals it
    ends the prodding. Tier 1 and the Go/No-Go deadline (both 15 min after detection in
    RB-LAUNCH-005) pass: one look journals both; tier 2 passes later: one more look journals it.
    A pane crossing is a thing due too (``breaches_unjournaled``, its own unit test): the clock's jumps here
    move the panes, so it is left out to count the deadline's and the tiers' looks alone."""
    import tui.view

    monkeypatch.setattr(tui.view, "breaches_unjournaled", lambda header, states: ())
    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    ran = Looks(monkeypatch)
    # x5: the 15-minute deadline is 3 wall minutes, above the 2 a drill gives a commander (at x60 it is raised
    # to 2h00m of drill time, past tier 3: redteam41 G5), so it still falls with tier 1
    app = drill_app(tmp_path, scenario="mass-failure", speed=5.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_prefilled(pilot)
        dash = app.dashboard
        await wait_for(pilot, lambda: bool(dash.view.decisions) and dash.view.decisions[0].due_at is not None, 30)
        row = dash.view.decisions[0]
        tiers = {tier: at for at, tier in dash.view.header.tiers}
        assert row.due_at is not None and tiers[1] <= row.due_at < tiers[2]
        looks = _counting_looks(app)

        first = row.due_at + 1
        monkeypatch.setenv(scenario_time.AT_ENV, repr(first))
        assert deadline_passed(dash.view.decisions, first) and tier_unjournaled(dash.view.header, first)
        await _beats(pilot, app, ran, looks)
        await wait_for(pilot, lambda: 1 in dash.view.header.escalated and dash.view.decisions[0].overdue, 30)
        await _beats(pilot, app, ran, looks)
        assert looks == [first]                                 # one look journaled both
        assert [e.data["tier"] for e in events(app, "escalation.tier")] == [1]
        assert len(events(app, "decision.overdue")) == 1

        second = tiers[2] + 1
        monkeypatch.setenv(scenario_time.AT_ENV, repr(second))
        await _beats(pilot, app, ran, looks)
        await wait_for(pilot, lambda: 2 in dash.view.header.escalated, 30)
        await _beats(pilot, app, ran, looks)
        assert looks == [first, second]
        assert [e.data["tier"] for e in events(app, "escalation.tier")] == [1, 2]


async def test_a_decision_whose_condition_cleared_lapses_and_is_not_due_past_its_deadline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RB-CORE-004's Go/No-Go arises only when every provider fails (``applies_when``). Once it
    arose (journaled ``decision.arose``) the view, which runs no metric query, counts it needed;
    the look judges the condition on the drill's metrics (one provider down: cleared) and journals
    that it lapsed (``decision.lapsed``, attack39 G2: a later holding is a new arisal), so the row
    says it is not needed rather than due past a deadline nobody faces: the deadline passing prods
    no look and journals no reminder, beat after beat."""
    from warroom.incident import decisions as dec

    monkeypatch.setenv(scenario_time.AT_ENV, repr(PIN))
    ran = Looks(monkeypatch)
    app = drill_app(tmp_path, scenario="provider-outage", speed=5.0)   # 30m: 6 wall minutes, above the floor
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_prefilled(pilot)
        dash = app.dashboard
        inc = dash.presenter.live.incident
        await wait_for(pilot, lambda: bool(dash.view.decisions), 30)
        assert dash.view.decisions[0].due_at is None            # not arisen: no deadline runs

        # ten drill minutes in, every provider seen failing once (a look that read 100% 5xx): the
        # decision arose then, and its 30 minutes run from there (past tier 2, before tier 3)
        arisen = PIN + 120
        monkeypatch.setenv(scenario_time.AT_ENV, repr(arisen))
        (rb, d), = [(rb, d) for rb, d in dec.decisions_of([inc.runbook()]) if d.applies_when is not None]
        seen = dec.evaluate(d, rb, inc.state, datetime.fromtimestamp(arisen, UTC), query=lambda _q: [100.0],
                            step_output=lambda _s: None, criteria=False)
        assert len(dec.note_arisen(inc, [seen])) == 1
        await wait_for(pilot, lambda: dash.view.decisions[0].due_at is not None, 30)
        row = dash.view.decisions[0]
        tiers = {tier: at for at, tier in dash.view.header.tiers}
        assert row.due_at is not None and tiers[2] < row.due_at < tiers[3]

        # the tiers due before the deadline are journaled first: the deadline is the next thing due
        monkeypatch.setenv(scenario_time.AT_ENV, repr(row.due_at - 1))
        await _beats(pilot, app, ran)
        await wait_for(pilot, lambda: {1, 2} <= set(dash.view.header.escalated), 30)
        assert not tier_unjournaled(dash.view.header, row.due_at - 1)
        # the looks that journaled the tiers judged the condition too: cleared, so it lapsed
        await wait_for(pilot, lambda: dash.view.decisions[0].not_needed is not None, 30)
        assert len(events(app, "decision.lapsed")) == 1
        await wait_for(pilot, lambda: step_state(app, 12) == step_state(app, 13) == "not_needed", 30)
        _branches_not_needed(app)
        looks = _counting_looks(app)
        before = len(events(app))

        late = row.due_at + 5
        monkeypatch.setenv(scenario_time.AT_ENV, repr(late))
        assert deadline_passed(dash.view.decisions, late) == ()   # not needed: nothing due
        await _beats(pilot, app, ran, looks)
        await _beats(pilot, app, ran, looks)
        assert looks == []                                      # no prod, not every beat
        assert len(events(app)) == before                       # cleared: no reminder journaled
        assert not events(app, "decision.overdue")


def _branches_not_needed(app: Any) -> None:
    """The same looks judged RB-CORE-004's branch conditions (redteam45 R4, ``warroom.incident.branches``): one
    provider down, so steps 12 (circuit breaker, "Two providers down") and 13 (manual review, "All providers down")
    wear the checklist's "not needed" mark — never ✔, never ○ to do — with why, and leave the heading's count of the
    steps owed; the branch that applies stays owed. The view only draws what the core says
    (``tui.view.branch_views``)."""
    from panes.runbook import progress_text, step_prompt

    assert [(e.data["section"], e.data["condition"]["state"]) for e in events(app, "branch.judged")] == [
        ("Two providers down: protect the one that is left", "not met"), ("All providers down", "not met")]
    book = app.dashboard.runbook
    assert book is not None and book.id == "RB-CORE-004"
    for number in (12, 13):
        step = book.step(number)
        view = app.dashboard.view.steps[step.id]
        assert step_state(app, number) == "not_needed" and step_prompt(step, view).plain.startswith("–")
        assert view.reason is not None and "did not apply" in view.reason
        # nothing ran: its output pane says so (attack46 X10: "Ran before this screen opened", no file to read)
        assert app.dashboard.no_output_note(step) == "Not needed (its branch did not apply): nothing ran, no output."
    assert step_state(app, 8) == "pending"
    assert progress_text(book, app.dashboard.view.steps) == "0/25 done, 2 not needed"
    _fulfilled_by_the_journal(app, book)


def _fulfilled_by_the_journal(app: Any, book: Any) -> None:
    """An item nobody ticked that states what fulfils it (redteam46 R4, ``warroom.incident.fulfilment``): before
    any update, "Tell stakeholders …" (``update = "sent"``) and "Send an update every 15 minutes" (the cadence) are
    to do (☐, never ✔), each saying what the journal lacks; an update sent makes the first ◈ done by it, counted
    done, while the cadence, whose updates fell due unsent, stays to do. The view draws the core's rule only."""
    from panes.runbook import progress_text, step_prompt
    from tui.view import incident_view

    tell, every = (next(s for s in book.steps if s.label.startswith(w)) for w in ("Tell stakeholders", "Send an"))
    for step in (tell, every):
        view = app.dashboard.view.steps.get(step.id)
        assert step_prompt(step, view).plain.startswith("☐") and view is not None and view.reason is not None
        assert view.reason.startswith("not done: no stakeholder update was sent while open")
    inc = app.dashboard.presenter.live.incident
    inc.record_status_update("Anthropic down; failing over to OpenAI")
    views = incident_view(app.dashboard.presenter.live.snapshot(), 900.0, config=app.dashboard.presenter.ctx.config)
    sent = views.steps[tell.id]
    assert sent.state == "fulfilled" and step_prompt(tell, sent).plain.startswith("◈")
    assert sent.reason is not None and sent.reason.startswith("done: stakeholder update at +")
    late = views.steps[every.id]
    assert step_prompt(every, late).plain.startswith("☐") and late.reason is not None
    assert late.reason.startswith("not done: 1 stakeholder update sent while open; "), late.reason
    assert progress_text(book, views.steps) == "1/25 done, 2 not needed"


async def test_each_thing_newly_due_gets_a_look_and_nothing_else_does(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """What is due is a set (each deadline, each tier), and a look is prodded for what was not due
    at the last beat. The view is drawn by hand (frozen clock, no incident) to reach the two cases a
    live run only meets by chance: tier 1 journaled and tier 2 reached in the same rebuilt view
    (tier 2 is new: looked at — a yes/no "a tier is due" stayed yes and was not), and one thing of
    two journaled (nothing new: not looked at again)."""
    from dataclasses import replace

    import tui.view
    from panes.view import DecisionRow
    from tests.app.tui_support import T0, make_app, mid_incident_view

    # the drawn panes read crit with no breach journaled: pane crossings prod looks of their own (their test below)
    monkeypatch.setattr(tui.view, "breaches_unjournaled", lambda header, states: ())

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        dash = app.dashboard
        looks = _counting_looks(app)
        base = mid_incident_view()
        tiers = ((T0 - 1800, 0), (T0 - 900, 1), (T0 + 600, 2), (T0 + 2400, 3))
        go = DecisionRow("rollback", "Roll back?", due_at=T0 - 60)
        other = DecisionRow("failover", "Fail over?", due_at=T0 + 1200)

        def show(escalated: tuple[int, ...], *rows: DecisionRow) -> None:
            dash.data.view = replace(base, header=replace(base.header, tiers=tiers, escalated=escalated),
                                     decisions=rows)
            for _ in range(BEATS):
                dash.tick()

        show((), go, other)                          # tier 1 and the GO's deadline: one look
        assert len(looks) == 1
        app.ctx.clock.set(T0 + 600)                  # tier 2 reached in the view that journaled tier 1
        show((1,), go, other)
        assert len(looks) == 2
        show((1, 2), go, other)                      # tier 2 journaled, the GO still due: nothing new
        assert len(looks) == 2
        app.ctx.clock.set(T0 + 1200)                 # the failover's deadline
        show((1, 2), go, other)
        assert len(looks) == 3
        show((1, 2), replace(go, overdue=True), other)                          # one of two reminded
        show((1, 2), replace(go, overdue=True), replace(other, overdue=True))   # both: nothing due
        assert len(looks) == 3
        app.ctx.clock.set(T0 + 2400)                 # tier 3
        show((1, 2), replace(go, overdue=True), replace(other, overdue=True))
        assert len(looks) == 4
        await pilot.pause()


async def test_a_pane_crossing_the_journal_lacks_is_looked_at_again_for_a_bounded_while(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """attack41 A12: a pane's history can trail its reading by a look, so one look on the crossing journaled nothing
    and the next came with the 15 s look (fifteen drill minutes at x60). The crossing prods a look every beat while
    the journal lacks it (look_now keeps them LOOK_NOW_EVERY apart), for PANE_LOOKS beats at most."""
    import tui.view
    from tests.app.tui_support import make_app, mid_incident_view
    from tui.screens.dashboard import PANE_LOOKS

    crossing = ["pane failure_rate crit"]
    monkeypatch.setattr(tui.view, "breaches_unjournaled", lambda header, states: tuple(crossing))
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        dash = app.dashboard
        looks = _counting_looks(app)
        dash.data.view = mid_incident_view()
        for _ in range(3):
            dash.tick()
        assert len(looks) == 3                      # prodded each beat while the journal lacks it
        for _ in range(PANE_LOOKS + 10):
            dash.tick()
        assert len(looks) == PANE_LOOKS             # and no longer than that
        crossing[:] = []
        dash.tick()
        crossing[:] = ["pane failure_rate crit"]    # crossed again after the journal had it: prodded afresh
        dash.tick()
        assert len(looks) == PANE_LOOKS + 1
        await pilot.pause()
