"""A gate that checks its step took effect is no mitigation (redteam51 R1).

RB-CORE-003's breaker gate (``429 share < 15 for 2m``) passed once the retries stopped, and its pass was the
Time-to-mitigate milestone: the header, ``incident show`` and the stakeholder draft said MITIGATED, "Impact from …
to <the pass>", while Claude's flows kept failing on the refusals the breaker cannot stop (the runbook says so) until
the routing step, 33 drill minutes later in one run. A fence ``mitigates=false`` says the gate checks its step, not
the harm: its pass is journaled with the words, counted by no view as the mitigation, read by no relapse rule; the
routing's own gate (the failure rate over five minutes) is the milestone. The drill world, the runbook and the
journal are the real ones; the clock is pinned (``$WARROOM_DRILL_AT``): no wall time is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.incident_fixtures import DrillClock
from tests.unit.standins_corpus import START, typed_in_shell, warm_drill
from warroom.config import Config
from warroom.drill.directory import DrillSource
from warroom.incident import gate_reading
from warroom.incident.cadence import draft_update
from warroom.incident.gate_evidence import CHECK_ONLY
from warroom.incident.gates import gate_states
from warroom.incident.live import LiveIncident
from warroom.incident.store import IncidentStore
from warroom.incident.verdicts import of_state, said_unbacked
from warroom.journal import events as ev
from warroom.runbook.checks import lint_runbook
from warroom.runbook.library import RunbookLibrary
from warroom.runbook.parser import parse_runbook
from warroom.sources.evidence import iso
from warroom.sources.verify import journaled_gate, settle_open

BREAKER_AT, ROUTE_AT = 600.0, 1500.0        # scenario seconds: the breaker at 10 drill minutes, the routing at 25
NS = "-n production"


@pytest.fixture
def pinned() -> Iterator[None]:
    """``DrillClock`` pins ``$WARROOM_DRILL_AT``; undone after the test."""
    yield
    os.environ.pop("WARROOM_DRILL_AT", None)


def _book() -> Any:
    book = RunbookLibrary.from_config(Config()).get("RB-CORE-003")
    assert book is not None
    return book


def _run(inc: Any, live: LiveIncident, clock: DrillClock, d: Any, step: Any, typed: str, t: float) -> None:
    """Step ``step`` run at scenario second ``t`` as warroom runs it: its command in the drill's world, its run
    journaled, its gate opened with the words the runbook gives it (``LiveIncident.gate``)."""
    clock.t = d.wall_time(t)
    assert typed_in_shell(d, typed.split(), t) == 0
    data = {"step": step.number, "step_id": step.id, "runbook_id": "RB-CORE-003", "label": step.label,
            "mutating": True, "section": "Mitigation", "phase": "mitigate", "command": typed}
    inc.append(ev.STEP_STARTED, data)
    inc.append(ev.STEP_FINISHED, {**data, "status": "ok", "exit_code": 0})
    gate = live.gate(("RB-CORE-003", step.id), str(step.verify))
    opened = clock.t
    inc.append(ev.VERIFY_STARTED, {"step": step.number, "step_id": step.id, "runbook_id": "RB-CORE-003",
                                   "expr": gate.text, **gate.words(), "query": gate.expr, "window": gate.window,
                                   "deadline": iso(d.wall_time(t + gate.window))})
    assert opened


def _settle(inc: Any, clock: DrillClock, d: Any, t: float) -> None:
    clock.t = d.wall_time(t)
    settle_open(inc, inc.read().events, DrillSource(d), [], now=clock.t, speed=d.speed)


def test_the_breakers_pass_is_no_mitigation_the_routings_is(tmp_path: Path, pinned: None) -> None:
    book = _book()
    breaker, route = book.step("enable-circuit-breaker"), book.step("route-to-secondary")
    assert not breaker.mitigates and route.mitigates and route.verify and route.number > breaker.number
    d = warm_drill(tmp_path / "drills", "rate-limit", speed=60.0, start=START)
    clock = DrillClock(d.wall_time(300.0))
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "incidents")
    inc = IncidentStore(tmp_path / "incidents", cfg, clock=clock).create(
        title="quota climbing", severity="P3", runbook=str(book.path), source={},
        drill={"scenario": "rate-limit", "speed": d.speed, "dir": str(d.path)})
    live = LiveIncident(inc)
    _run(inc, live, clock, d, breaker, "kubectl set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true"
         f" CIRCUIT_BREAKER_THRESHOLD=85 {NS}", BREAKER_AT)
    _settle(inc, clock, d, BREAKER_AT + 601)
    st = inc.refresh()
    [passed] = [v for v in st.verifications if v["type"] == ev.VERIFY_PASSED]
    assert passed["mitigates"] is False and passed["step_id"] == breaker.id      # it passed, said with its words
    assert st.status == "mitigating" and st.phases["mitigated"] is None
    at = clock()
    draft = draft_update(st, at, 1800.0)
    assert "MITIGATED" not in draft and "Mitigated at" not in draft, draft
    assert not gate_reading.counted_gates(st, at)                 # nothing to hold: no relapse read of the 429 share
    gate = gate_states(st, at)[("RB-CORE-003", breaker.id)]
    assert gate.status == "passed" and not gate.mitigates and gate.describe(at).endswith(CHECK_ONLY)
    assert any(CHECK_ONLY in t.text for t in st.timeline if t.kind == ev.VERIFY_PASSED)
    from panes.header import gate_forms
    from tui.view import header_gate, settled_gates

    shown = header_gate(dict(settled_gates(gate_states(st, at))), st.named_runbooks(), at.timestamp())
    assert shown is not None
    assert "✔ passed at 12.6% · took effect, not the mitigation" in gate_forms(shown, 0.0)[0].plain
    # the routing ends the harm: its gate (failure rate over five minutes) is the milestone, minutes after it ran
    _run(inc, live, clock, d, route, f"kubectl set env deployment/flowengine FALLBACK_MODEL=gpt-4-turbo {NS}",
         ROUTE_AT)
    _settle(inc, clock, d, ROUTE_AT + 901)
    st = inc.refresh()
    assert st.status == "mitigated"
    mitigated, seq, how = st.phase_sources()["mitigated"]
    assert how == "verify" and mitigated is not None
    routed = datetime.fromtimestamp(d.wall_time(ROUTE_AT), UTC)
    assert routed < mitigated < routed + timedelta(seconds=d.wall_time(ROUTE_AT + 900) - d.wall_time(ROUTE_AT))
    assert next(v for v in st.verifications if v["seq"] == seq)["step_id"] == route.id
    assert [g.step_id for g in gate_reading.counted_gates(st, clock())] == [route.id]


def test_a_pass_journaled_without_the_words_follows_how_its_gate_was_opened(tmp_path: Path) -> None:
    """A pass settled by an older warroom carries no ``mitigates``: the gate's opening says it."""
    t0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    now = [t0]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg, clock=lambda: now[0]).create(title="quota", severity="P3", source={})
    inc.append(ev.STEP_STARTED, {"step": 6, "step_id": "breaker", "mutating": True, "command": "echo on"})
    inc.append(ev.STEP_FINISHED, {"step": 6, "step_id": "breaker", "status": "ok", "exit_code": 0})
    started = inc.append(ev.VERIFY_STARTED, {"step": 6, "step_id": "breaker", "expr": "q < 15 within 10m",
                                             "window": 600.0, "deadline": iso((t0 + timedelta(minutes=10)).timestamp()),
                                             "mitigates": False})
    now[0] = t0 + timedelta(minutes=3)
    inc.append(ev.VERIFY_PASSED, {"step": 6, "step_id": "breaker", "expr": "q < 15 within 10m", "value": 12.0,
                                  "started_seq": started.seq, "outside": {"value": 50.0}})
    st = inc.refresh()
    assert st.status == "mitigating" and st.phases["mitigated"] is None
    # the commander's word still is one, but the check backs no word about the harm: its step is judged as one with
    # no gate, by the panes, and the failure rate is past critical (journaled before the step, never recovered)
    inc.append(ev.SLO_BREACHED, {"slo_id": "failure_rate", "title": "Flow failure rate", "value": 5.0,
                                 "threshold": 1.0, "unit": "percent",
                                 "at": iso((t0 - timedelta(minutes=1)).timestamp())})
    inc.append(ev.STATUS_CHANGED, {"to": "mitigated"})
    st = inc.refresh()
    assert st.phases["mitigated"] == t0 + timedelta(minutes=3)
    assert said_unbacked(st) == "said while Flow failure rate was still past critical (step 6 has no verify gate of" \
                                " the harm)", said_unbacked(st)
    assert of_state(st)["mitigated"].word != "met"


