"""`warroom incident show` says where each step's verify gate stands, as the dashboard's header
gate line does (pending, passed at a value, FAILED with its reason), and a gate opened before
the step ran again is not shown against the new run."""

from __future__ import annotations

import argparse
import io
import json
import re
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

from tests.unit.incident_fixtures import GATE_RUNBOOK
from warroom.cli.incident_show import cmd_show, render_show
from warroom.incident.gates import gate_states
from warroom.incident.store import IncidentStore
from warroom.sources.model import SloSample
from warroom.journal import events as ev



def _incident(tmp_path: Path):  # type: ignore[no-untyped-def]
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    return IncidentStore(tmp_path / "state").create(title="Gate", severity="P3", runbook=rb)


def _ran(inc, step_id: str = "breaker", number: int = 1) -> None:  # type: ignore[no-untyped-def]
    inc.append(ev.STEP_STARTED, {"step": number, "step_id": step_id, "label": "Turn the breaker on",
                                 "command": "echo on", "mutating": True})
    inc.append(ev.STEP_FINISHED, {"step": number, "step_id": step_id, "status": "ok", "exit_code": 0})


def _row(inc, number: int, now: datetime | None = None) -> str:  # type: ignore[no-untyped-def]
    lines = render_show(inc, inc.refresh(), now or datetime.now(UTC))
    return next(line for line in lines if re.match(rf"^  \S+ \[[^\]]*\]\s+{number}  ", line))


def _json(inc, state: Path) -> dict:  # type: ignore[no-untyped-def,type-arg]
    buf = io.StringIO()
    with redirect_stdout(buf):
        assert cmd_show(argparse.Namespace(id=inc.id, state_dir=str(state), json=True, config=None)) == 0
    return json.loads(buf.getvalue())


def test_show_carries_the_gate_from_pending_to_failed_and_json_agrees(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    _ran(inc)
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                   "window": 600.0, "deadline": "2026-12-02T00:10:00Z"})
    inside = datetime(2026, 12, 2, 0, 5, tzinfo=UTC)            # shown inside the gate's window
    assert "verify pending, window ends 00:10:00 UTC (quota < 75 within 10m)" in _row(inc, 1, inside)
    assert _row(inc, 1, inside).lstrip().startswith("◔ [VERIFYING]")   # not done while the gate watches
    assert "verify" not in _row(inc, 2)
    inc.append(ev.VERIFY_FAILED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                  "value": 91.2, "value_text": "91.2%", "reason": "window ran out: still 91.2%"})
    row = _row(inc, 1)
    assert row.lstrip().startswith("⊠ [VERIFY-FAIL]")   # the command ran, the metrics did not follow:
    assert "verify FAILED: window ran out: still 91.2% (quota < 75 within 10m)" in row   # … the metrics did not
    data = _json(inc, tmp_path / "state")
    assert [(g["step"], g["status"], g["value"]) for g in data["verify_gates"]] == [(1, "failed", "91.2%")]
    assert [(c["step"], c["verify"]) for c in data["checklist"]] == [(1, "failed"), (2, None)]


def test_a_pass_shows_its_value_and_a_rerun_retires_the_old_gate(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    _ran(inc)
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m"})
    inc.append(ev.VERIFY_PASSED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                  "value": 64.9, "value_text": "64.9%"})
    assert "verify passed at 64.9% (quota < 75 within 10m)" in _row(inc, 1)
    assert _row(inc, 1).lstrip().startswith("✔ [ok]")
    _ran(inc)                                  # run again: the earlier pass says nothing about it
    assert "verify" not in _row(inc, 1)
    assert gate_states(inc.refresh(), datetime.now(UTC)) == {}


