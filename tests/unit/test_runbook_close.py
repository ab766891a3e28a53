"""Closing a runbook a GO opened beside the current one (``runbook.closed``): journaled with who,
when and why; what was done in it stays in the record; its progress is frozen; nothing more can be
done in it (run, tick, untick, skip, approval), also by a step prepared before the closure; it
stays closed after a restart; its open approval requests are withdrawn; ``incident show`` (text and
--json), the handoff brief and the PIR say it. A new GO opens it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.test_runbook_beside import _go, _mass_failure
from warroom.errors import NotFoundError, WarroomError
from warroom.incident.closing import RunbookClosed, closure_of
from warroom.incident.handoff import catch_up_brief
from warroom.incident.live import LiveIncident
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev

ROLLBACK = "RB-LAUNCH-002"
WHY = "NO-GO: failures are dropping, the rollback is not needed"


def _brief(inc) -> str:  # type: ignore[no-untyped-def]
    brief = catch_up_brief(inc.refresh(), inc.clock(), update_every=inc.update_every(), config=inc.config,
                           runbooks=inc.open_runbooks())
    return "\n".join(line for _title, lines in brief.sections for line in lines)


def _closed(tmp_path: Path):  # type: ignore[no-untyped-def]
    """GO, two steps of the rollback done (a tick and a skip), then NO-GO and the rollback closed."""
    inc, library = _mass_failure(tmp_path)
    _go(inc)
    inc.tick(1, ROLLBACK)
    inc.skip(2, "allowlist already in the change ticket", ROLLBACK)
    _go(inc, "NO-GO")
    event = inc.close_runbook(ROLLBACK, WHY)
    return inc, library, event


def test_closing_journals_who_when_why_and_the_progress_it_froze(tmp_path: Path) -> None:
    inc, _, event = _closed(tmp_path)
    assert event.type == ev.RUNBOOK_CLOSED
    assert event.data["id"] == ROLLBACK and event.data["reason"] == WHY and event.data["beside"] == "RB-LAUNCH-005"
    assert event.data["progress"] == {"done": 2, "failed": 0, "total": 19}
    st = inc.refresh()
    assert st.open_runbook_ids() == ["RB-LAUNCH-005"] and st.beside == []
    assert st.runbook["id"] == "RB-LAUNCH-005"                     # the current runbook is untouched
    closure = closure_of(st, ROLLBACK)
    assert closure is not None and closure.by == event.actor and closure.at == event.ts
    when = f"{event.ts:%H:%M:%S} UTC"
    assert closure.text() == f"closed at {when} by {event.actor}: {WHY}"
    assert st.timeline[-1].text == (f"Runbook {ROLLBACK} (Rollback to pilot), open beside RB-LAUNCH-005, closed by"
                                    f" {event.actor}: {WHY}; 2 of 19 steps done when closed")
    # what was done in it stays: its steps, and their timeline lines
    done = [s for s in st.steps.values() if s.runbook_id == ROLLBACK]
    assert sorted(s.status for s in done) == ["skipped", "ticked"]
    assert any(t.text.startswith(f"{ROLLBACK} step 1 done: ") for t in st.timeline)
    # what the GO opened now says it was closed, with the count it had then
    (opened,) = inc.go_opened()
    assert (opened.done, opened.failed, opened.total, opened.open_now) == (2, 0, 19, False)
    assert opened.closed == closure.text()
    assert opened.text().endswith(f"({closure.text()}): 2 of 19 steps done when closed")


def test_nothing_more_can_be_done_in_a_closed_runbook(tmp_path: Path) -> None:
    inc, _, event = _closed(tmp_path)
    message = f"runbook {ROLLBACK} was closed at {event.ts:%H:%M:%S} UTC by {event.actor}: {WHY}"
    for act in (lambda: inc.tick(3, ROLLBACK), lambda: inc.untick(1, ROLLBACK),
                lambda: inc.skip(4, "no", ROLLBACK), lambda: inc.prepare_step(1, {}, runbook_id=ROLLBACK)):
        with pytest.raises(RunbookClosed, match=message) as err:
            act()
        assert err.value.exit_code == 5
    with LiveIncident(inc) as live:
        with pytest.raises(RunbookClosed, match=message):
            live.prepare((ROLLBACK, inc.step(1, "RB-LAUNCH-005").id))
        with pytest.raises(RunbookClosed, match=message):
            live.preparer().prepare_step(1, {}, runbook_id=ROLLBACK)
    assert inc.refresh().last_seq == event.seq                       # nothing was journaled by the refusals
    inc.tick(3)                                                      # the current runbook goes on as before


def test_a_step_prepared_before_the_closure_is_refused_when_run(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    with LiveIncident(inc) as live:
        prepared = live.prepare(live.key_of(1, ROLLBACK))           # the run dialog is open ...
        closed = inc.close_runbook(ROLLBACK, "opened by mistake")    # ... when someone closes the runbook
        with pytest.raises(RunbookClosed, match="opened by mistake"):
            live.run(prepared, confirmed=True)
        with pytest.raises(RunbookClosed, match="opened by mistake"):
            inc.run_step(prepared, confirm=True)
    assert inc.refresh().last_seq == closed.seq                      # no evidence, no start, no refusal line


def test_what_cannot_be_closed_is_refused_with_why(tmp_path: Path) -> None:
    inc, _ = _mass_failure(tmp_path)
    with pytest.raises(NotFoundError, match="RB-LAUNCH-002 is not open beside RB-LAUNCH-005"):
        inc.close_runbook(ROLLBACK, "x")
    _go(inc)
    with pytest.raises(WarroomError, match="RB-LAUNCH-005 is the runbook the incident follows"):
        inc.close_runbook("RB-LAUNCH-005", "x")
    with pytest.raises(WarroomError, match="needs a reason"):
        inc.close_runbook(ROLLBACK, "  ")
    first = inc.close_runbook(ROLLBACK, "opened by mistake")
    with pytest.raises(WarroomError, match=f"already closed at {first.ts:%H:%M:%S} UTC"):
        inc.close_runbook(ROLLBACK, "again")


def test_a_running_step_keeps_its_runbook_open(tmp_path: Path) -> None:
    """Its end would move the count closing freezes: the commander cancels it first."""
    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    step = inc.step(1, ROLLBACK)
    inc.append(ev.STEP_STARTED, {"step": 1, "step_id": step.id, "label": step.label, "runbook_id": ROLLBACK,
                                 "command": "true", "output": "outputs/0001.log"})
    with pytest.raises(WarroomError, match=f"{ROLLBACK} step 1 .* is running: cancel it"):
        inc.close_runbook(ROLLBACK, "x")
    assert closure_of(inc.refresh(), ROLLBACK) is None


def test_it_stays_closed_after_a_restart_and_a_new_go_opens_it_again(tmp_path: Path) -> None:
    inc, _, event = _closed(tmp_path)
    again = IncidentStore(tmp_path, inc.config).open(inc.id)          # a new process, from the journal alone
    st = again.refresh()
    assert st.open_runbook_ids() == ["RB-LAUNCH-005"] and closure_of(st, ROLLBACK) is not None
    with pytest.raises(RunbookClosed):
        again.tick(3, ROLLBACK)
    with LiveIncident(again) as live:
        assert [rb.id for rb in live.snapshot().beside] == []         # no second checklist on the dashboard
    reopened = _go(again)                                            # a new GO: the rollback opens again
    assert reopened.opened == ROLLBACK
    st = again.refresh()
    assert st.open_runbook_ids() == ["RB-LAUNCH-005", ROLLBACK] and closure_of(st, ROLLBACK) is None
    again.tick(3, ROLLBACK)
    (opened,) = again.go_opened()
    assert opened.closed == "" and opened.done == 3                  # counted live again


def test_show_brief_and_pir_say_it(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tui.cli import main

    inc, _, event = _closed(tmp_path)
    said = f"closed at {event.ts:%H:%M:%S} UTC by {event.actor}: {WHY}"
    base = ["--state-dir", str(tmp_path)]
    assert main(["incident", "show", inc.id, *base]) == 0
    text = capsys.readouterr().out
    assert f"Closed beside it: {ROLLBACK} (Rollback to pilot) {said}; 2 of 19 steps done when closed:" in text
    assert "Open beside it" not in text
    assert main(["incident", "show", inc.id, "--json", *base]) == 0
    (shown,) = json.loads(capsys.readouterr().out)["closed"]
    assert (shown["runbook_id"], shown["reason"], shown["by"], shown["progress"]) == \
        (ROLLBACK, WHY, event.actor, "2 of 19 steps done")
    assert f"CLOSED {ROLLBACK} (Rollback to pilot) {said}; 2 of 19 steps done when closed" in _brief(inc)
    assert f"{ROLLBACK} step 3 (" not in _brief(inc)                  # its steps are not "still to do"
    (opened,) = inc.go_opened()
    inc.resolve("failures stopped", rollback=False)
    pir = inc.render("pir")
    assert f"{ROLLBACK} was opened beside the runbook. It was {said} (2 of 19 steps done when closed)." in pir
    assert f"no, as the commander said at resolve ({opened.text()})" in pir     # the words resolving showed
    assert f"opened {ROLLBACK} (Rollback to pilot) (the GO was reversed: NO-GO by dana" in pir
    assert f"({said}): 2 of 19 steps done when closed)" in pir
    assert f"Runbook {ROLLBACK} (Rollback to pilot), open beside RB-LAUNCH-005, closed by {event.actor}" in pir


def test_closing_withdraws_its_open_approval_requests(tmp_path: Path) -> None:
    """An approval for a step that can no longer run must not wait for anyone, nor be usable if
    the runbook opens again: closing withdraws the pending request and the unused grant alike
    (the fold does it, from the closing line); a grant written afterwards does not count."""
    from tests.unit.incident_fixtures import people
    from warroom.config import Config
    from warroom.incident.approval_desk import describe
    from warroom.incident.session import Incident
    from warroom.runbook.library import RunbookLibrary

    alice_p, bob_p = people()
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    cfg.approval.severities = ["P1"]
    made = IncidentStore(tmp_path, cfg).create(title="flows failing", severity="P1", source={},
                                               runbook=RunbookLibrary.from_config(cfg).get("RB-LAUNCH-005").path)
    alice = Incident(made.id, made.dir, config=cfg, actor="alice@bastion-1", person=alice_p)
    bob = Incident(made.id, made.dir, config=cfg, actor="bob@bastion-2", person=bob_p)
    _go(alice)
    pending = alice.approvals.request(alice.prepare_step(5, {}, runbook_id=ROLLBACK)).request
    granted = alice.approvals.request(alice.prepare_step(6, {}, runbook_id=ROLLBACK)).request
    bob.approvals.approve(granted.id)
    later = alice.prepare_step(7, {}, runbook_id=ROLLBACK)            # prepared before the closure
    closed = alice.close_runbook(ROLLBACK, "opened by mistake")
    st = alice.refresh()
    assert [st.approvals[r.id].status for r in (pending, granted)] == ["withdrawn", "withdrawn"]
    assert st.timeline[-1].text.endswith(f"approval {pending.id}, {granted.id} withdrawn")
    assert st.approvals[granted.id].approved_by is not None           # the grant itself stays on record
    with pytest.raises(WarroomError, match=f"{pending.id} is withdrawn \\({ROLLBACK} was closed\\)"):
        bob.approvals.approve(pending.id)
    with pytest.raises(RunbookClosed, match="opened by mistake"):
        alice.approvals.request(later)                                  # asked after it: refused, nothing journaled
    assert alice.refresh().last_seq == closed.seq
    assert any(f"withdrawn at {closed.ts:%H:%M:%S} UTC: {ROLLBACK} was closed" in line
               for line in describe(st.approvals[pending.id], "withdrawn", st))
    # opened again by a new GO: the old grant does not come back with it
    _go(alice)
    verdict = alice.approvals.verdict(alice.prepare_step(6, {}, runbook_id=ROLLBACK))
    assert verdict is not None and not verdict.ok and f"{granted.id} was withdrawn" in verdict.message
    pir = alice.render("pir")
    assert f"; WITHDRAWN at {closed.ts:%H:%M:%S} UTC ({ROLLBACK} was closed), not used" in pir


def test_the_cli_closes_it_and_refuses_its_steps_after(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tui.cli import main

    inc, _ = _mass_failure(tmp_path)
    base = ["--state-dir", str(tmp_path)]
    assert main(["incident", "close-runbook", inc.id, ROLLBACK, "--reason", WHY, *base]) == 4   # nothing beside yet
    assert f"{ROLLBACK} is not open beside RB-LAUNCH-005" in capsys.readouterr().err
    _go(inc)
    assert main(["incident", "tick", inc.id, "1", "--runbook", ROLLBACK, *base]) == 0
    capsys.readouterr()
    assert main(["incident", "close-runbook", inc.id, ROLLBACK, "--reason", WHY, *base]) == 0
    said = capsys.readouterr().out
    event = inc.read().events[-1]
    assert event.type == ev.RUNBOOK_CLOSED and event.data["reason"] == WHY
    assert said.startswith(f"{ROLLBACK} (Rollback to pilot) closed at {event.ts:%H:%M:%S} UTC by {event.actor}:"
                           f" {WHY}; 1 of 19 steps done when closed (seq {event.seq})")
    for argv in (["tick", inc.id, "3"], ["skip", inc.id, "3", "--reason", "n/a"], ["untick", inc.id, "1"],
                 ["run", inc.id, "1", "--yes"]):
        assert main(["incident", *argv, "--runbook", ROLLBACK, *base]) == 5, argv
        assert f"runbook {ROLLBACK} was closed at {event.ts:%H:%M:%S} UTC" in capsys.readouterr().err
    assert inc.refresh().last_seq == event.seq
    assert main(["incident", "close-runbook", inc.id, "RB-LAUNCH-005", "--reason", "x", *base]) == 2
    assert "only a runbook open beside it can be closed" in capsys.readouterr().err
    assert main(["incident", "close-runbook", inc.id, "--reason", "x", *base]) == 4   # none open beside now
    assert "no runbook is open beside RB-LAUNCH-005" in capsys.readouterr().err


def test_naming_no_runbook_closes_the_only_one_open_beside(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from types import SimpleNamespace

    from tui.cli import main
    from warroom.incident.closing import only_beside

    inc, _ = _mass_failure(tmp_path)
    _go(inc)
    assert main(["incident", "close-runbook", inc.id, "--reason", WHY, "--state-dir", str(tmp_path)]) == 0
    assert inc.read().events[-1].data["id"] == ROLLBACK
    two = SimpleNamespace(beside=[{"id": ROLLBACK}, {"id": "RB-DEPLOY-001"}], runbook={"id": "RB-LAUNCH-005"})
    with pytest.raises(WarroomError, match=f"2 runbooks are open beside: {ROLLBACK}, RB-DEPLOY-001; name the one"):
        only_beside(two, inc.id)


def test_a_closing_line_for_a_runbook_not_open_beside_is_shown_not_obeyed(tmp_path: Path) -> None:
    """A line written by hand (or by an old client) closing the current runbook, or one that is
    not open, changes nothing: the current runbook stays worked, its steps stay actionable."""
    inc, _ = _mass_failure(tmp_path)
    inc.append(ev.RUNBOOK_CLOSED, {"id": "RB-LAUNCH-005", "reason": "by hand"})
    st = inc.refresh()
    assert st.open_runbook_ids() == ["RB-LAUNCH-005"] and st.closed == []
    assert st.timeline[-1].text.startswith("Closing runbook RB-LAUNCH-005 not counted")
    inc.tick(4)
    _go(inc)
    inc.close_runbook(ROLLBACK, "opened by mistake")
    inc.append(ev.RUNBOOK_CLOSED, {"id": ROLLBACK, "reason": "twice"})   # a second line: the first closure holds
    (closure,) = inc.refresh().closed
    assert closure.reason == "opened by mistake"


def test_lines_journaled_for_its_steps_after_the_closing_do_not_move_it(tmp_path: Path) -> None:
    """The service refuses; a line that still lands after the closing (another host that checked
    just before it, or written by hand) is said on the timeline and does not move a closed
    runbook's steps. A run started that late did run: recorded, and said to be late."""
    inc, _, event = _closed(tmp_path)
    before = {k: v.status for k, v in inc.refresh().steps.items()}
    for type_ in (ev.STEP_TICKED, ev.STEP_SKIPPED, ev.STEP_UNTICKED):
        inc.append(type_, {"step": 3, "step_id": "step-3", "label": "x", "runbook_id": ROLLBACK, "reason": "late"})
        st = inc.refresh()
        assert st.timeline[-1].text.startswith(f"{ROLLBACK} step 3 ") and "not counted" in st.timeline[-1].text
        assert f"{ROLLBACK} was closed at {event.ts:%H:%M:%S} UTC" in st.timeline[-1].text
        assert {k: v.status for k, v in st.steps.items()} == before
    inc.append(ev.STEP_STARTED, {"step": 3, "step_id": "step-3", "label": "x", "runbook_id": ROLLBACK,
                                 "command": "true", "output": "outputs/late.log"})
    st = inc.refresh()
    assert st.timeline[-1].text.endswith(f"— after {ROLLBACK} was closed at {event.ts:%H:%M:%S} UTC"
                                         f" by {event.actor}: {WHY}")
    (opened,) = inc.go_opened()
    assert (opened.done, opened.total) == (2, 19)                     # the frozen count holds
