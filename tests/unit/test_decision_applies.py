"""A decision that arises only in a rare case (``applies_when``): never overdue, never a miss in the
PIR, while its condition does not hold; reminded once when it does.

RB-CORE-004 states the rollback-to-pilot decision under "All providers down": in the provider-outage
drill (one provider down, 5xx about 19 %) it used to go OVERDUE 30 drill minutes in, and the PIR
listed the deadline as passed with no verdict — a false mark.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom.incident import decisions as dec
from warroom.runbook.parser import find_decisions, load_runbook, parse_runbook

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

ROOT = Path(__file__).resolve().parents[2]
CORE_004 = ROOT / "runbooks" / "RB-CORE-004-provider-outage.md"
LAUNCH_004 = ROOT / "runbooks" / "RB-LAUNCH-004-budget-breach.md"


def _events(journal: Path, kind: str) -> list[dict]:
    return [e for e in map(json.loads, journal.read_text().splitlines()) if e.get("type") == kind]


def test_the_provider_outage_drill_never_marks_the_all_providers_down_decision_overdue(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The review's repro through the CLI: 31 and 50 drill minutes into the provider-outage drill
    (one provider down) the decision is "not needed now", ``incident decide`` (which journals due
    reminders) journals no ``decision.overdue``, and the PIR has no missed decision."""
    from tests.unit.incident_fixtures import Cli

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WARROOM_IDENTITY", "ic@drill")
    cli = Cli(tmp_path / "state", capsys)
    t0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC).timestamp()
    monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0))
    code, out, err = cli("new", "--drill", "provider-outage", "--speed", "10")
    assert code == 0, err
    inc = out.strip().splitlines()[-1]
    for wall in (190, 300):                           # 31m40s and 50m drill time: past the 30m deadline
        monkeypatch.setenv("WARROOM_DRILL_AT", repr(t0 + wall))
        code, out, err = cli("decide", inc)
        assert code == 0, err
        assert "not needed now (Every provider is down" in out and "not met" in out and "OVERDUE" not in out
        code, out, err = cli("show", inc)
        assert code == 0, err
        # A14-13: show reads the journal only; it never judged "all providers down", so it does not
        # say the decision is not needed (it would say so with every provider down): what it knows
        (row,) = [line for line in out.splitlines() if "[rollback-to-pilot]" in line]
        assert row.endswith(f"[rollback-to-pilot]: condition not judged here (Every provider is down: all 3 (over 10%"
                            f" of their calls answered 5xx, or out of routing with no calls)); `warroom incident decide"
                            f" {inc}` judges it"), row
        assert "not needed" not in row and "OVERDUE (deadline" not in out
    assert _events(cli.journal(inc), "decision.overdue") == []
    assert _events(cli.journal(inc), "decision.arose") == []
    code, out, err = cli("brief", inc)                 # the incoming commander is not told it is late
    assert code == 0, err
    assert ("Roll back to the pilot repository (RB-LAUNCH-002)?: condition not judged here (Every provider is down"
            in out.split("Decisions")[-1]) and "not needed" not in out.split("Decisions")[-1], out
    assert "OVERDUE" not in out.split("Decisions")[-1]
    code, _out, err = cli("export", inc)
    pir = (tmp_path / "state" / "incidents" / inc / "pir.md").read_text()
    assert "Decision overdue" not in pir and "passed with no verdict" not in pir, pir
    # the commander can still decide: the verdict stands like any other
    code, out, err = cli("decide", inc, "--no-go", "--why", "one provider left is enough", "--by", "dana")
    assert code == 0, err
    (taken,) = _events(cli.journal(inc), "decision.recorded")
    assert taken["data"]["late"] is False and "not met" in taken["data"]["not_needed"]
    code, _out, err = cli("export", inc)
    pir = (tmp_path / "state" / "incidents" / inc / "pir.md").read_text()
    assert "Taken after its deadline" not in pir and "Taken while the runbook did not need it" in pir


def _core_004(threshold: float | None = None):
    """The shipped RB-CORE-004, its condition's threshold lowered to make it hold in a drill where
    one provider is down (the query, and everything else, as shipped)."""
    text = CORE_004.read_text()
    if threshold is not None:
        head, sep, rest = text.partition("[applies_when]")
        assert sep, "RB-CORE-004 states its decision's condition"
        rest = rest.replace("value = 3", f"value = {threshold:g}", 1)
        text = head + sep + rest
    rb = parse_runbook(text, CORE_004)
    assert not rb.findings and rb.decisions[0].applies_when is not None
    return rb