def test_a_failed_rerun_leaves_the_first_runs_gate_shown_with_its_run_and_counted(tmp_path: Path) -> None:
    """attack43 A12 (its views): the re-run failed and opened no gate, so the first run's gate still judges what the
    step did; its pass backs "mitigated" (the reducer, the PIR) and must be on every view of the step with the run it
    judges, not dropped as "history" (the dashboard's gate line vanished) nor read as the failed re-run's; the writers
    (``GateJournal.run_gate``) still see no gate of the latest run."""
    from warroom.incident.gate_journal import run_gate
    from warroom.incident.gate_reading import counted_gates

    inc = _incident(tmp_path)
    _ran(inc)
    opened = inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m"})
    inc.append(ev.STEP_STARTED, {"step": 1, "step_id": "breaker", "label": "Turn the breaker on",
                                 "command": "echo on", "mutating": True})
    inc.append(ev.STEP_FINISHED, {"step": 1, "step_id": "breaker", "status": "failed", "exit_code": 1})
    inc.append(ev.VERIFY_PASSED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m", "value": 64.9,
                                  "value_text": "64.9%", "started_seq": opened.seq, "outside": {"value": 90.0}})
    st, now = inc.refresh(), datetime.now(UTC)
    first = st.steps[("RB-TEST-GATE", "breaker")].runs[0]
    row = _row(inc, 1)
    assert row.lstrip().startswith("✖ [FAIL]"), row          # the step's mark is its latest run's
    assert f"verify (run at {first.started_at:%H:%M:%S} UTC) passed at 64.9% (quota < 75 within 10m)" in row, row
    assert st.first_verified_at is not None and [g.seq for g in counted_gates(st, now)] == [opened.seq + 3]
    assert run_gate(st, "RB-TEST-GATE", "breaker", now) is None
    data = _json(inc, tmp_path / "state")
    assert [(g["status"], g["run_seq"], g["latest_run"]) for g in data["verify_gates"]] == \
        [("passed", first.seq, False)]


OTHER = (GATE_RUNBOOK.replace('id = "RB-TEST-GATE"', 'id = "RB-TEST-OTHER"')
         .replace('title = "Gate"', 'title = "Other"'))


def test_a_gate_stays_with_its_runbook_after_another_is_attached(tmp_path: Path) -> None:
    """RB-TEST-OTHER also has a step "breaker" (step 1): the first runbook's failed gate and its
    ✔ must not show against it, and the first runbook's steps are listed under its own name."""
    inc = _incident(tmp_path)
    _ran(inc)
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m"})
    inc.append(ev.VERIFY_FAILED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                  "value": 91.2, "value_text": "91.2%", "reason": "still 91.2%"})
    other = tmp_path / "other.md"
    other.write_text(OTHER)
    inc.attach_runbook(other)
    lines = render_show(inc, inc.refresh(), datetime.now(UTC))
    head = lines.index("Earlier runbook RB-TEST-GATE — Gate:")
    current = lines[lines.index("Steps:") + 1:head]
    assert [line.split()[0] for line in current if line.strip()] == ["○", "○"]     # not run here
    assert not any("verify" in line for line in current)
    assert "⊠ [VERIFY-FAIL]" in lines[head + 1] and "verify FAILED: still 91.2%" in lines[head + 1]
    gates = gate_states(inc.refresh(), datetime.now(UTC))
    assert list(gates) == [("RB-TEST-GATE", "breaker")]
    data = _json(inc, tmp_path / "state")
    assert [c["verify"] for c in data["checklist"]] == [None, None]
    assert [g["runbook_id"] for g in data["verify_gates"]] == ["RB-TEST-GATE"]


