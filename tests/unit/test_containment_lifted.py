"""redteam50 F5: following RB-CORE-005 to its end (halt → GO → "Bring FlowEngine back") was called a relapse.

The halt's verify gate (``flows finishing < 1``) is the Time-to-mitigate milestone; the recovery brings flows back by
design, and the gate's measure read again then said "the mitigation … did not hold" in the resolve dialog and the PIR,
"MITIGATED, RELAPSED … being worked out" in the stakeholder draft. A gate names the steps that end it on purpose
(fence ``lifted_by``, journaled with the gate); once one ran ok through warroom, after the gated run and on its target,
the measure is watched no more, and a pane breaching again still says the relapse. Journals are scripted (a clock is
injected, the source answers a fixed value); one test runs the audit-gap drill's own world.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_mitigation_relapse import PASSED, T0, Quota, _readings
from warroom.config import Config
from warroom.incident.cadence import draft_update
from warroom.incident.metric_sync import resolve_concerns
from warroom.incident.gate_reading import read_gates
from warroom.incident.relapse import holding
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.sources.evidence import iso

HALT = {"deployment": "flowengine", "namespace": "production"}
LIFT = T0 + timedelta(minutes=12)        # 03:42:00


def _halted(tmp_path: Path, lifted_by: tuple[str, ...] = ("restore",)) -> Any:
    """A P1 whose halt ran ok and whose gate (``lifted_by`` the step ``restore``) passed at 03:31:24."""
    now = [T0]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg, clock=lambda: now[0]).create(title="audit gap", severity="P1", source={})
    now[0] = T0 + timedelta(seconds=10)
    ref = {"step": 7, "step_id": "halt", "runbook_id": "RB"}
    inc.append(ev.STEP_STARTED, {**ref, "label": "Stop FlowEngine", "command": "kubectl scale", "mutating": True,
                                 "params": dict(HALT)})
    inc.append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0})
    inc.append(ev.VERIFY_STARTED, {**ref, "expr": "quota < 75 within 10m", "window": 600.0,
                                   "deadline": iso((T0 + timedelta(minutes=10)).timestamp()), "title": "quota",
                                   "unit": "percent", "wanted": "< 75%", "hold": 0.0,
                                   **({"lifted_by": list(lifted_by)} if lifted_by else {})})
    now[0] = PASSED
    inc.append(ev.VERIFY_PASSED, {**ref, "expr": "quota < 75 within 10m", "value": 60.0, "value_text": "60%",
                                  "outside": {"value": 90.0}})
    inc.now = now
    return inc


def _restore(inc: Any, status: str = "ok", **params: str) -> None:
    inc.now[0] = LIFT - timedelta(seconds=2)
    ref = {"step": 30, "step_id": "restore", "runbook_id": "RB"}
    inc.append(ev.STEP_STARTED, {**ref, "label": "Bring FlowEngine back", "command": "kubectl scale", "mutating": True,
                                 "params": {**HALT, "replicas": "3", **params}})
    inc.now[0] = LIFT
    inc.append(ev.STEP_FINISHED, {**ref, "status": status, "exit_code": 0 if status == "ok" else 1})


def _said(inc: Any, at: datetime) -> tuple[Any, str, list[str]]:
    """What the header (``Holding``), the stakeholder draft and the resolve dialog say at ``at``, the measure past."""
    st = inc.refresh()
    gates = read_gates(st, Quota(99.8), inc.config.slo, at)
    held = holding(st, at, _readings(inc.config, 0.2), gates)
    return held, draft_update(st, at, 600.0, _readings(inc.config, 0.2), gates), resolve_concerns(st, {}, gates=gates)


def test_the_step_that_ends_the_containment_on_purpose_is_no_relapse_in_any_view(tmp_path: Path) -> None:
    inc = _halted(tmp_path)
    # before the recovery, flows finishing again (an autoscaler undoing the halt) are the relapse they are
    held, draft, concerns = _said(inc, LIFT - timedelta(minutes=1))
    assert held is not None and held.relapsed and "RELAPSED" in draft.splitlines()[0] and concerns
    _restore(inc)
    at = LIFT + timedelta(minutes=5)
    held, draft, concerns = _said(inc, at)
    assert held is not None and not held.relapsed and not held.unknown
    assert held.status_words("mitigated") == "MITIGATED"
    [gate] = held.gates
    assert gate.passed_words() == "passed at 60% at 03:31:24 · lifted by step 30 (Bring FlowEngine back) at 03:42:00"
    assert gate.to_json()["lifted"] and gate.to_json()["not_read"] is None
    assert draft.splitlines()[0].endswith("— MITIGATED") and "- Mitigated at 03:31 UTC." in draft, draft
    assert "did not hold" not in draft and "Impact since" not in draft, draft
    assert not [c for c in concerns if "did not hold" in c], concerns
    journal_only = holding(inc.refresh(), at)      # the dashboard before a poll: nothing unknown about a lifted gate
    assert journal_only is not None and journal_only.status_words("mitigated") == "MITIGATED"
    # the harm coming back after the recovery is still said: its pane breached again
    inc.now[0] = at
    inc.append(ev.SLO_BREACHED, {"slo_id": "failure_rate", "title": "Flow failure rate", "at": iso(at.timestamp()),
                                 "value": 1.35, "threshold": 1.0, "unit": "percent"})
    held, draft, concerns = _said(inc, at + timedelta(minutes=1))
    assert held is not None and held.relapsed and "RELAPSED" in draft.splitlines()[0]
    assert any("did not hold: Flow failure rate breached again" in c for c in concerns), concerns


@pytest.mark.parametrize("how", ["failed", "another target", "not declared", "before the gated run"])
def test_what_does_not_lift_the_containment(tmp_path: Path, how: str) -> None:
    inc = _halted(tmp_path, lifted_by=() if how == "not declared" else ("restore",))
    if how == "before the gated run":
        inc.now[0] = T0 + timedelta(seconds=5)
        inc.append(ev.STEP_STARTED, {"step": 30, "step_id": "restore", "runbook_id": "RB", "label": "Bring back",
                                     "command": "kubectl scale", "mutating": True, "params": dict(HALT)})
        inc.append(ev.STEP_FINISHED, {"step": 30, "step_id": "restore", "runbook_id": "RB", "status": "ok",
                                      "exit_code": 0})
    else:
        _restore(inc, "failed" if how == "failed" else "ok",
                 **({"deployment": "audit-shipper"} if how == "another target" else {}))
    held, draft, concerns = _said(inc, LIFT + timedelta(minutes=5))
    assert held is not None and held.relapsed and held.gates[0].lifted == "", how
    assert "RELAPSED" in draft.splitlines()[0] and any("did not hold" in c for c in concerns)


def test_rb_core_005s_halt_journals_what_lifts_it_and_lint_refuses_a_lift_that_names_no_later_step(
        tmp_path: Path) -> None:
    """The runbook's halt says its recovery's step (``lifted_by``); the gate journaled from it carries it."""
    from warroom.incident.live import LiveIncident
    from warroom.runbook.checks import lint_runbook
    from warroom.runbook.library import RunbookLibrary
    from warroom.runbook.parser import parse_runbook

    book = RunbookLibrary.from_config(Config()).get("RB-CORE-005")
    assert book is not None
    [halt] = [s for s in book.steps if s.id == "halt-flows"]
    from warroom.incident import gate_reading
    from warroom.incident.decisions import criteria

    assert gate_reading.RAN_OK == criteria.RAN_OK          # one rule for "ran ok" with the Go/No-Go's ``ran``
    assert halt.lifted_by == ("restore-replicas",) and not [f for f in lint_runbook(book) if "lifted_by" in f.message]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg, clock=lambda: datetime(2026, 12, 5, tzinfo=UTC)).create(
        title="audit gap", severity="P1", source={}, runbook="RB-CORE-005")
    gate = LiveIncident(inc).gate((book.id, "halt-flows"), str(halt.verify))
    assert gate.words()["lifted_by"] == ["restore-replicas"]
    text = (book.path.read_text() if book.path else "").replace('lifted_by="restore-replicas"',
                                                                 'lifted_by="restore-replica"')
    typo = parse_runbook(text, path=book.path)
    assert any("lifted_by 'restore-replica' names no later step" in f.message for f in lint_runbook(typo))
    # a read run after the halt would end the watch (attack50 A9): a lift must name a step that changes something
    text = text.replace('lifted_by="restore-replica"', 'lifted_by="confirm-no-active-flows"')
    reads = parse_runbook(text, path=book.path)
    assert any("lifted_by 'confirm-no-active-flows' names step 8, which changes nothing" in f.message
               and f.level == "error" for f in lint_runbook(reads))


def _harm(inc: Any, kind: str, at: datetime, value: float) -> None:
    """The audit gap's pane journaled ``kind`` (breached / recovered) at ``at``, as the metric watch dates it."""
    inc.append(ev.SLO_BREACHED if kind == "breached" else ev.SLO_RECOVERED,
               {"slo_id": "audit_gap", "title": "Audit-log gap", "at": iso(at.timestamp()), "value": value,
                "threshold": 300.0 if kind == "breached" else 120.0, "unit": "seconds"})


