"""`incident brief` (and the brief a CLI handoff journals) is what an incoming commander reads
first. Run on an incident nobody had looked at for a while, it listed "What happened" up to the
last look and said "Current state: … escalation: notify stakeholders" above it, with no line
saying the incident got there; `show` and `draft-update` journal what is owed first, the brief
did not (attack25, A25-4). Seen: mass-failure ×60, dashboard closed at tier 2, `incident brief`
13 drill hours later: no "Escalated to tier 3" line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import Cli, DrillClock

# what the commands decide and say, not how a drill integrates: the drills `incident new --drill` makes start warm
pytestmark = pytest.mark.usefixtures("warm_drills")

T0 = 1_800_000_000.25


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("WARROOM_IDENTITY", "ic@drill")
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin the clock sets is undone after
    return Cli(tmp_path / "state", capsys)


def _declared(cli: Cli) -> tuple[str, DrillClock]:
    clock = DrillClock(T0)
    code, out, _ = cli("new", "--drill", "audit-gap", "--speed", "60")
    assert code == 0
    clock.t = T0 + 70.0                  # 70 drill minutes later, nobody looking
    return out.strip().splitlines()[-1], clock


def _what_happened(brief: str) -> str:
    return brief.split("What happened:", 1)[1].split("Current state:", 1)[0]


def test_the_brief_says_how_the_incident_got_where_it_is_and_where_it_is_now(cli: Cli) -> None:
    """And (redteam42 R21) "Current state" gave the last journaled reading as the state ("error_5xx
    BREACHED 6.66% at 10:05:10" while it was 28.3%, 20 drill minutes later at x60) where `draft-update`
    read the panes now. Here the audit-log gap breached at 301 s and is past an hour 70 drill minutes on:
    the brief says now's value (the draft's reading), the journaled breach beside it with its age."""
    inc, _ = _declared(cli)
    code, out, _ = cli("brief", inc)
    assert code == 0
    assert "escalation: notify stakeholders" in out                   # the tier of now ...
    happened = _what_happened(out)
    for tier in (1, 2, 3):                                              # ... and how it got there
        assert f"Escalated to tier {tier}" in happened, out
    [line] = [ln for ln in out.splitlines() if "SLO audit_gap:" in ln]
    _, draft, _ = cli("draft-update", inc)
    now = re.search(r"- Audit-log gap (\S+) now", draft)
    assert now is not None, draft
    assert f"SLO audit_gap: {now[1]} now (critical); " in line, line
    assert re.search(r"; BREACHED 301s at 08:00:01 UTC, 1h09m\d\ds drill time ago$", line), line


def test_a_handoff_from_the_shell_journals_a_brief_brought_up_to_date(cli: Cli) -> None:
    inc, _ = _declared(cli)
    code, out, _ = cli("role", inc, "commander", "bob")
    assert code == 0 and "handoff to bob" in out
    assert "Escalated to tier 3" in _what_happened(out), out
    assert re.search(r"SLO audit_gap: \S+ now \(critical\); BREACHED 301s at 08:00:01 UTC, 1h09m\d\ds drill time ago",
                     out), out            # the journaled brief reads the panes now too (redteam42 R21)
