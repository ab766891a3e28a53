"""The PIR says what was done in the drill shell outside the runbook's steps (redteam41 T4).

The timeout drill's PIR said "The mitigation did not hold: relapsed at 06:33:04 …" and never why, while the drill
report of the same incident listed, under "Done outside the runbook's steps", the `kubectl set env …
CONTEXT_PRUNING_ENABLED=false` typed in the drill shell a minute before, with its effect on P95. The PIR takes
those actions from the report it already asks for the by-hand credit (``pir.drill_shell``): in the Full Timeline,
among the Key Moments when one moved a pane, and named beside the relapse it came before. The stand-ins run
in-process and the call is recorded as ``standins.base.main`` records it; every clock is pinned.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.incident_fixtures import DrillClock
from tests.unit.standins_corpus import START, typed_in_shell, warmed
from warroom.config import Config
from warroom.drill.directory import create_drill
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.sources.evidence import iso

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-002-timeout-recovery.md"
OFF = ["kubectl", "set", "env", "deployment/flowengine", "CONTEXT_PRUNING_ENABLED=false", "-n", "production"]
TYPED = "deployment environment changed (set CONTEXT_PRUNING_ENABLED=false on flowengine)"   # while open: what it did


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


def _typed(d, argv: list[str], t: float) -> None:  # type: ignore[no-untyped-def]
    assert typed_in_shell(d, argv, t) == 0


def test_a_change_typed_in_the_drill_shell_is_in_the_pir_beside_the_relapse_it_came_before(tmp_path: Path) -> None:
    d = warmed(create_drill(tmp_path / "drills", "timeout", speed=10.0, start=START))
    clock = DrillClock(d.wall_time(100.0))
    inc = IncidentStore(tmp_path / "incidents", Config(), clock=clock).create(
        title="P95 climbing", severity="P3", runbook=str(RUNBOOK),        # a path: no library search
        drill={"scenario": "timeout", "speed": d.speed, "dir": str(d.path)}, commander="Dana Lee")
    _typed(d, ["kubectl", "set", "env", "deployment/flowengine", "CONTEXT_PRUNING_ENABLED=true",
               "CONTEXT_MAX_SIZE_KB=180", "-n", "production"], 200.0)        # step 7, typed word for word
    clock.t = d.wall_time(800.0)
    inc.set_status("mitigated")
    _typed(d, OFF, 900.0)
    again = d.wall_time(1100.0)
    clock.t = d.wall_time(1110.0)
    inc.append(ev.SLO_BREACHED, {"slo_id": "p95_latency", "title": "P95 flow latency", "at": iso(again),
                                 "value": 121.0, "threshold": 120.0, "unit": "seconds"})
    clock.t = d.wall_time(1200.0)
    text = inc.render()
    moments = text.split("## Key Moments", 1)[1].split("\n## ", 1)[0]
    off_at = f"{datetime.fromtimestamp(d.wall_time(900.0), UTC):%H:%M:%S}"
    [typed] = [ln for ln in moments.splitlines() if f"outside the runbook's steps: {TYPED}" in ln]
    assert "Typed in the drill shell, outside the runbook's steps: " in typed and f" {off_at} " in typed, typed
    assert "`kubectl set env deployment/flowengine CONTEXT_PRUNING_ENABLED=false -n production`" in typed
    assert "P95 flow latency " in typed and "without it" in typed, typed          # what it did, by the simulator
    assert "not run through warroom: this record holds no output of it" in typed
    [relapse] = [ln for ln in moments.splitlines() if "The mitigation did not hold" in ln]
    assert relapse.endswith(f"breached again (121s), after {TYPED} was typed in the drill shell at {off_at} UTC"
                            " `[#3]`"), relapse
    timeline = text.split("## Full Timeline", 1)[1]
    assert sum("Typed in the drill shell" in ln for ln in timeline.splitlines()) == 1, timeline
    assert "- Step 7 (Turn on automatic context pruning with a 180KB cap for new flows) done by hand at +1m40s" \
           " (drill shell)" in text        # a runbook step's command typed word for word is the step's, not outside it
    # the handoff brief merges it in as the PIR's timeline does (redteam47 F12): written for who did not see it
    from warroom.incident.handoff import Brief

    brief = Brief.from_json(inc.assign_role("commander", "carol", "end of shift").data["brief"])
    assert brief is not None
    happened = dict(brief.sections)["What happened"]
    [said] = [ln for ln in happened if "outside the runbook's steps" in ln]
    assert said.startswith(f"{off_at} UTC Typed in the drill shell, outside the runbook's steps: {TYPED}"
                           " (`kubectl set env deployment/flowengine CONTEXT_PRUNING_ENABLED=false -n production`)"
                           ), said
    assert any("Step 7 (Turn on automatic context pruning" in ln and "done by hand" in ln for ln in happened), happened