def _gap(cfg: Config, value: float, state: str = "crit") -> list[Any]:
    from warroom.sources.model import SloReading

    return [SloReading(slo=s, state=state if s.id == "audit_gap" else "ok", value=value if s.id == "audit_gap" else 0.1)
            for s in cfg.slo]


def test_a_lift_while_the_harm_s_pane_is_still_past_its_line_is_a_relapse_in_every_view(tmp_path: Path) -> None:
    """attack50 A3: FlowEngine brought back (the gate lifted) without the shipper restarted: flows ran unaudited
    again, and the audit gap's pane, breached before the halt, never "breached again", so every view said MITIGATED
    with the impact ended. A pane breached when the containment began and not recovered a grace after the lift
    (``LIFT_GRACE``: a minute of incident time; the gate's ``for`` when longer) is the relapse, dated the lift."""
    from warroom.incident import containment_lift, relapse
    from warroom.incident.metric_sync import relapse_concerns
    from warroom.incident.verdicts import of_state

    inc = _halted(tmp_path)
    inc.now[0] = T0 + timedelta(seconds=5)
    _harm(inc, "breached", T0, 305.0)              # the gap past 300 s before the halt (T0 + 10 s)
    _restore(inc)                                  # the lift at 03:42:00, the shipper never restarted

    def said(at: datetime) -> tuple[Any, str]:
        st = inc.refresh()
        gates = read_gates(st, Quota(99.8), inc.config.slo, at)
        return holding(st, at, _gap(inc.config, 900.0), gates), draft_update(st, at, 600.0, _gap(inc.config, 900.0),
                                                                              gates)

    # within the grace the pane may still recover: no transient RELAPSED
    held, draft = said(LIFT + timedelta(seconds=50))
    assert held is not None and not held.relapsed and held.status_words("mitigated") == "MITIGATED", held
    at = LIFT + timedelta(minutes=2)
    held, draft = said(at)
    words = "Audit-log gap still critical (15m00s) since the containment was lifted at 03:42:00 by step 30 (Bring " \
            "FlowEngine back)"
    assert held is not None and held.relapsed and held.since == LIFT
    assert held.status_words("mitigated") == f"MITIGATED · RELAPSED since 03:42:00: {words}"
    assert held.to_json()["breached_again"][0]["lifted"] == words
    head = draft.splitlines()[0]
    assert "RELAPSED" in head and "Impact since" in draft and "Impact from" not in draft, draft
    concerns = resolve_concerns(inc.refresh(), {}, gates=(), at=at)      # the resolve dialog (the PIR's "although")
    assert containment_lift.LIFT_GRACE == 60.0 and any(c.startswith(
        "the mitigation of 03:31:24 UTC did not hold: Audit-log gap still critical (critical since 03:30:00, breached"
        " at 305s) since the containment was lifted at 03:42:00") for c in concerns), concerns
    st = inc.refresh()
    assert relapse.relapse_said(st, at).startswith("relapsed at 03:42:00 UTC: Audit-log gap still critical")
    assert "relapsed" in of_state(st, at)["mitigated"].sentence
    assert relapse.journal_said(st, at).startswith(", RELAPSED: Audit-log gap still critical")
    assert relapse.relapse_said(st, LIFT + timedelta(seconds=30)) == "" and not relapse_concerns(st, (), LIFT)
    # the pane recovering later ends the relapse now, and the PIR still says it happened
    inc.now[0] = at
    _harm(inc, "recovered", at, 20.0)
    st = inc.refresh()
    later = at + timedelta(minutes=1)
    held = holding(st, later, _gap(inc.config, 20.0, "ok"), ())
    assert held is not None and not held.relapsed
    assert relapse.relapse_said(st, later).startswith("relapsed at 03:42:00 UTC: Audit-log gap still critical")


