"""fix47ro's left item: an observer (a ``--read-only`` seat) may run a step that only reads, and it was journaled as
the response's run: the checklist showed ✔, it counted in "N of M steps done" and could be the response's "mobilised".
An IC reads the checklist as what the responders did. The run's lines now carry the seat (``observer_seat.KEY``, the
supervisor's ``step.started`` through ``RunSpec.observer``); the fold keeps such a run apart (``StepState.observed``):
shown "ran by an observer (read-only seat)", its output kept, never the step's run, counted or mobilising. A journal
without the mark reads as before (the other tests' ``ran_ok`` lines)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli, install_fake_runbook
from warroom.incident import progress
from warroom.incident.store import IncidentStore


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    install_fake_runbook(monkeypatch, tmp_path)
    return Cli(tmp_path / "state", capsys)


def _lines(cli: Cli, inc: str) -> list[dict]:
    return [json.loads(line) for line in cli.journal(inc).read_text().splitlines()]


def test_an_observers_read_is_shown_as_its_own_and_neither_ticks_counts_nor_mobilises(cli: Cli) -> None:
    code, out, _ = cli("new", "--title", "Quota exhausted", "--severity", "P3", "--runbook", "RB-TEST-001")
    inc = out.strip()
    code, _out, err = cli("--read-only", "run", inc, "5", "--yes")
    assert code == 0, err
    assert "(ran by an observer (read-only seat): not the step's run" in err
    assert cli("--read-only", "run", inc, "5", "--dry-run")[0] == 0
    assert cli("--read-only", "run", inc, "3", "--yes")[0] == 5          # changes things: refused, journaled
    lines = _lines(cli, inc)
    mine = [d for d in lines if d["type"].startswith("step.") and d["type"] != "step.finished"]
    assert [(d["type"], d["data"].get("seat")) for d in mine] == [
        ("step.started", "observer"), ("step.dry_run", "observer"), ("step.refused", "observer")]

    store = IncidentStore(cli.state)
    incident = store.open(inc)
    st = incident.state
    assert st.first_action_at is None and st.phases.get("mobilised") is None      # nobody of the response acted
    rec = st.steps[("RB-TEST-001", "say-hello")]
    assert rec.runs == [] and rec.status == "pending" and [r.status for r in rec.observed] == ["ok"]
    shown = progress.of_runbook(st, incident.runbook(), incident.config, incident.clock())
    assert shown["say-hello"].state == "pending" and shown["say-hello"].observed.startswith(
        "ran by an observer (read-only seat) at ")
    assert progress.count(s.state for s in shown.values()).done == 0
    assert (incident.dir / rec.observed[0].output).read_text().count("hello")       # its output kept, as evidence

    code, out, _ = cli("show", inc, "--json")
    view = json.loads(out)
    row = next(r for r in view["checklist"] if r["step_id"] == "say-hello")
    assert row["state"] == "pending" and row["observed"].startswith("ran by an observer (read-only seat) at ")
    steps = next(s for s in view["steps"] if s["step_id"] == "say-hello")
    assert steps["runs"] == [] and steps["observed"][0]["seat"] == "observer"
    code, out, _ = cli("show", inc)
    line = next(ln for ln in out.splitlines() if "Say hello" in ln)
    assert "✔" not in line and "[ok]" not in line
    assert "ran by an observer (read-only seat) at " in line and "ok, exit 0 (output outputs/" in line
    assert any("Step 5 started by an observer (read-only seat)" in t.text for t in st.timeline)
    # the handoff brief owes it still, saying the observer's run; the PIR's "not done" cites it (no "no journal event")
    assert "Say hello): pending (ran by an observer (read-only seat) at " in cli("brief", inc)[1]
    pir = cli("export", inc, "--stdout")[1]
    assert "(Say hello) not done (ran by an observer (read-only seat) at " in pir
    assert "not done (refused by an observer (read-only seat): read-only session" in pir
    assert "dry run only by an observer (read-only seat)" in pir
    # in a drill its stand-in calls are its run's (tagged), never typed by hand in the drill shell
    from warroom.incident.by_hand import run_windows
    assert ("RB-TEST-001", "say-hello") in run_windows(st)

    # the commander's run of it is the step's: done, counted, mobilising
    assert cli("run", inc, "5", "--yes")[0] == 0
    st = store.open(inc).state
    rec = st.steps[("RB-TEST-001", "say-hello")]
    assert rec.status == "ok" and len(rec.runs) == 1 and len(rec.observed) == 1
    assert st.first_action_at is not None


def test_an_observers_typing_in_its_read_only_drill_shell_credits_no_step(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The same rule for the drill shell: a ``--read-only`` seat's stand-ins (``READ_ONLY_ENV``) mark each call they
    record, and no step is credited "done by hand" from it (``by_hand.read_calls``); a responder's call still is."""
    from tests.unit.standins_corpus import warm_drill
    from warroom import scenario_time
    from warroom.drill.directory import ENV_DIR, READ_ONLY_ENV
    from warroom.drill.standins.base import NO_DELAY_ENV, main
    from warroom.incident.by_hand import read_calls

    d = warm_drill(tmp_path / "drills", "rate-limit")
    monkeypatch.setenv(ENV_DIR, str(d.path))
    monkeypatch.setenv(NO_DELAY_ENV, "1")
    monkeypatch.setenv(scenario_time.AT_ENV, repr(d.wall_time(100.0)))       # the drill's moment, pinned
    monkeypatch.setenv(READ_ONLY_ENV, "1")
    assert main("kubectl", ["get", "pods", "-n", "production"]) == 0
    monkeypatch.delenv(READ_ONLY_ENV)
    assert main("kubectl", ["get", "deployments", "-n", "production"]) == 0
    capsys.readouterr()
    assert [c.argv[1] for c in read_calls(d.path)] == ["deployments"]