def test_the_header_shows_the_journal_outcome_after_a_resume(tmp_path: Path) -> None:
    """A dashboard started on the incident (resume) never watched the gate; its header must
    still say what ``incident show`` says, naming the runbook once another is attached."""
    from panes.header import gate_text
    from tui.view import header_gate, settled_gates

    inc = _incident(tmp_path)
    _ran(inc)
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m"})
    assert settled_gates(gate_states(inc.refresh(), datetime.now(UTC))) == ()               # open: the live watcher reports it
    inc.append(ev.VERIFY_FAILED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                  "value": 91.2, "value_text": "91.2%", "reason": "still 91.2%"})
    state = inc.refresh()
    shown = header_gate(dict(settled_gates(gate_states(state, datetime.now(UTC)))), state.named_runbooks(), 0.0)
    assert shown is not None
    assert gate_text(shown, 0.0).plain.startswith(" VERIFY  step 1 ✖ FAILED: still 91.2%")
    other = tmp_path / "other.md"
    other.write_text(OTHER)
    inc.attach_runbook(other)
    state = inc.refresh()
    shown = header_gate(dict(settled_gates(gate_states(state, datetime.now(UTC)))), state.named_runbooks(), 0.0)
    assert shown is not None
    assert gate_text(shown, 0.0).plain.startswith(" VERIFY  RB-TEST-GATE step 1 ✖ FAILED")


def test_a_decision_overdue_line_says_its_due_time_like_the_other_lines(tmp_path: Path) -> None:
    inc = _incident(tmp_path)
    inc.record_decision_overdue({"question": "Roll back?", "due_at": "2026-12-02T00:53:37.239000+00:00"})
    (line,) = [t.text for t in inc.refresh().sorted_timeline() if t.kind == "decision.overdue"]   # at its due time
    # due before this incident was declared: placed at the declaration, saying so (test_decision_reminder_when_told)
    assert line == ('Decision overdue: "Roll back?" (due 00:53:37 UTC) (due before the incident was declared:'
                    ' reminded at the declaration)')


def test_the_checklist_row_agrees_with_show_while_the_gate_watches_and_after_it_fails(tmp_path: Path) -> None:
    """The dashboard's row for a step whose command worked is ✔ only once its verify gate
    passed: ◔ while the gate watches, ⊠ when it failed — the same mark `incident show` prints."""
    from panes.runbook import step_prompt
    from tui.view import step_view

    inc = _incident(tmp_path)
    _ran(inc)
    book = inc.runbook()
    step = book.steps[0]

    def row() -> tuple[str, str]:
        st = inc.refresh()
        view = step_view(st.steps.get(step.id), st, gate_states(st, datetime.now(UTC)))
        return view.state, step_prompt(step, view).plain[0]

    assert row() == ("ok", "✔")
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m"})
    assert row() == ("verifying", "◔") and _row(inc, 1).lstrip().startswith("◔")
    inc.append(ev.VERIFY_FAILED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                  "value": 91.2, "reason": "window ran out"})
    assert row() == ("unverified", "⊠") and _row(inc, 1).lstrip().startswith("⊠")
    _ran(inc)                                   # run again: the old gate says nothing about it
    assert row() == ("ok", "✔")


def test_the_pir_says_a_run_whose_gate_failed_in_the_same_words_and_only_of_that_run(tmp_path: Path) -> None:
    """The PIR's commands table and key-moment line use the checklist's words: the run whose gate
    failed is 'ran, verify gate FAILED'; the earlier run of the same step (before the gate was
    opened for the rerun) and a rerun after it are judged on their own."""
    from warroom.incident.pir_context import pir_context
    from warroom.incident.review.build import build_review
    from warroom.incident.review.commands import commands

    inc = _incident(tmp_path)
    _ran(inc)
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m"})
    inc.append(ev.VERIFY_FAILED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                  "value": 91.2, "reason": "window ran out"})
    st = inc.refresh()
    assert [r.result.split(" · ")[0] for r in commands(st, datetime.now(UTC))] == ["ran, verify gate FAILED"]
    assert any("ran, verify gate FAILED" in line.text for line in build_review(st, datetime.now(UTC)).key_moments)
    assert [c.state for c in pir_context(st, None, datetime.now(UTC))["commands"]] == ["ran, verify gate FAILED"]
    _ran(inc)                                     # a rerun: the failed gate judged the first run only
    st = inc.refresh()
    assert [r.result.split(" · ")[0] for r in commands(st, datetime.now(UTC))] == ["ran, verify gate FAILED", "ok"]