PAST = 1_700_000_000.0      # a drill read through a real incident runs on the wall clock: its moments must have happened


def _incident(tmp_path: Path, at: float | None = None):
    """A real incident (declared at unix ``at``, else now)."""
    from warroom.config import Config
    from warroom.incident.store import IncidentStore

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    clock = None if at is None else (lambda: datetime.fromtimestamp(at, UTC))
    return IncidentStore(tmp_path, cfg, clock).create(title="provider down", severity="P2", runbook=None, source={})


def test_when_the_condition_holds_the_decision_is_due_and_reminded_once(tmp_path: Path) -> None:
    """Through the drill's real metric source: with a threshold that holds whenever the query reads (0 down or more),
    the decision arises (journaled once, with the value it was seen at), and past its deadline it is
    reminded once however often it is looked at; a look that cannot query metrics (``incident
    show``, the checklist) still knows it arose. With the shipped threshold it never does."""
    from warroom.drill.directory import create_drill

    drill = create_drill(tmp_path / "drills", "provider-outage", 1.0, start=PAST)
    source = drill.source()
    inc = _incident(tmp_path, at=PAST)
    start = inc.state.clock_start
    holds, never = _core_004(threshold=0), _core_004()

    def looked(rb, scenario_s: float) -> list[dec.DecisionView]:   # type: ignore[no-untyped-def]
        now = datetime.fromtimestamp(start.timestamp() + scenario_s, UTC)
        views = dec.evaluate_all(inc, inc.state, [rb], source, now, criteria=False)
        dec.remind_overdue(inc, views)
        return views

    (early,) = looked(holds, 20 * 60.0)                     # before the deadline: arises, not overdue
    assert early.applies is not None and early.applies.state == dec.MET and early.applies.value is not None
    assert early.needed and not early.overdue
    (arose,) = inc.state.decisions_arose
    assert arose["runbook_id"] == "RB-CORE-004" and arose["condition"]["state"] == dec.MET
    assert any(t.text.startswith('Decision needed: "Roll back') for t in inc.state.timeline)
    assert inc.state.decisions_overdue == []
    arose_at = datetime.fromtimestamp(start.timestamp() + 20 * 60.0, UTC)
    for minute in (31, 40, 49):          # past 30 minutes from detection, not from when it arose
        (pending,) = looked(holds, minute * 60.0)
        assert not pending.overdue and pending.due_at == arose_at + timedelta(minutes=30)
        assert pending.due_text is not None and pending.due_text.startswith("30m00s after it arose, ")
    for minute in (51, 52, 60):                              # past it: reminded once
        (late,) = looked(holds, minute * 60.0)
        assert late.overdue
    assert len(inc.state.decisions_overdue) == 1 and len(inc.state.decisions_arose) == 1
    assert inc.state.decisions_overdue[0]["due_at"] == (arose_at + timedelta(minutes=30)).isoformat()
    lines = dec.standing_lines(holds, inc.state, datetime.fromtimestamp(start.timestamp() + 3600, UTC))
    assert "OVERDUE (deadline 30m00s after it arose" in lines[0] and "needed since" in lines[0]
    # the shipped threshold (3 down): not met, not needed, even though the lowered one arose
    inc2 = _incident(tmp_path / "two", at=PAST)
    start = inc2.state.clock_start
    now = datetime.fromtimestamp(start.timestamp() + 40 * 60.0, UTC)
    (view,) = dec.evaluate_all(inc2, inc2.state, [never], source, now, criteria=False)
    assert view.applies is not None and view.applies.state == dec.NOT_MET and not view.overdue
    assert view.not_needed and "not met" in view.not_needed
    assert dec.remind_overdue(inc2, [view]) == [] and inc2.state.decisions_arose == []


