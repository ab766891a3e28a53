"""A step a Go/No-Go decides, run while that decision stands at NO-GO (redteam44 G1): RB-CORE-005's "Bring FlowEngine
back (restore its replicas)?" answered NO-GO, then "Bring FlowEngine back" run 26 s later from the dashboard. The run
dialog (and ``incident run``: both show the prepared step's notes) said nothing, nor did the drill report or the PIR
after. Before the run the prepared step says the NO-GO stands; after it, the report's and the PIR's decision lines
name the step as run against it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.unit.incident_fixtures import FixedClock
from warroom.incident.drill_report.decisions import decision_lines
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev

BOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-005-security-incident.md"


def test_a_step_run_against_a_standing_no_go_is_said_before_it_runs_and_after_it_ran(tmp_path: Path) -> None:
    clock = FixedClock()
    inc = IncidentStore(tmp_path / "state", clock=clock).create(title="audit quiet", severity="P1", runbook=BOOK)
    assert not [n for n in inc.prepare_step(30).notes if "NO-GO" in n]       # no verdict yet: nothing to say
    inc.record_decision({"id": "bring-flowengine-back", "named": True, "runbook_id": "RB-CORE-005",
                         "question": "Bring FlowEngine back (restore its replicas)?", "verdict": "NO-GO", "by": "dana",
                         "why": "shipper not restarted"})
    clock.advance(26)
    (note,) = [n for n in inc.prepare_step(30).notes if "NO-GO" in n]
    assert note.startswith('the Go/No-Go "Bring FlowEngine back (restore its replicas)?" stands at NO-GO (by dana at ')
    assert note.endswith(": shipper not restarted); running this step acts against it"), note
    ref = {"step": 30, "step_id": "restore-replicas", "runbook_id": "RB-CORE-005"}
    ran = inc.append(ev.STEP_STARTED, {**ref, "label": "Bring FlowEngine back", "command": "kubectl scale …",
                                       "mutating": True})
    inc.append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0})
    st = inc.refresh()
    book = inc.runbook()
    lines = decision_lines(st, [book], lambda t: (t - st.declared_at).total_seconds(), clock.now)
    assert "Step 30 (Bring FlowEngine back) ran at +26s drill time, against that NO-GO (no GO since)." in lines, lines
    from warroom.incident.decisions.journal_only import standing_lines

    shown = standing_lines(book, st, clock.now)       # ``incident show`` too (attack44 A10)
    assert f"        step 30 (Bring FlowEngine back) ran at {ran.ts:%H:%M:%S} UTC (#{ran.seq}) against this NO-GO, " \
           "with no GO since" in shown, shown
    pir = inc.render(now=clock.now + timedelta(minutes=1))
    assert f"Step 30 (Bring FlowEngine back) ran at {ran.ts:%H:%M:%S} UTC against it, with no GO since." in pir
    from warroom.incident.decisions.journal_only import decided_steps

    assert decided_steps([book])[("bring-flowengine-back", "")][0][1].id == "restore-replicas"


def test_a_verdict_within_a_raised_deadline_says_the_runbooks_own_had_passed(tmp_path: Path) -> None:
    """redteam44 G2: at x60 the drill raised RB-CORE-005's 30m deadline to 2h (people need wall time to decide); the
    NO-GO 1h00m39s in read "within its deadline" while every other milestone is judged on the drill's clock. Said
    with it: the runbook's own deadline, and how long before the verdict it passed."""
    clock = FixedClock()
    inc = IncidentStore(tmp_path / "state", clock=clock).create(title="audit quiet", severity="P1", runbook=BOOK)
    zero = inc.state.declared_at
    clock.advance(3639)         # the drill's clock here is the wall's: 1h00m39s after the declaration
    inc.record_decision({"id": "bring-flowengine-back", "named": True, "runbook_id": "RB-CORE-005",
                         "question": "Bring FlowEngine back (restore its replicas)?", "verdict": "NO-GO", "by": "dana",
                         "why": "not contained", "deadline": 7200.0, "deadline_asked": 1800.0,
                         "due_at": (zero + timedelta(seconds=7654)).isoformat(), "late": False})
    st = inc.refresh()
    lines = decision_lines(st, [inc.runbook()], lambda t: (t - zero).total_seconds(), clock.now)
    line = next(x for x in lines if x.startswith('Go/No-Go "Bring FlowEngine back'))
    assert "within its deadline (+2h07m34s drill time), raised for people; the runbook's own 30m00s had passed" \
           " 23m05s before it (+37m34s drill time)" in line, line


def test_the_arisal_quoted_later_says_when_its_relative_words_were_read() -> None:
    """redteam44 L3: `incident show` 21 drill minutes on quoted the arisal's evidence "(run 19s drill time ago,
    …)", the words journaled when it arose, as if of now: they are said as read then."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from warroom.incident.decisions.journal_only import arose_words

    evidence = "step confirm-no-active-flows (run 19s drill time ago, ended 00:41:38 UTC): 0 == 0 is true"
    v = SimpleNamespace(arose={"at": datetime(2026, 12, 6, 0, 41, 39, tzinfo=UTC), "since": "2026-12-06T00:41:38Z",
                               "condition": {"evidence": evidence}},
                        needed=True, again=False, decision=SimpleNamespace(applies_when=SimpleNamespace(text="halted")))
    assert arose_words(v).endswith(f"halted (as read at 00:41:39 UTC: {evidence})"), arose_words(v)


def test_a_step_typed_by_hand_against_a_standing_no_go_is_said_so(tmp_path: Path) -> None:
    """attack44 A9: "Bring FlowEngine back" typed in the drill shell 10 s after the NO-GO was credited "done by hand"
    and said against the decision nowhere, where the same act through ``incident run`` was. The report's and the PIR's
    decision lines take the by-hand credits' moments (``by_hand.Hands.credited``) as they take runs."""
    from warroom.incident.decisions.journal_only import decided_steps
    from warroom.incident.review.decisions import decisions

    clock = FixedClock()
    inc = IncidentStore(tmp_path / "state", clock=clock).create(title="audit quiet", severity="P1", runbook=BOOK)
    inc.record_decision({"id": "bring-flowengine-back", "named": True, "runbook_id": "RB-CORE-005",
                         "question": "Bring FlowEngine back (restore its replicas)?", "verdict": "NO-GO", "by": "dana",
                         "why": "not yet"})
    st, book = inc.refresh(), inc.runbook()
    typed = {("RB-CORE-005", "restore-replicas"): [clock.now + timedelta(seconds=10)]}
    lines = decision_lines(st, [book], lambda t: (t - st.declared_at).total_seconds(), clock.now, typed)
    assert ("Step 30 (Bring FlowEngine back) was typed by hand in the drill shell at +10s drill time, against that"
            " NO-GO (no GO since).") in lines, lines
    (line,) = decisions(st, decided_steps([book]), typed)
    assert line.text.endswith(f"Step 30 (Bring FlowEngine back) was typed by hand in the drill shell at "
                              f"{clock.now + timedelta(seconds=10):%H:%M:%S} UTC against it, with no GO since."), line
    before = {key: [at - timedelta(seconds=20) for at in ats] for key, ats in typed.items()}   # before it: not against
    assert not [x for x in decision_lines(st, [book], lambda t: 0.0, clock.now, before) if "typed by hand" in x]