def test_gate_events_name_their_runbook_so_two_gates_of_same_named_steps_stay_apart(tmp_path: Path) -> None:
    """Two attached runbooks both have a step "breaker" with a gate. The first runbook's gate is
    still open when the second's opens; its outcome, journaled later, must settle the first
    runbook's gate (the events name the runbook), not the gate opened last under that step id —
    and the journal line and the PIR's key moment say which runbook's gate it was."""
    from warroom.incident.review.build import build_review
    from warroom.sources.verify import VerifyCheck, VerifyGate, VerifyRun, journal_outcome, journal_started, open_gates

    class _Source:
        def instant(self, expr: str):  # never probed here
            raise AssertionError

    gate = VerifyGate("quota < 75 within 10m", "quota", "<", 75.0, 600.0)
    inc = _incident(tmp_path)
    _ran(inc)
    journal_started(inc, 1, "breaker", VerifyRun(gate, _Source()), "RB-TEST-GATE")
    other = tmp_path / "other.md"
    other.write_text(OTHER)
    inc.attach_runbook(other)
    inc.append(ev.STEP_STARTED, {"step": 1, "step_id": "breaker", "runbook_id": "RB-TEST-OTHER",
                                 "label": "Turn the breaker on", "command": "echo on", "mutating": True})
    inc.append(ev.STEP_FINISHED, {"step": 1, "step_id": "breaker", "runbook_id": "RB-TEST-OTHER",
                                  "status": "ok", "exit_code": 0})
    journal_started(inc, 1, "breaker", VerifyRun(gate, _Source()), "RB-TEST-OTHER")
    journal_outcome(inc, 1, "breaker", gate, VerifyCheck("failed", 91.2, 0.0, "still 91.2%"), "RB-TEST-GATE")
    st = inc.refresh()
    gates = gate_states(st, datetime.now(UTC))
    assert gates[("RB-TEST-GATE", "breaker")].status == "failed"
    assert gates[("RB-TEST-OTHER", "breaker")].status == "pending"
    assert [(g.runbook_id, g.step_id) for g in open_gates(inc.read().events)] == [("RB-TEST-OTHER", "breaker")]
    line = next(t.text for t in st.sorted_timeline() if t.kind == ev.VERIFY_FAILED)
    assert line.startswith("Verification failed (RB-TEST-GATE step 1): quota < 75")
    assert any("Verification failed (RB-TEST-GATE step 1)" in m.text
               for m in build_review(st, datetime.now(UTC)).key_moments)


def test_the_live_incident_journals_the_gate_with_its_runbook(tmp_path: Path) -> None:
    """``incident run --no-wait`` and the dashboard open gates through ``LiveIncident``: the
    ``verify.started`` event carries the step's runbook."""
    from warroom.incident.live import LiveIncident

    inc = _incident(tmp_path)
    _ran(inc)
    class NoData:          # a source that answers nothing: the gate opens all the same
        def instant(self, expr, at=None):
            return SloSample("expr", None, error="no data")

    live = LiveIncident(inc, NoData())
    try:
        live.open_gate(("RB-TEST-GATE", "breaker"), 1, "up < 75 within 10m")
    finally:
        live.close()
    (started,) = [e for e in inc.read().events if e.type == ev.VERIFY_STARTED]
    assert started.data["runbook_id"] == "RB-TEST-GATE" and started.data["step_id"] == "breaker"


def test_a_gate_whose_window_ended_unwatched_is_not_called_pending(tmp_path: Path) -> None:
    """A14-11: the ``incident run`` that watched the gate was killed; past the gate's window no
    outcome is journaled. Show says the window ended with no outcome and what settles it, never
    "verify pending" (up to the deadline it is pending: the watcher may still be there)."""
    inc = _incident(tmp_path)
    _ran(inc)
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                   "window": 600.0, "deadline": "2026-12-02T00:10:00Z"})
    assert "verify pending, window ends 00:10:00 UTC (quota < 75 within 10m)" in _row(
        inc, 1, datetime(2026, 12, 2, 0, 9, 59, tzinfo=UTC))
    row = _row(inc, 1, datetime(2026, 12, 2, 0, 11, 10, tzinfo=UTC))
    assert "pending" not in row, row
    assert "verify window ended 00:10:00 UTC with no outcome (quota < 75 within 10m)" in row
    assert f"`warroom resume {inc.id}`" in row and f"`warroom incident run {inc.id} STEP` settles it" in row