def test_unknown_is_not_needed_until_it_was_seen_and_a_condition_that_stops_holding_is_not_due(tmp_path: Path) -> None:
    """An unknown condition (no data, a dead source) never makes the decision due; once it was seen
    to hold, unknown keeps it due (the outage is not forgotten because Prometheus went away); a
    condition that stops holding makes it not needed again (the rare case is over)."""
    (d,), problems = find_decisions(
        "```decision\nquestion = 'Roll back?'\ndeadline = '10m'\n\n[applies_when]\ntext = 'all down'\n"
        "query = 'down'\nop = '>'\nvalue = 90\n\n[[go]]\ntext = 'judge'\n```\n")
    assert not problems and d.applies_when is not None and d.applies_when.line == 5
    inc = _incident(tmp_path)
    late = datetime.fromtimestamp(inc.state.clock_start.timestamp() + 3600, UTC)

    def view(values: list[float] | Exception, at: datetime = late) -> dec.DecisionView:
        def query(_expr: str) -> list[float]:
            if isinstance(values, Exception):
                raise values
            return values
        v = dec.evaluate(d, "RB-X", inc.state, at, query=query, step_output=lambda _s: None)
        dec.remind_overdue(inc, [v])
        return v

    for unknown in ([], OSError("connection refused")):
        v = view(unknown)
        assert v.applies is not None and v.applies.state == dec.UNKNOWN and not v.overdue
        assert v.not_needed and "not seen to hold" in v.not_needed
    assert inc.state.decisions_overdue == [] and inc.state.decisions_arose == []
    stopped = view([12.0])
    assert not stopped.overdue and stopped.not_needed and "not met" in stopped.not_needed
    arrived = view([95.0])                 # arises an hour in: its 10 minutes start now
    assert arrived.needed and not arrived.overdue and arrived.due_at == late + timedelta(minutes=10)
    assert inc.state.decisions_overdue == [] and len(inc.state.decisions_arose) == 1
    later = late + timedelta(minutes=11)
    assert view([95.0], later).overdue and len(inc.state.decisions_overdue) == 1
    after = view(OSError("connection refused"), later)        # seen to hold: unknown stays due
    assert after.needed and after.overdue
    again = view([12.0], later)
    assert not again.needed and "(it held earlier)" in (again.not_needed or "")
    assert len(inc.state.decisions_overdue) == 1 and len(inc.state.decisions_arose) == 1


def test_a_shared_decision_overdue_where_another_runbook_needs_it_is_not_called_unneeded(tmp_path: Path) -> None:
    """RB-LAUNCH-005 (no condition) and RB-CORE-004 (all providers down) state one decision: once
    it is overdue through the first, RB-CORE-004's row does not say "not needed now" about it."""
    mass = load_runbook(ROOT / "runbooks" / "RB-LAUNCH-005-mass-failure.md")
    core = _core_004()
    inc = _incident(tmp_path)
    late = datetime.fromtimestamp(inc.state.clock_start.timestamp() + 3600, UTC)
    (before,) = dec.standing(core, inc.state, late)
    assert not before.needed
    views = [*dec.standing(mass, inc.state, late), *dec.standing(core, inc.state, late)]
    assert len(dec.remind_overdue(inc, views)) == 1                  # through RB-LAUNCH-005, once
    (after,) = dec.standing(core, inc.state, late)
    assert after.needed and after.overdue
    assert dec.remind_overdue(inc, [after]) == [] and len(inc.state.decisions_overdue) == 1


def test_the_budget_decision_arises_only_above_the_hard_limit() -> None:
    """RB-LAUNCH-004: the spend the detection step read, against the hard limit; not run yet is
    not needed (unknown), below the limit not needed, above it due."""
    rb = load_runbook(LAUNCH_004)
    assert not rb.findings
    (d,) = rb.decisions
    assert d.applies_when is not None and d.applies_when.step == "spend-last-day"
    start = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)

    class State:
        clock_start, resolved, decisions, decisions_arose, notes, drill = start, False, [], [], [], None

    late = datetime.fromtimestamp(start.timestamp() + 3600, UTC)

    def view(out: str | None) -> dec.DecisionView:
        ran = None if out is None else dec.StepOutput(out, "ok", 7, 0)
        return dec.evaluate(d, rb.id, State(), late, query=None, step_output=lambda _s: ran)

    assert not view(None).needed and not view(None).overdue
    below = view("acme-api: $12.00\n\nTotal cost (last 24h): $48.10\n")
    assert not below.needed and below.applies is not None and below.applies.value == 48.1
    above = view("acme-api: $80.00\n\nTotal cost (last 24h): $1,080.50\n")
    assert above.needed and above.applies is not None and above.applies.value == 1080.5
    assert not above.overdue and above.due_at == late + timedelta(minutes=30)     # it arises at this look