def test_the_words_survive_a_settle_after_a_restart() -> None:
    """``journaled_gate`` rebuilds the gate from its ``verify.started`` alone: what the fence said of it too."""
    book = _book()
    breaker = book.step("enable-circuit-breaker")
    from warroom.sources.verify import parse_verify
    from dataclasses import replace

    gate = replace(parse_verify(str(breaker.verify), [], book.queries), mitigates=False, lifted_by=("x",))
    again = journaled_gate({"expr": gate.text, **gate.words(), "query": gate.expr})
    assert again.words() == gate.words() and not again.mitigates and again.lifted_by == ("x",)


def test_lint_names_a_mitigates_that_is_not_a_boolean_or_has_no_gate() -> None:
    book = _book()
    text = book.path.read_text()
    bad = parse_runbook(text.replace("mitigates=false", "mitigates=maybe"), path=book.path)
    assert any("mitigates must be true or false, got 'maybe'" in str(f) and f.level == "error" for f in bad.findings)
    line = '```bash {name="route-to-secondary" expect="env updated" verify="failure_rate_5m < 1 for 2m within 15m"}'
    assert line in text
    bare = parse_runbook(text.replace(line, '```bash {name="route-to-secondary" expect="env updated" mitigates=false}'),
                         path=book.path)
    [finding] = [f for f in lint_runbook(bare) if "mitigates" in f.message]
    assert finding.level == "warning" and "no verify gate" in finding.message and "step 10" in finding.message
    assert not [f for f in lint_runbook(book) if "mitigates" in f.message]