def test_show_json_says_when_an_unwatched_gate_s_window_ended(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A14-11 in --json: the gate is still journaled pending; ``window_ended`` says it is past its
    window (null inside it), so a script reading it does not wait on a gate nobody watches."""
    import warroom.cli.incident_show as show

    inc = _incident(tmp_path)
    _ran(inc)
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                   "window": 600.0, "deadline": "2026-12-02T00:10:00Z"})
    monkeypatch.setattr(show, "_now", lambda inc: datetime(2026, 12, 2, 0, 5, tzinfo=UTC))
    assert [(g["status"], g["window_ended"]) for g in _json(inc, tmp_path / "state")["verify_gates"]] == [("pending", None)]
    monkeypatch.setattr(show, "_now", lambda inc: datetime(2026, 12, 2, 0, 30, tzinfo=UTC))
    assert [(g["status"], g["window_ended"]) for g in _json(inc, tmp_path / "state")["verify_gates"]] == [
        ("pending", "2026-12-02T00:10:00+00:00")]


def test_the_handoff_brief_lists_a_gate_open_until_its_window_ends_and_then_says_it_ended(tmp_path: Path) -> None:
    """A14-11 in the incoming commander's brief: inside the window the gate is open "until" its
    deadline; past it, with no outcome, the brief says the window ended and what settles it."""
    from warroom.incident.handoff import catch_up_brief

    inc = _incident(tmp_path)
    _ran(inc)
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                   "window": 600.0, "deadline": "2026-12-02T00:10:00Z"})

    def gates(now: datetime) -> tuple[str, ...]:
        return dict(catch_up_brief(inc.refresh(), now, update_every=900.0,
                                   config=inc.config).sections)["Open verify gates"]

    assert gates(datetime(2026, 12, 2, 0, 9, tzinfo=UTC)) == (
        "step 1: quota < 75 within 10m (window ends 00:10:00 UTC)",)
    (line,) = gates(datetime(2026, 12, 2, 0, 30, tzinfo=UTC))
    assert "until" not in line and line.startswith(
        "step 1: quota < 75 within 10m (window ended 00:10:00 UTC with no outcome: its watcher stopped;")


def test_a_step_whose_gate_window_ended_unwatched_is_unsettled_everywhere_and_never_verified(
        tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The watcher of step 1's gate was killed; its window ended with no outcome journaled. Inside
    the window the step is ◔ verifying; past it, every surface shows the ``unsettled`` state (∅,
    its own word): ``show``'s mark, ``--json``'s state, the dashboard's row, the incoming
    commander's brief, and the PIR, which lists it among the steps that did not finish cleanly
    (never "finished cleanly", never a ✔) with when its window ended."""
    import warroom.cli.incident_show as show
    from panes.runbook import step_prompt
    from panes.view import STATE_STYLES
    from tui.view import step_view
    from warroom.incident.handoff import catch_up_brief
    from warroom.incident.marks import STEP_MARKS

    inc = _incident(tmp_path)
    _ran(inc)
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m",
                                   "window": 600.0, "deadline": "2026-12-02T00:10:00Z"})
    inside, past = datetime(2026, 12, 2, 0, 9, tzinfo=UTC), datetime(2026, 12, 2, 0, 30, tzinfo=UTC)
    st = inc.refresh()

    def surfaces(now: datetime) -> dict[str, str]:
        monkeypatch.setattr(show, "_now", lambda inc: now)
        (row,) = [c for c in _json(inc, tmp_path / "state")["checklist"] if c["step"] == 1]
        brief = dict(catch_up_brief(st, now, update_every=900.0, config=inc.config,
                                    runbooks=[inc.runbook()]).sections)
        view = step_view(st.steps["breaker"], st, gate_states(st, now))
        return {"show": _row(inc, 1, now).split()[0], "json": row["state"], "dashboard": view.state,
                "row": step_prompt(inc.runbook().steps[0], view).plain[0], "style": STATE_STYLES.get(view.state, ""),
                "pir": inc.render(now=now), "brief": "\n".join(brief.get("Steps running and not done", ()))}

    before = surfaces(inside)
    assert (before["show"], before["json"], before["dashboard"]) == ("◔", "verifying", "verifying")
    after = surfaces(past)
    unsettled = STEP_MARKS["unsettled"]
    assert (after["show"], after["json"], after["dashboard"]) == (unsettled.icon, "unsettled", "unsettled")
    assert after["row"] == unsettled.icon and after["style"] not in ("", STATE_STYLES["verifying"])   # the checklist row
    assert unsettled.icon not in {m.icon for k, m in STEP_MARKS.items() if k != "unsettled"}
    assert f"(Turn the breaker on): {unsettled.word}" in after["brief"]
    pir = after["pir"]
    assert "finished cleanly" not in pir
    assert (f"(Turn the breaker on) **{unsettled.word}** (exit 0) after 1 attempt: its window ended 00:10:00 UTC"
            " and no outcome was journaled (quota < 75 within 10m)") in pir
    assert "verify gate still watching" not in pir


