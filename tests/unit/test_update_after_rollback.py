"""The stakeholder update says what an incident commander would send (redteam39 F1).

Seen in the mass-failure drill: the first update after the rollback gave the failure rate as its breach
value, 1.09%, while every pane read 20%, and listed the last three steps run (three read-only checks after
the rollback) but neither the rollback that fixed it nor the NO-GO taken before it. The update is the one
artefact that leaves the room: each pane is given by its value now beside when and at what it breached;
every mitigation and verdict since the last update comes before the checks, and checks cut for length are
counted, never dropped unsaid."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import Cli, Clock, drill_incident, ran_ok
from tests.unit.test_runbook_beside import _go, _mass_failure
from warroom.config import Config
from warroom.incident.cadence import draft_update
from warroom.journal import events as ev
from warroom.sources.model import SloReading

FAILURE = next(s for s in Config().slo if s.id == "failure_rate")


def _rolled_back(tmp_path: Path) -> Any:
    """RB-LAUNCH-005 as redteam39 worked it: the failure rate breached at 1.09%, a NO-GO on rolling back
    to the pilot, the rollback (step 28), then three read-only checks (29, 30) and the test flow."""
    inc, _ = _mass_failure(tmp_path, clock=Clock())
    at = inc.clock()
    inc._append(ev.SLO_BREACHED, {"slo_id": "failure_rate", "title": FAILURE.title, "unit": "percent",
                                  "at": at.isoformat(), "value": 1.09, "threshold": 1.0})
    _go(inc, "NO-GO")
    ran_ok(inc, 28, mutating=True)
    ran_ok(inc, 29)
    ran_ok(inc, 30)
    ran_ok(inc, 30)
    return inc


def _actions(text: str) -> list[str]:
    lines = text.splitlines()
    return lines[lines.index("Actions:") + 1:lines.index("Needs:") - 1]


def test_each_pane_is_given_by_its_value_now_beside_its_breach(tmp_path: Path) -> None:
    inc = _rolled_back(tmp_path)
    st = inc.refresh()
    breached = st.breaches[-1]["at"]
    now = SloReading(FAILURE, "crit", 20.0, breached=True, breach_since=breached.timestamp())
    text = draft_update(st, inc.clock(), 600.0, [now])
    assert f"- Flow failure rate 20% now (critical since {breached:%H:%M} UTC, breached at 1.09%)." in text, text
    # without a reading (no metric source) the breach is said as journaled, never as now's value
    assert f"- Flow failure rate breached at {breached:%H:%M} UTC (1.09%)." in draft_update(st, inc.clock(), 600.0)


def test_the_rollback_and_the_verdict_come_before_the_checks_and_no_check_goes_unsaid(tmp_path: Path) -> None:
    inc = _rolled_back(tmp_path)
    actions = _actions(draft_update(inc.refresh(), inc.clock(), 600.0))
    rollback = inc.step(28).label
    assert actions[0].endswith(" Decided NO-GO on \"Roll back to the pilot repository (RB-LAUNCH-002)?\""
                               " (RB-LAUNCH-005) by dana: no root cause after 15 minutes."), actions
    assert actions[1].endswith(f" {rollback} (mitigation attempt): ok."), actions
    assert [a.split(" ", 2)[2] for a in actions[2:5]] == [
        f"{inc.step(29).label} (check): ok.", f"{inc.step(30).label} (check): ok.",
        f"{inc.step(30).label} (check): ok."], actions
    assert not actions[5:] or actions[5].startswith("- Suspected cause"), actions
    for _ in range(4):
        ran_ok(inc, 29)
    actions = _actions(draft_update(inc.refresh(), inc.clock(), 600.0))
    assert actions[1].endswith(f" {rollback} (mitigation attempt): ok."), actions        # never cut
    assert actions[5].startswith("- and 4 more checks since "), actions


def test_an_update_lists_what_was_done_since_the_last_one(tmp_path: Path) -> None:
    inc = _rolled_back(tmp_path)
    inc.record_status_update("first update")
    actions = _actions(draft_update(inc.refresh(), inc.clock(), 600.0))
    assert actions == ["- Nothing run or decided since the last update"
                       f" ({inc.state.status_updates[-1].at:%H:%M} UTC)."], actions
    ran_ok(inc, 33, mutating=True)
    actions = _actions(draft_update(inc.refresh(), inc.clock() + timedelta(seconds=1), 600.0))
    assert len(actions) == 1 and actions[0].endswith(f" {inc.step(33).label} (mitigation attempt): ok."), actions


def test_the_cli_draft_gives_each_pane_as_read_now(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``incident draft-update`` reads the panes once, as ``warroom status`` does: the drill's failure
    rate 20 drill minutes after the declaration, not its breach value (clock pinned)."""
    from warroom.incident.live import metric_source_for
    from warroom.sources.evaluate import evaluate
    from warroom.units import format_reading

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    _d, inc, clock, _breach = drill_incident(tmp_path / "state", "mass-failure", 60.0, title="flows failing",
                                             severity="P1", pane="failure_rate", runbook="RB-LAUNCH-005")
    try:
        clock.t += 20.0
        code, out, err = Cli(tmp_path / "state" / "incidents", capsys)("draft-update", inc.id)
        assert code == 0, err
        source, _speed = metric_source_for(inc)
        (now,) = [r for r in evaluate(inc.config.slo, source.fetch(inc.config.slo)) if r.slo.id == "failure_rate"]
        source.close()
    finally:
        monkeypatch.delenv("WARROOM_DRILL_AT", raising=False)
    assert f"- Flow failure rate {format_reading(now.value, now.slo)} now (critical since " in out, out
