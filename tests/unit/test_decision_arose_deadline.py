"""A conditional decision's deadline counts from when it arose, not from detection.

RB-CORE-004's Go/No-Go (roll back?) arises only when every provider fails (``applies_when``), with
a 30-minute deadline. Counted from detection, a decision that arose at minute 40 was overdue the
moment it was seen (and journaled "overdue", and a GO five minutes later was "taken late"); it is
due at minute 70. Here it arises at minute 20 (the drill's providers recover after about an hour)
and is due at 50, not at 30: in ``incident decide``/``show``, the checklist row, the dialog, the handoff
brief, the reminder and the PIR. The clock is pinned (``$WARROOM_DRILL_AT``, a x10 drill).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli
from warroom import scenario_time

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC).timestamp()


def _runbook(tmp: Path) -> Path:
    """The shipped RB-CORE-004 with its condition read as a 5xx share above 2% so the provider-outage
    drill (one provider down) meets it from minute 20; everything else as shipped."""
    text = (ROOT / "runbooks" / "RB-CORE-004-provider-outage.md").read_text(encoding="utf-8")
    head, sep, rest = text.partition("[applies_when]")
    assert sep
    path = tmp / "RB-CORE-004-provider-outage.md"
    share = ('100 * sum(rate(flowengine_model_api_requests_total{code=~"5.."}[5m])) / '
             'sum(rate(flowengine_model_api_requests_total[5m]))')
    shipped = 'query = "providers_down"\nop = ">="\nvalue = 3'
    lowered = rest.replace(shipped, f"query = '{share}'\nop = \">\"\nvalue = 2", 1)
    assert lowered != rest
    path.write_text(head + sep + lowered, encoding="utf-8")
    return path


def _at(monkeypatch: pytest.MonkeyPatch, drill_minutes: float) -> None:
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + drill_minutes * 6.0))      # x10


def _hms(drill_minutes: float) -> str:
    return datetime.fromtimestamp(T0 + drill_minutes * 6.0, UTC).strftime("%H:%M:%S")


def _events(journal: Path, kind: str) -> list[dict]:
    return [e for e in map(json.loads, journal.read_text().splitlines()) if e.get("type") == kind]


@pytest.fixture
def drill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[Cli, str]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WARROOM_IDENTITY", "ic@drill")
    cli = Cli(tmp_path / "state", capsys)
    _at(monkeypatch, 0)
    code, out, err = cli("new", "--title", "providers failing", "--severity", "P2", "--drill", "provider-outage",
                         "--speed", "10", "--runbook", str(_runbook(tmp_path)))
    assert code == 0, err
    return cli, out.strip().splitlines()[-1]


def test_a_decision_arising_at_minute_20_is_due_at_minute_50_not_overdue_at_31(
        drill: tuple[Cli, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cli, inc = drill
    _at(monkeypatch, 20)                                   # the first look: it arises now
    code, out, err = cli("decide", inc)
    assert code == 0, err
    assert "OVERDUE" not in out, out
    assert f"deadline 30m00s drill time (3m00s wall) after it arose, {_hms(50)} UTC" in out, out
    (arose,) = _events(cli.journal(inc), "decision.arose")
    assert _events(cli.journal(inc), "decision.overdue") == []
    _at(monkeypatch, 49)
    code, out, err = cli("show", inc)
    assert "[rollback-to-pilot]: undecided (deadline 30m00s drill time (3m00s wall) after it arose," in out, out
    assert cli("decide", inc)[0] == 0 and _events(cli.journal(inc), "decision.overdue") == []
    _at(monkeypatch, 51)
    code, out, err = cli("show", inc)
    assert f"OVERDUE (deadline 30m00s drill time (3m00s wall) after it arose, {_hms(50)} UTC)" in out, out
    assert cli("decide", inc)[0] == 0
    (overdue,) = _events(cli.journal(inc), "decision.overdue")
    assert overdue["data"]["due_at"].startswith(datetime.fromtimestamp(T0 + 300, UTC).isoformat()[:19])
    assert cli("resolve", inc, "--summary", "fell back", "--yes")[0] == 0
    assert cli("export", inc)[0] == 0
    pir = (tmp_path / "state" / "incidents" / inc / "pir.md").read_text(encoding="utf-8")
    assert f"deadline {_hms(50)} UTC passed with" in pir, pir


def test_a_verdict_five_minutes_after_it_arose_is_not_late(
        drill: tuple[Cli, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cli, inc = drill
    _at(monkeypatch, 20)
    assert cli("decide", inc)[0] == 0
    _at(monkeypatch, 25)
    code, out, err = cli("decide", inc, "--no-go", "--why", "the secondary answers", "--by", "dana")
    assert code == 0, err
    (taken,) = _events(cli.journal(inc), "decision.recorded")
    assert taken["data"]["late"] is False and taken["data"]["due_at"].startswith(
        datetime.fromtimestamp(T0 + 300, UTC).isoformat()[:19])
    assert cli("export", inc)[0] == 0
    pir = (tmp_path / "state" / "incidents" / inc / "pir.md").read_text(encoding="utf-8")
    assert "Taken after its deadline" not in pir


def test_the_checklist_row_the_dialog_and_the_brief_count_from_when_it_arose(
        drill: tuple[Cli, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The views that query no metrics (the checklist row, the handoff brief) read the journaled
    ``decision.arose``; the dialog reads the judged view."""
    from panes.runbook import decision_prompt
    from tui.view import decision_rows
    from warroom.incident import decisions as dec
    from warroom.incident.handoff import catch_up_brief
    from warroom.incident.store import IncidentStore

    cli, inc = drill
    _at(monkeypatch, 20)
    assert cli("decide", inc)[0] == 0
    opened = IncidentStore(tmp_path / "state").open(inc)
    book = opened.runbook()
    now = datetime.fromtimestamp(T0 + 31 * 6.0, UTC)   # overdue if counted from detection
    (row,) = decision_rows(book, opened.state, now)
    assert not row.overdue and row.due == f"{_hms(50)} UTC" and row.due_at == T0 + 300
    assert f"undecided, due {_hms(50)} UTC" in decision_prompt(row).plain
    (view,) = dec.standing(book, opened.state, now)
    assert view.due_text == f"30m00s drill time (3m00s wall) after it arose, {_hms(50)} UTC"
    brief = catch_up_brief(opened.state, now, update_every=900.0, config=opened.config, runbooks=[book])
    (line,) = dict(brief.to_json()["sections"])["Decisions (Go/No-Go)"]
    # the deadline counted from when it arose, then (932dc29) what the condition read then
    assert f"(no verdict yet; deadline 30m00s drill time (3m00s wall) after it arose, {_hms(50)} UTC; needed since" \
        f" {_hms(20)} UTC: " in line, line
    late = datetime.fromtimestamp(T0 + 51 * 6.0, UTC)
    (row,) = decision_rows(book, opened.state, late)
    assert row.overdue and f"OVERDUE since {_hms(50)} UTC" in decision_prompt(row).plain