def test_the_gate_of_an_earlier_run_names_its_run_once_settled_in_show_the_timeline_the_pir_and_the_report(
        tmp_path: Path) -> None:
    """attack44 A13: settled, ``show`` read the metric history's "verify passed at 0.222% at 01:32:06 · now 0.186%"
    without the run (beside the ✖ FAIL of the failed re-run); the PIR's "Verification passed (step 9)" and its failed
    step, and the drill report's path ("[failed] …"), never said the first run's gate passed."""
    from types import SimpleNamespace

    from warroom.cli.incident_show import _step_detail
    from warroom.incident.drill_report.path import runbook_path
    from warroom.incident.pir_context import _trouble

    inc = _incident(tmp_path)
    _ran(inc)
    gate = {"runbook_id": "RB-TEST-GATE", "step": 1, "step_id": "breaker", "expr": "quota < 75 within 10m"}
    opened = inc.append(ev.VERIFY_STARTED, gate)
    inc.append(ev.STEP_STARTED, {"step": 1, "step_id": "breaker", "label": "Turn the breaker on",
                                 "command": "echo on", "mutating": True})
    inc.append(ev.STEP_FINISHED, {"step": 1, "step_id": "breaker", "status": "failed", "exit_code": 1})
    inc.append(ev.VERIFY_PASSED, {**gate, "value": 64.9, "value_text": "64.9%", "started_seq": opened.seq})
    st, now = inc.refresh(), datetime.now(UTC)
    step = st.steps[("RB-TEST-GATE", "breaker")]
    run = f"run at {step.runs[0].started_at:%H:%M:%S} UTC"
    g = gate_states(st, now)[("RB-TEST-GATE", "breaker")]
    read = SimpleNamespace(key=("RB-TEST-GATE", "breaker"),
                           passed_words=lambda: "passed at 64.9% at 00:01:00 · now 60%")
    said = _step_detail(step, g, now, st, SimpleNamespace(gates=[read]))
    assert f"verify ({run}) passed at 64.9% at 00:01:00 · now 60% (quota < 75 within 10m)" in said, said
    assert any(e.text.startswith(f"Verification passed (step 1, {run}): ") for e in st.timeline), st.timeline
    assert _trouble(step, "failed", g, "Step 1")["why"] == f"verify ({run}) passed at 64.9% (quota < 75 within 10m)"
    path = runbook_path(inc.runbook(), st, [], now)["runbook_path"]
    assert path[0][2:] == ("failed", f"verify ({run}) passed at 64.9% (quota < 75 within 10m)"), path
