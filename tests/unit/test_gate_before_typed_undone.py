"""A fix typed by hand dates its gate's "before" only while what it made still stood at the run (attack52 F1).

attack51 A7 reads a gate's "before" at the moment the step's own action was typed by hand before its run through
warroom (``gate_evidence.before_at``). Taken as the earliest credited typing whatever came since, the routing typed,
switched off by hand, then a look-alike the credit refuses (Claude taken out) bringing the failure rate back, read
"before 14.5%" at the undone typing: step 10's gate passed and Time to mitigate was met by a run that changed nothing.
A typing now stands for the run only while nothing recorded since undid it (``Reversals.typing_undone``, the rule a
Go/No-Go's ``ran`` reads); typed, undone and typed again, the typing that still stood. The drill world, the runbook,
the gate's opening (``LiveIncident.open_gate``) and its settle are the real ones; the clock is pinned.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import ran_through_warroom, typed_drill_incident
from tests.unit.standins_corpus import run_one, typed_in_shell
from warroom.drill.directory import DrillSource
from warroom.incident.gate_evidence import HELD
from warroom.incident.gates import gate_states
from warroom.incident.live import LiveIncident
from warroom.journal import events as ev
from warroom.sources.evidence import iso
from warroom.sources.verify import settle_open

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-003-rate-limit-exhaustion.md"
ROUTE = "kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo -n production".split()
UNDO = "kubectl set env deployment/flowengine FALLBACK_MODEL- -n production".split()
LOOK_ALIKE = "kubectl set env deployment/flowengine DISABLE_PROVIDERS=anthropic -n production".split()
GET_YAML = "kubectl get deployment flowengine -n production -o yaml".split()
APPLY_LIVE = ["apply", "the live spec"]         # a marker: ``_typed_then_run`` applies FlowEngine's spec as it stands
KEY = ("RB-CORE-003", "route-to-secondary")
PARAMS = {"deployment": "flowengine", "namespace": "production"}
RUN_AT = 2400.0         # drill seconds: step 10 run through warroom


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")
    yield


def _typed_then_run(tmp_path: Path, typed: list[tuple[float, list[str]]], failed_at: float | None = None
                    ) -> tuple[Any, Any, dict[str, Any]]:
    """Each of ``typed`` in the drill shell at its drill second, then step 10 run through warroom at ``RUN_AT``, its
    gate opened as warroom opens it and settled once its window ended: (drill, state, the gate's ``before``).
    ``failed_at``: step 10 first run through warroom then with a namespace that has no FlowEngine (exit 1)."""
    d, clock, inc = typed_drill_incident(tmp_path, "rate-limit", RUNBOOK, title="Flows failing", severity="P3", at=90.0)
    if failed_at is not None:
        ran_through_warroom(d, clock, inc, KEY, [*ROUTE[:-1], "staging"], failed_at,
                            params={"deployment": "flowengine", "namespace": "staging"}, exit_code=1)
    for at, argv in typed:
        clock.t = d.wall_time(at)
        if argv == APPLY_LIVE:      # FlowEngine's live spec, read and applied again whole (``kubectl apply -f``)
            (d.path / "flowengine.yaml").write_text(run_one(d, [*GET_YAML], at)[1])
            argv = ["kubectl", "apply", "-f", str(d.path / "flowengine.yaml"), "-n", "production"]
        assert typed_in_shell(d, argv, at) == 0
    step = ran_through_warroom(d, clock, inc, KEY, ROUTE, RUN_AT, params=PARAMS)
    LiveIncident(inc, DrillSource(d), speed=d.speed).open_gate(KEY, step.number, str(step.verify))
    clock.t = d.wall_time(RUN_AT + 901)
    settle_open(inc, inc.read().events, DrillSource(d), [], now=clock.t, speed=d.speed)
    st = inc.refresh()
    [opened] = [v for v in st.verifications if v["type"] == ev.VERIFY_STARTED]
    return d, st, opened["before"]


def test_a_typing_undone_by_hand_does_not_date_the_before(tmp_path: Path) -> None:
    """Routed at 1500, switched off at 1600 (the rate back past its line), Claude taken out at 1700 (a look-alike the
    credit refuses): the rate was within its line when the run began, not by step 10's doing. Read at the run: held
    before, no mitigation credited to the gate."""
    d, st, before = _typed_then_run(tmp_path, [(1500.0, ROUTE), (1600.0, UNDO), (1700.0, LOOK_ALIKE)])
    assert before["at"] == iso(d.wall_time(RUN_AT)) and before["holds"] is True, before
    assert gate_states(st, st.last_at)[KEY].shown == HELD
    assert st.phases["mitigated"] is None


def test_typed_undone_and_typed_again_reads_the_typing_that_stood(tmp_path: Path) -> None:
    """Routed at 1500, switched off at 1600, routed again at 1700: the fix in force at the run is the 1700 typing's
    (the rate still past its line then), so the gate reads from it and the run's gate is the mitigation."""
    d, st, before = _typed_then_run(tmp_path, [(1500.0, ROUTE), (1600.0, UNDO), (1700.0, ROUTE)])
    assert before["at"] == iso(d.wall_time(1700.0)) and before["holds"] is False, before
    gate = gate_states(st, st.last_at)[KEY]
    assert gate.shown == "passed" and gate.held_before is None, gate
    assert st.phases["mitigated"] is not None


def test_the_deployment_applied_again_whole_with_the_routing_kept_undoes_nothing(tmp_path: Path) -> None:
    """Routed at 1500, then FlowEngine's own live spec applied again at 1600 (attack52 F8): its env, read off the
    drill's world after the apply, still routes; the typing stood to the run, so the gate reads from it and passes."""
    d, st, before = _typed_then_run(tmp_path, [(1500.0, ROUTE), (1600.0, APPLY_LIVE)])
    assert before["at"] == iso(d.wall_time(1500.0)) and before["holds"] is False, before
    assert gate_states(st, st.last_at)[KEY].shown == "passed" and st.phases["mitigated"] is not None


def test_a_failed_run_first_then_the_fix_typed_then_run_again_reads_the_typing(tmp_path: Path) -> None:
    """Step 10 run first onto staging (no FlowEngine there: failed, nothing done), the routing then typed by hand at
    1500, then run again as advised (attack52 F4): the typing, after a run that did nothing, dates the before."""
    d, st, before = _typed_then_run(tmp_path, [(1500.0, ROUTE)], failed_at=1400.0)
    assert before["at"] == iso(d.wall_time(1500.0)) and before["holds"] is False, before
    assert gate_states(st, st.last_at)[KEY].shown == "passed" and st.phases["mitigated"] is not None