def test_the_proper_path_the_harm_ended_before_the_lift_reads_mitigated_throughout(tmp_path: Path) -> None:
    """The shipper restarted, then FlowEngine back: the gap recovers seconds after the lift (the first audited
    events), within the grace: MITIGATED at every look, never a transient RELAPSED."""
    inc = _halted(tmp_path)
    inc.now[0] = T0 + timedelta(seconds=5)
    _harm(inc, "breached", T0, 305.0)
    _restore(inc)
    inc.now[0] = LIFT + timedelta(seconds=20)
    _harm(inc, "recovered", LIFT + timedelta(seconds=15), 4.0)
    st = inc.refresh()
    for seconds in (0, 30, 61, 120, 600):
        at = LIFT + timedelta(seconds=seconds)
        held = holding(st, at, _gap(inc.config, 4.0, "ok"), ())
        assert held is not None and held.status_words("mitigated") == "MITIGATED", (seconds, held)
        assert not resolve_concerns(st, {}, gates=(), at=at)


def test_a_slow_pane_is_judged_on_a_lift_once_its_window_has_passed(tmp_path: Path) -> None:
    """fix50g's leftover: an hour's failure rate breached at the halt still holds the storm's failures for an hour
    after the restore; read a minute after the lift it said RELAPSED. It cannot be under its line before its window
    (``rate(…[1h])``) has passed, so it is judged then (``containment_lift.pane_window``); the audit gap (an instant
    gauge) keeps the minute (attack50 A3's test above)."""
    from warroom.incident import containment_lift

    inc = _halted(tmp_path)
    inc.now[0] = T0 + timedelta(seconds=5)
    inc.append(ev.SLO_BREACHED, {"slo_id": "failure_rate", "title": "Flow failure rate", "at": iso(T0.timestamp()),
                                 "value": 9.5, "threshold": 1.0, "unit": "percent",
                                 "query": "100 * sum(rate(flowengine_flow_failures_total[1h])) / sum(rate("
                                          "flowengine_flow_executions_total[1h]))"})
    _restore(inc)
    st = inc.refresh()
    for minutes in (2, 30, 59):
        held = holding(st, LIFT + timedelta(minutes=minutes), _readings(inc.config, 4.0), ())
        assert held is not None and held.status_words("mitigated") == "MITIGATED", (minutes, held)
    held = holding(st, LIFT + timedelta(minutes=61), _readings(inc.config, 4.0), ())
    assert held is not None and held.relapsed and "Flow failure rate still critical" in held.words(), held
    assert containment_lift.pane_window("time() - max(flowengine_audit_log_last_event_timestamp_seconds)") == 0.0