def test_before_it_arises_no_deadline_runs_and_an_unconditional_decision_still_counts_from_detection(
        tmp_path: Path) -> None:
    from warroom.incident import decisions as dec
    from warroom.runbook.parser import find_decisions

    (cond, plain), problems = find_decisions(
        "```decision\nquestion = 'Roll back?'\ndeadline = '30m'\n\n[applies_when]\ntext = 'all down'\n"
        "query = 'down'\nop = '>'\nvalue = 90\n\n[[go]]\ntext = 'judge'\n```\n\n"
        "```decision\nquestion = 'Page the vendor?'\ndeadline = '30m'\n\n[[go]]\ntext = 'judge'\n```\n")
    assert not problems
    start = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)

    class State:
        clock_start, resolved, decisions, decisions_arose, decisions_overdue, notes, drill = \
            start, False, [], [], [], [], None

    now = start + timedelta(minutes=40)
    quiet = dec.evaluate(cond, "RB-X", State(), now, query=lambda _e: [10.0], step_output=lambda _s: None)
    assert quiet.due_at is None and not quiet.overdue and not quiet.needed
    vendor = dec.evaluate(plain, "RB-X", State(), now, query=None, step_output=lambda _s: None)
    assert vendor.overdue and vendor.due_at == start + timedelta(minutes=30)
    assert vendor.due_text == "30m00s after detection, 06:30:00 UTC"
