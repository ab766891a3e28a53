"""A Go/No-Go verdict on a resolved incident is refused in the core (issue 13, D9): a GO there
opened the rollback runbook beside an incident that had ended, and the PIR said so. The refusal
is in ``Incident.record_decision``, the one place the CLI's ``incident decide`` and the
dashboard's ``G`` (``IncidentPresenter.decide``) both go through; reopening makes it possible
again. The clock is pinned (``$WARROOM_DRILL_AT``): no wall time is read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.standins_corpus import warmed
from warroom import scenario_time
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.errors import WarroomError
from warroom.incident import decisions as dec
from warroom.incident.store import IncidentStore

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC).timestamp()
SPEED = 60.0


def _declare(tmp, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0))
    cfg = Config()
    cfg.incident.state_dir = str(tmp / "state")
    drill = warmed(create_drill(tmp / "state" / "drills", "mass-failure", speed=SPEED))
    return IncidentStore(tmp / "state", cfg).create(
        title="Flows failing across many repositories", severity="P1", runbook="RB-LAUNCH-005",
        drill={"scenario": "mass-failure", "speed": SPEED, "dir": str(drill.path)})


def _view(inc):  # type: ignore[no-untyped-def]
    """RB-LAUNCH-005's rollback decision, judged without any metric (every criterion unknown)."""
    from warroom.runbook.library import RunbookLibrary

    rb = RunbookLibrary.from_config(inc.config).get("RB-LAUNCH-005")
    (d,) = [d for d in rb.decisions if d.on_go]
    return dec.evaluate(d, rb.id, inc.state, inc.clock(), query=lambda _q: [], step_output=lambda _s: None)


def test_a_go_on_a_resolved_incident_is_refused_and_opens_nothing(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    inc = _declare(tmp_path, monkeypatch)
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 5))
    inc.resolve("flows pass again", rollback=False)
    before = [e.type for e in inc.read().events]
    runbooks = [r.get("id") for r in inc.refresh().runbooks]
    for verdict in ("GO", "NO-GO"):
        with pytest.raises(WarroomError, match=r"is resolved at .*; reopen it first"):
            dec.record(inc, _view(inc), verdict, by="dana", why="late")
    assert [e.type for e in inc.read().events] == before              # nothing journaled
    st = inc.refresh()
    assert st.decisions == [] and [r.get("id") for r in st.runbooks] == runbooks   # RB-LAUNCH-002 not opened
    assert "RB-LAUNCH-002 was opened" not in inc.render("pir")

    inc.reopen("the fix did not hold")
    dec.record(inc, _view(inc), "GO", by="dana", why="failing again")
    st = inc.refresh()
    assert [d["verdict"] for d in st.decisions] == ["GO"]
    assert [r.get("id") for r in st.runbooks][-1] == "RB-LAUNCH-002"


def test_cli_decide_on_a_resolved_incident_says_why_and_fails(  # type: ignore[no-untyped-def]
        tmp_path, monkeypatch, capsys) -> None:
    inc = _declare(tmp_path, monkeypatch)
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 5))
    inc.resolve("flows pass again", rollback=False)
    monkeypatch.setenv(scenario_time.AT_ENV, repr(T0 + 6))
    from tui.cli import main        # in-process (the CLI's own main): what it says and refuses, not the process

    capsys.readouterr()
    code = main(["incident", "decide", inc.id, "--go", "--why", "late", "--state-dir", str(tmp_path / "state")])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code != 0
    assert "is resolved at" in err and "reopen it first" in err
    assert "decision.recorded" not in [e.type for e in IncidentStore(tmp_path / "state").open(inc.id).read().events]