def test_every_shipped_conditional_decision_states_its_condition() -> None:
    """The runbooks whose decision belongs to a rare case say so in the block, not only in prose."""
    assert _core_004().decisions[0].applies_when.query  # type: ignore[union-attr]
    assert load_runbook(LAUNCH_004).decisions[0].applies_when is not None
    for name in ("RB-LAUNCH-005-mass-failure.md", "RB-LAUNCH-002-rollback-to-pilot.md",
                 "RB-DEPLOY-002-canary-deployment.md"):
        (d,) = load_runbook(ROOT / "runbooks" / name).decisions      # the decision IS their subject
        assert d.applies_when is None, name


STEP = '```bash {name="count-repos" mutating=false}\n# Count\necho "repos failing: 3"\n```\n\n'


@pytest.mark.parametrize(("body", "line", "words"), [
    ("question = 'q'\ndeadline = '5m'\n[applies_when]\ntext = 'all down'\n[[go]]\ntext = 't'", 9,
     "[applies_when] must measure something"),                                       # a judgement: never holds
    ("question = 'q'\ndeadline = '5m'\n[applies_when]\ntext = 'all down'\nquery = 'up'\nvalue = 1\n[[go]]\ntext = 't'",
     11, "[applies_when]: 'op'"),                                                     # missing op, on the query line
    ("question = 'q'\ndeadline = '5m'\n[applies_when]\ntext = 'x'\nquery = 'up'\nop = '>'\nvalue = 1\nwhen = 2\n"
     "[[go]]\ntext = 't'", 14, "unknown key 'when'"),
    ("question = 'q'\ndeadline = '5m'\napplies_when = 'all providers down'\n[[go]]\ntext = 't'", 9,
     "must be a table"),
    ("question = 'q'\ndeadline = '5m'\n[applies_when]\ntext = 'x'\nstep = 'nope'\npattern = '(\\d+)'\nop = '>'\n"
     "value = 1\n[[go]]\ntext = 't'", 9, "does not have"),                          # a step the runbook lacks
    ("question = 'q'\ndeadline = '5m'\n[applies_when]\ntext = 'x'\nno_note = 'rootcause'\n[[go]]\ntext = 't'", 11,
     "not a note tag"),
    ("question = 'q'\ndeadline = '5m'\n[[go]]\ntext = 't'\n[applies_when]\ntext = 'x'\nquery = 'up'\nop = '>'\n"
     "value = inf", 15, "finite"),                                                   # after the criteria, too
])
def test_a_malformed_condition_names_file_and_line(tmp_path: Path, body: str, line: int, words: str) -> None:
    from warroom.runbook.lint import lint_file

    path = tmp_path / "RB-T.md"
    path.write_text("# T\n\n" + STEP + "```decision\n" + body + "\n```\n")
    findings = [f for f in lint_file(path) if "decision" in f.message]
    assert findings, body
    hit = [f for f in findings if words in f.message]
    assert hit and hit[0].line == line + 2, [(f.line, f.message) for f in findings]


def test_a_view_that_reads_the_journal_only_never_calls_an_unjudged_condition_unneeded() -> None:
    """A14-13: ``incident show``, the handoff brief and the checklist row read the journal only; of
    RB-LAUNCH-004's condition (a number in a step's output) they know nothing, so they say the
    condition was not judged there and what judges it — not "not needed", not "step … has not run"
    (the step may have run). The rule stays: an unjudged condition never makes it overdue."""
    from tui.view import decision_rows

    rb = load_runbook(LAUNCH_004)
    (d,) = rb.decisions
    start = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)

    class State:
        id, clock_start, resolved, decisions, decisions_arose, notes, drill = "INC-1", start, False, [], [], [], None

    late = datetime.fromtimestamp(start.timestamp() + 3600, UTC)
    (shown,) = dec.standing(rb, State(), late)
    assert not shown.needed and not shown.overdue and shown.due_at is None
    said = shown.not_due_text("INC-1")
    assert said == (f"condition not judged here ({d.applies_when.text}); `warroom incident decide INC-1`"  # type: ignore[union-attr]
                    " judges it")
    assert "has not run" not in (shown.not_needed or "")
    (row,) = decision_rows(rb, State(), late)                       # the checklist's row: the same words
    assert row.not_needed == said
    (line,) = [ln for ln in dec.standing_lines(rb, State(), late) if "◆" in ln]
    assert line.endswith(f"[{d.id}]: {said}")
    # where the condition is judged (``incident decide``: outputs read), what it found is said
    judged = dec.evaluate(d, rb.id, State(), late, query=None, step_output=lambda _s: None)
    assert (judged.not_due_text("INC-1") or "").startswith("not needed now (") and "has not run" in (judged.not_needed or "")