_S = timedelta(seconds=1)
HALTED, LIFTED = T0 + 30 * _S, LIFT + 20 * _S      # during the halt's gate (03:30:10–03:31:24); within the grace


@pytest.mark.parametrize(("harm", "at_50s", "at_2m", "pir"), [
    # redteam51 R9: the gap crossed 300 s between the halt and the gate's pass, the shipper never restarted
    ([("breached", HALTED)], False, True, True),
    ([("breached", T0)], False, True, True),                                         # before the halt (A3)
    ([("breached", LIFT - 300 * _S)], False, True, True),       # after the pass, under the halt: the lift judges it
    ([("breached", LIFT - 300 * _S), ("recovered", LIFT + 40 * _S)], False, False, False),   # the halt idled it (A6)
    ([("breached", LIFTED)], False, True, True),                                     # after the lift, in the grace
    ([("breached", LIFTED), ("recovered", LIFT + 50 * _S)], False, False, False),  # the world's way back
    ([("breached", HALTED), ("recovered", LIFT - 60 * _S)], False, False, False),  # ended before the lift
    ([("breached", HALTED), ("recovered", LIFT + 45 * _S)], False, False, False),  # ended within the grace
    ([("breached", T0), ("recovered", HALTED), ("breached", LIFT - 120 * _S)], False, True, True),   # back again
], ids=["during-gate", "before-halt", "after-pass", "after-pass-idled", "after-lift", "after-lift-recovered",
        "recovered-before-lift",
        "recovered-in-grace", "recovered-then-again"])