def test_a_check_only_gate_that_held_before_is_never_why_nothing_was_mitigated(tmp_path: Path) -> None:
    """attack51 A5: the breaker run before the throttle began (its gate "held before the step") was given as the reason
    no gate mitigated the incident; even a clean pass of it could not have: nothing is said of it there."""
    from warroom.incident.gate_evidence import held_gates

    t0 = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    now = [t0]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg, clock=lambda: now[0]).create(title="quota", severity="P3", source={})
    for mitigates in (False, True):
        ref = {"step": 6 if not mitigates else 10, "step_id": "breaker" if not mitigates else "route"}
        inc.append(ev.STEP_STARTED, {**ref, "mutating": True, "command": "echo on"})
        inc.append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0})
        inc.append(ev.VERIFY_STARTED, {**ref, "expr": "q < 15 within 10m", "window": 600.0,
                                       "deadline": iso((t0 + timedelta(minutes=10)).timestamp()),
                                       "before": {"value": 0.4, "value_text": "0.4%", "holds": True},
                                       **({} if mitigates else {"mitigates": False})})
        inc.append(ev.VERIFY_PASSED, {**ref, "expr": "q < 15 within 10m", "value": 0.4, "value_text": "0.4%"})
    [said] = held_gates(inc.refresh())
    assert said.startswith("the verify gate of step 10 "), said