def test_an_observers_run_opens_no_verify_gate_and_its_seat_settles_none(tmp_path: Path) -> None:
    """A step's verify gate judges the response's run of it: a read-only seat's run opens none, and a gate the
    journal holds open is settled by the responders' seats, never the observer's (``observer_seat.RECORDS``)."""
    from tests.unit.incident_fixtures import GATE_RUNBOOK, FixedClock
    from tests.unit.test_gate_held_before import StepwiseSource
    from warroom.config import Config
    from warroom.incident.gate_journal import GateJournal
    from warroom.incident.live import LiveIncident
    from warroom.journal import events as ev
    from warroom.sources.evidence import iso
    from warroom.sources.verify import settle_open

    clock = FixedClock()
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    inc = IncidentStore(tmp_path / "state", Config(), clock=clock).create(title="Gate", severity="P3", runbook=rb)
    t0 = clock.now.timestamp()
    inc.append(ev.VERIFY_STARTED, {"step": 1, "step_id": "breaker", "expr": "quota < 1000 within 20m",
                                   "window": 1200.0, "deadline": iso(t0 + 1200)})        # a responder's gate
    inc.config.read_only = inc.config.observer = True
    before = (inc.dir / "journal.jsonl").read_bytes()
    live = LiveIncident(inc, source=StepwiseSource(t0, 50.0, 50.0))
    try:
        assert live.watch_gate(("RB-TEST-GATE", "breaker"), 1, "quota < 75 within 10m") is None     # opens none
        live.open_gate(("RB-TEST-GATE", "breaker"), 1, "quota < 75 within 10m")
    finally:
        live.close()
    clock.advance(1500)
    settle_open(GateJournal(inc), inc.read().events, StepwiseSource(t0, 50.0, 50.0), inc.config.slo,
                now=clock.now.timestamp())
    assert (inc.dir / "journal.jsonl").read_bytes() == before


def test_the_drill_reports_path_says_a_step_only_an_observer_ran_not_done_with_why() -> None:
    from warroom.incident.drill_report.path import path_state

    said = "ran by an observer (read-only seat) at 12:27:47 UTC: ok, exit 0 (output outputs/x.log): not the step's run"
    assert path_state(progress.Shown("pending", observed=said)) == f"not done: {said}"


def test_a_read_only_seat_records_no_evidence_owed_by_a_responders_step(tmp_path: Path) -> None:
    """redteam48 F13: a read-only seat's opening backfilled the "after" evidence of the commander's steps under the
    observer's login. It writes evidence only for a step run it made (``observer_seat.RECORDS``: "the panes before
    and after a step this seat ran"); a responder's is left to the responders' seats, which still record it."""
    from tests.unit.incident_fixtures import GATE_RUNBOOK, FixedClock
    from tests.unit.test_gate_held_before import StepwiseSource
    from warroom.config import Config
    from warroom.incident.live import LiveIncident
    from warroom.journal import events as ev
    from warroom.sources.evidence import iso

    clock = FixedClock()
    rb = tmp_path / "gate.md"
    rb.write_text(GATE_RUNBOOK)
    inc = IncidentStore(tmp_path / "state", Config(), clock=clock).create(title="Gate", severity="P3", runbook=rb)
    t0 = clock.now.timestamp()
    ref = {"step": 1, "step_id": "breaker", "label": "Turn the breaker on", "runbook_id": "RB-TEST-GATE"}
    inc.append(ev.STEP_STARTED, {**ref, "command": "echo on", "mutating": True})        # a responder's change
    inc.append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 0.1, "ended_at": iso(t0)})
    clock.advance(600)                                                               # its 5m "after" is owed

    def owed(observer: bool) -> list[dict]:
        inc.config.read_only = inc.config.observer = observer
        live = LiveIncident(inc, source=StepwiseSource(t0, 50.0, 50.0), now=lambda: clock.now.timestamp())
        try:
            live.record_due_evidence()
        finally:
            live.close()
        return [e for e in inc.read().events if e.type == ev.EVIDENCE]

    assert owed(True) == []                       # the observer's seat writes none of it
    assert owed(False)                            # the responder's seat still does


def _section(text: str, head: str, end: str) -> str:
    return text.split(head, 1)[1].split(end, 1)[0]


def test_an_observers_lines_are_the_full_timelines_said_as_theirs_never_the_responses_story(cli: Cli) -> None:
    """attack48 Z9: an observer's refused step and dry run were Key Moments of the response in the PIR (and the brief's
    "What happened"), while its runs were not even in the Full Timeline. One rule (``observer_seat.lines``): every line
    a read-only seat wrote is in the Full Timeline, said as the observer's, and none is a moment of the response's."""
    inc = cli("new", "--title", "Quota exhausted", "--severity", "P3", "--runbook", "RB-TEST-001")[1].strip()
    assert cli("--read-only", "run", inc, "5", "--yes")[0] == 0
    assert cli("--read-only", "run", inc, "5", "--dry-run")[0] == 0
    assert cli("--read-only", "run", inc, "3", "--yes")[0] == 5
    pir = cli("export", inc, "--stdout")[1]
    moments = _section(pir, "## Key Moments", "## Root Cause")
    assert "Incident declared" in moments or "declared" in moments.lower()
    assert "observer" not in moments, moments
    full = pir.split("## Full Timeline", 1)[1]
    assert "Step 5 (Say hello) ran by an observer (read-only seat) at " in full
    assert "dry run by an observer (read-only seat)" in full and "refused by an observer (read-only seat)" in full
    happened = _section(cli("brief", inc)[1], "What happened", "Current state")
    assert "observer" not in happened, happened