def test_a_lift_is_judged_on_the_harm_s_pane_whenever_it_breached(
        tmp_path: Path, harm: list[tuple[str, datetime]], at_50s: bool, at_2m: bool, pir: bool) -> None:
    """redteam51 R9: after a lift, a harm pane past critical at the lift (whenever it breached: before the halt,
    during its gate, after its pass) or breaching within the grace, and not recovered by the lift plus the grace, is
    the relapse; within the grace nothing is said yet (the world's way back); a pane recovered by then is none."""
    from warroom.incident import relapse

    inc = _halted(tmp_path)
    _restore(inc)
    inc.now[0] = LIFT + 100 * _S
    for kind, when in harm:
        _harm(inc, kind, when, 310.0 if kind == "breached" else 20.0)
    st = inc.refresh()
    for at, relapsed in ((LIFT + 50 * _S, at_50s), (LIFT + 120 * _S, at_2m)):
        held = holding(st, at, _gap(inc.config, 400.0), ())
        assert held is not None and held.relapsed == relapsed, (at, held)
        assert bool(relapse.journal_said(st, at)) == relapsed
    assert bool(relapse.relapse_said(st, LIFT + 600 * _S)) == pir


def test_a_halt_run_twice_keeps_its_lift_judged(tmp_path: Path) -> None:
    """attack51 A9: the halt run again once it held (its gate "held before the step") left no gate counted, the lift was
    never judged, and a restore with the shipper never fixed read MITIGATED: the milestone's gate stays counted."""
    inc = _halted(tmp_path)
    ref = {"step": 7, "step_id": "halt", "runbook_id": "RB"}
    inc.now[0] = PASSED + timedelta(minutes=1)
    inc.append(ev.STEP_STARTED, {**ref, "label": "Stop FlowEngine", "command": "kubectl scale", "mutating": True,
                                 "params": dict(HALT)})
    inc.append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0})
    inc.append(ev.VERIFY_STARTED, {**ref, "expr": "quota < 75 within 10m", "window": 600.0,
                                   "deadline": iso((inc.now[0] + timedelta(minutes=10)).timestamp()), "title": "quota",
                                   "unit": "percent", "wanted": "< 75%", "hold": 0.0, "lifted_by": ["restore"],
                                   "before": {"value": 60.0, "value_text": "60%", "holds": True}})
    inc.append(ev.VERIFY_PASSED, {**ref, "expr": "quota < 75 within 10m", "value": 60.0, "value_text": "60%"})
    _harm(inc, "breached", HALTED, 310.0)
    _restore(inc)
    st = inc.refresh()
    held = holding(st, LIFT + 120 * _S, _gap(inc.config, 400.0), ())
    assert held is not None and held.relapsed and "Audit-log gap still critical" in held.words(), held
