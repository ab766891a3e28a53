"""A fix typed by hand, then run through warroom as its credit advises, is judged from the typed moment (attack51 A7).

RB-CORE-003's routing (step 10, ``failure_rate_5m < 1 for 2m within 15m``: the Time-to-mitigate milestone) typed in the
drill shell is credited "typed by hand …, not verified: its gate opens when the step runs in warroom". Run through
warroom as advised, its gate opened on the measure the typing had already brought back and read "held before the
step": Time to mitigate was never met, though the fix was this very step's action. A gate's "before" is read at the
first moment the step's own action took effect typed by hand (``gate_evidence.before_at``, from ``HandsDone.typed``);
a gate that held before anything was typed still reads "held before", and a typing the credit refuses moves nothing. The
drill world, the runbook, the gate's opening (``LiveIncident.open_gate``) and its settle are the real ones; the clock is
pinned (``$WARROOM_DRILL_AT``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import ran_through_warroom, typed_drill_incident
from tests.unit.standins_corpus import typed_in_shell
from warroom.drill.directory import DrillSource
from warroom.incident.gate_evidence import HELD
from warroom.incident.gates import gate_states
from warroom.incident.live import LiveIncident
from warroom.incident.verdicts import of_state
from warroom.journal import events as ev
from warroom.sources.verify import settle_open

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-003-rate-limit-exhaustion.md"
ROUTE = "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo -n production".split()
KEY = ("RB-CORE-003", "route-to-secondary")
PARAMS = {"deployment": "flowengine", "namespace": "production"}
RUN_AT = 2400.0         # drill seconds: the run through warroom, 15 drill minutes after the typing


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")
    yield


def _typed_then_run(tmp_path: Path, typed: list[str], at: float) -> tuple[Any, Any, Any]:
    """``typed`` in the drill shell at drill second ``at``, then step 10 run through warroom (a no-op in the world when
    the typing was the routing), its gate opened as warroom opens it and settled once its window ended."""
    d, clock, inc = typed_drill_incident(tmp_path, "rate-limit", RUNBOOK, title="Flows failing", severity="P3", at=90.0)
    clock.t = d.wall_time(at)
    assert typed_in_shell(d, typed, at) == 0
    step = ran_through_warroom(d, clock, inc, KEY, ROUTE, RUN_AT, params=PARAMS)
    live = LiveIncident(inc, DrillSource(d), speed=d.speed)
    live.open_gate(KEY, step.number, str(step.verify))
    clock.t = d.wall_time(RUN_AT + 901)
    settle_open(inc, inc.read().events, DrillSource(d), [], now=clock.t, speed=d.speed)
    st = inc.refresh()
    [opened] = [v for v in st.verifications if v["type"] == ev.VERIFY_STARTED]
    return d, st, opened


def test_the_routing_typed_then_run_through_warroom_is_the_mitigation(tmp_path: Path) -> None:
    d, st, opened = _typed_then_run(tmp_path, ROUTE, 1500.0)
    # read when the typing took effect (its recorded action), the failure rate still past its line then
    assert opened["before"]["holds"] is False and opened["before"]["at"] == _iso(d.wall_time(1500.0)), opened["before"]
    gate = gate_states(st, st.last_at)[KEY]
    assert gate.shown == "passed" and gate.held_before is None, gate
    assert st.status == "mitigated" and st.phase_sources()["mitigated"][2] == "verify"
    assert of_state(st)["mitigated"].word == "met", of_state(st)["mitigated"]


def test_a_gate_that_held_before_anything_was_typed_still_reads_held_before(tmp_path: Path) -> None:
    """Typed at drill second 200, the failure rate still 0.36% (the quota not yet spent): the step prevented rather
    than fixed, and no evidence is claimed."""
    d, st, opened = _typed_then_run(tmp_path, ROUTE, 200.0)
    assert opened["before"]["holds"] is True and opened["before"]["at"] == _iso(d.wall_time(200.0)), opened["before"]
    assert gate_states(st, st.last_at)[KEY].shown == HELD
    assert st.phases["mitigated"] is None


def test_a_typing_the_credit_refuses_does_not_move_the_before(tmp_path: Path) -> None:
    """Claude taken out by hand (another action: the credit refuses it as step 10) brought the failure rate back; the
    routing then run through warroom did nothing the measure shows: its gate held before, read at the run."""
    d, st, opened = _typed_then_run(tmp_path, "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic"
                                    " -n production".split(), 1500.0)
    assert opened["before"]["at"] == _iso(d.wall_time(RUN_AT)) and opened["before"]["holds"] is True, opened
    assert gate_states(st, st.last_at)[KEY].shown == HELD
    assert st.phases["mitigated"] is None


def _iso(t: float) -> str:
    from warroom.sources.evidence import iso

    return iso(t)
