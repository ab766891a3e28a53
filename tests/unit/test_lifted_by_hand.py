"""attack50 A10: the step that ends a containment, typed by hand in the drill shell, ends it as a run does.

RB-CORE-005's halt (step 7) has a verify gate (``flows_finishing < 1``) ``lifted_by`` its "Bring FlowEngine back"
(step 30). Typed word for word in the drill shell after the shipper's restart, ``incident show`` credited step 30
"done by hand" and the audit gap recovered, yet the header, the draft and the resolve dialog said "MITIGATED ·
RELAPSED … did not hold": the lift read only runs journaled through warroom. One notion of "this step was done"
(``by_hand``'s credit, which the checklist draws) now feeds the lift too (``IncidentState.hands``), and the lift still
hides no relapse: brought back with the shipper never restarted, the gap's pane says it (attack50 A3's rule).
The drill is the audit-gap world; the halt is a scripted run around the stand-in's own call, the gate's pass and the
pane's transitions are journaled as the metric watch writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import typed_drill_incident
from tests.unit.standins_corpus import run_one, typed_in_shell
from warroom.incident.cadence import draft_update
from warroom.incident.metric_sync import resolve_concerns
from warroom.incident.gate_reading import read_gates
from warroom.incident.relapse import holding
from warroom.journal import events as ev
from warroom.sources.evidence import iso

RUNBOOK = Path(__file__).resolve().parents[2] / "runbooks" / "RB-CORE-005-security-incident.md"
HALT = {"step": 7, "step_id": "halt-flows", "runbook_id": "RB-CORE-005"}
NS = ["-n", "production"]


@pytest.fixture(autouse=True)
def _unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_DRILL_AT", "0")        # recorded, so the pin a DrillClock sets is undone after
    monkeypatch.delenv("WARROOM_DRILL_AT")


class Finishing:
    """A source whose every query answers one series at ``value`` (flows finishing in the last minute)."""

    name = "scripted"

    def __init__(self, value: float) -> None:
        self.value = value

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        return [({}, self.value)]


def _gap(inc: Any, d: Any, kind: str, t: float, value: float) -> None:
    inc.append(ev.SLO_BREACHED if kind == "breached" else ev.SLO_RECOVERED,
               {"slo_id": "audit_gap", "title": "Audit-log gap", "at": iso(d.wall_time(t)), "value": value,
                "threshold": 300.0 if kind == "breached" else 120.0, "unit": "seconds"})


def _halted(tmp_path: Path) -> tuple[Any, Any, Any]:
    """The audit-gap drill, the gap breached, step 7 run through warroom (its call the run's) and its gate passed."""
    d, clock, inc = typed_drill_incident(tmp_path, "audit-gap", RUNBOOK, title="Audit log quiet")
    clock.t = d.wall_time(110.0)
    _gap(inc, d, "breached", 105.0, 330.0)
    clock.t = d.wall_time(150.0)
    inc.append(ev.STEP_STARTED, {**HALT, "label": "Stop FlowEngine at once", "command": "kubectl scale",
                                 "mutating": True, "params": {"deployment": "flowengine", "namespace": "production"}})
    assert run_one(d, ["kubectl", "scale", "deployment/flowengine", "--replicas=0", *NS], 150.2)[0] == 0
    clock.t = d.wall_time(151.0)
    inc.append(ev.STEP_FINISHED, {**HALT, "status": "ok", "exit_code": 0})
    inc.append(ev.VERIFY_STARTED, {**HALT, "expr": "flows_finishing < 1 for 1m within 10m", "window": 600.0,
                                   "deadline": iso(d.wall_time(751.0)), "title": "Flows finished (last 1m)",
                                   "unit": "", "wanted": "< 1", "hold": 60.0, "lifted_by": ["restore-replicas"]})
    clock.t = d.wall_time(215.0)
    inc.append(ev.VERIFY_PASSED, {**HALT, "expr": "flows_finishing < 1 for 1m within 10m", "value": 0.0,
                                  "value_text": "0", "outside": {"value": 5.0}})
    return d, clock, inc


def _said(inc: Any, d: Any, clock: Any, t: float) -> tuple[Any, str, list[str]]:
    """Header (``Holding``), draft and resolve dialog at drill second ``t``, flows finishing again (5 a minute)."""
    clock.t = d.wall_time(t)
    st, at = inc.state, clock()
    gates = read_gates(st, Finishing(5.0), inc.config.slo, at)
    return holding(st, at, None, gates), draft_update(st, at, 600.0, [], gates), resolve_concerns(st, {}, gates=gates,
                                                                                                   at=at)


def test_the_restore_typed_by_hand_lifts_the_containment_as_its_run_does(tmp_path: Path) -> None:
    d, clock, inc = _halted(tmp_path)
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", *NS], 300.0) == 0
    assert typed_in_shell(d, ["kubectl", "scale", "deployment/flowengine", "--replicas=5", *NS], 400.0) == 0
    clock.t = d.wall_time(420.0)
    _gap(inc, d, "recovered", 412.0, 6.0)
    credits = inc.typed_by_hand(clock())
    assert credits[("RB-CORE-005", "restore-replicas")].state.startswith("done by hand at "), credits
    held, draft, concerns = _said(inc, d, clock, 600.0)
    assert held is not None and not held.relapsed and held.status_words("mitigated") == "MITIGATED", held
    [gate] = held.gates
    assert gate.lifted.startswith("lifted by step 30 (Bring FlowEngine back, done by hand) at "), \
        gate.lifted
    assert draft.splitlines()[0].endswith("— MITIGATED") and "did not hold" not in draft, draft
    assert not [c for c in concerns if "did not hold" in c], concerns


def test_a_restore_typed_with_the_harm_still_running_is_the_relapse_it_is(tmp_path: Path) -> None:
    """attack50 A3 by hand: FlowEngine back, the shipper never restarted: lifted; the gap's pane says the relapse."""
    d, clock, inc = _halted(tmp_path)
    # a restart onto a credential the store refuses: its pods never reconnect, so it is no "Restart the audit shipper
    # so it reconnects" (attack50 A11: credited "done by hand", and counted by the Go/No-Go's "restart ran")
    shipper = ["deployment/audit-shipper", *NS]
    assert typed_in_shell(d, ["kubectl", "set", "env", *shipper[:1], "AUDIT_STORE_SECRET=bogus", *NS], 250.0) == 0
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", *shipper], 300.0) == 0
    assert typed_in_shell(d, ["kubectl", "scale", "deployment/flowengine", "--replicas=5", *NS], 400.0) == 0
    clock.t = d.wall_time(420.0)
    credits = inc.typed_by_hand(clock())
    assert ("RB-CORE-005", "restart-audit-pipeline") not in credits and ("RB-CORE-005", "restore-replicas") in credits
    held, draft, concerns = _said(inc, d, clock, 600.0)
    assert held is not None and held.relapsed, held
    assert "Audit-log gap still critical" in held.status_words("mitigated"), held.status_words("mitigated")
    assert "by step 30 (Bring FlowEngine back, done by hand)" in held.status_words("mitigated")
    assert "RELAPSED" in draft.splitlines()[0] and any("did not hold" in c for c in concerns), concerns
    # typed before the halt's run began, a restore ends nothing (FlowEngine was never halted then: nor is it credited)


def test_the_runbook_s_own_path_reads_mitigated_while_the_restored_flowengine_comes_back(tmp_path: Path) -> None:
    """redteam51 R3: the shipper restarted, then FlowEngine back: the gap can only fall once a flow runs again and its
    audited event is scraped (70.5 drill s after the restore on the redteam's run), and a grace counted from the
    restore command (60 s) said "RELAPSED since <the restore>" on the runbook's own path. The grace counts from when
    the world took work again (``HandsDone.back``: the restored FlowEngine admitting flows, its own schedule), so the
    proper path reads MITIGATED throughout, and a restore with the harm still running still says its relapse (above)."""
    from datetime import UTC, datetime

    d, clock, inc = _halted(tmp_path)
    assert typed_in_shell(d, ["kubectl", "rollout", "restart", "deployment/audit-shipper", *NS], 300.0) == 0
    assert typed_in_shell(d, ["kubectl", "scale", "deployment/flowengine", "--replicas=5", *NS], 400.0) == 0
    lift = datetime.fromtimestamp(d.wall_time(400.0), UTC)
    back = inc.state.hands.back(lift)
    assert back is not None and lift < back < datetime.fromtimestamp(d.wall_time(460.0), UTC), back
    # (its first pod ready 9 s on, the first flow's event scraped at 421: attack50 A5 made admission the pods' own
    # schedule; it was 40 s, and the pane fell at 470)
    for t in (405.0, 418.0):            # the pane still critical: FlowEngine's pods not yet taking flows, or just
        held, draft, concerns = _said(inc, d, clock, t)
        assert held is not None and held.status_words("mitigated") == "MITIGATED", (t, held)
        assert draft.splitlines()[0].endswith("— MITIGATED") and not concerns, (t, draft)
    assert d.simulator.pane("audit_gap", 418.0) > 300.0 > 120.0 > d.simulator.pane("audit_gap", 421.0)
    clock.t = d.wall_time(425.0)
    _gap(inc, d, "recovered", 421.5, 10.7)
    held, _, _ = _said(inc, d, clock, 600.0)
    assert held is not None and not held.relapsed, held
    from warroom.incident.relapse import relapse_said
    assert relapse_said(inc.state, clock()) == ""
