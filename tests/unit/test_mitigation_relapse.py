"""A mitigation that did not hold is said so everywhere (redteam40 R1).

The rate-limit drill's breaker gate (``429 share < 10% for 2m``) passed and the incident became
MITIGATED; then the quota ran out, the gate's own measure went to 99.8%, a pane breached again, and
the header, `incident show` and the stakeholder draft went on saying "MITIGATED", "✔ passed at 1.24%",
"Mitigated at 03:31:24 … Nothing from stakeholders right now". The pass stays a milestone (Time to
mitigate counts from it); the status snapshot read at one moment says it relapsed. A clock is injected
and the source is scripted: no wall time, no server.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import given, settings, strategies as hs

from warroom.config import Config
from warroom.incident.cadence import draft_update
from warroom.incident.metric_sync import resolve_concerns
from warroom.incident.gate_reading import GateNow, read_gates
from warroom.incident.relapse import holding
from warroom.incident.store import IncidentStore
from warroom.journal import events as ev
from warroom.sources.evidence import iso
from warroom.sources.model import SloReading, SloSample

T0 = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)
PASSED = T0 + timedelta(minutes=1, seconds=24)         # 03:31:24
AGAIN = T0 + timedelta(minutes=3, seconds=30)          # 03:33:30


class Quota:
    """The quota pane as a scripted source: ``value`` now (None: no data; ``down``: refused)."""

    name = "scripted"

    def __init__(self, value: float | None, down: bool = False) -> None:
        self.value, self.down = value, down

    def fetch(self, slos: Any, at: float | None = None) -> list[SloSample]:
        t = float(at or 0.0)
        if self.down:
            return [SloSample(s.id, None, fetched_at=t, error="connection refused", error_kind="refused")
                    for s in slos]
        return [SloSample(s.id, self.value, sample_time=t, fetched_at=t) for s in slos]


def _mitigated(tmp_path: Path) -> Any:
    """A P3 whose breaker step ran ok and whose gate ``quota < 75`` passed at 60% at 03:31:24, after the
    measure was seen past its line (a pass that counts)."""
    now = [T0]
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path)
    inc = IncidentStore(tmp_path, cfg, clock=lambda: now[0]).create(title="quota climbing", severity="P3", source={})
    now[0] = T0 + timedelta(seconds=10)
    inc.append(ev.STEP_STARTED, {"step": 6, "step_id": "breaker", "label": "Turn the breaker on",
                                 "command": "echo on", "mutating": True})
    inc.append(ev.STEP_FINISHED, {"step": 6, "step_id": "breaker", "status": "ok", "exit_code": 0})
    inc.append(ev.VERIFY_STARTED, {"step": 6, "step_id": "breaker", "expr": "quota < 75 within 10m", "window": 600.0,
                                   "deadline": iso((T0 + timedelta(minutes=10)).timestamp()), "title": "quota",
                                   "unit": "percent", "wanted": "< 75%", "hold": 0.0})
    now[0] = PASSED
    inc.append(ev.VERIFY_PASSED, {"step": 6, "step_id": "breaker", "expr": "quota < 75 within 10m", "value": 60.0,
                                  "value_text": "60%", "outside": {"value": 90.0}})
    inc.now = now
    return inc


def _breach_again(inc: Any) -> None:
    inc.now[0] = AGAIN + timedelta(seconds=5)
    inc.append(ev.SLO_BREACHED, {"slo_id": "failure_rate", "title": "Flow failure rate", "at": iso(AGAIN.timestamp()),
                                 "value": 1.35, "threshold": 1.0, "unit": "percent"})


def _readings(cfg: Config, failure: float) -> list[SloReading]:
    return [SloReading(slo=s, state="crit" if s.id == "failure_rate" else "ok",
                       value=failure if s.id == "failure_rate" else 10.0) for s in cfg.slo]


def test_the_gates_own_measure_back_past_its_line_is_a_relapse_in_status_draft_and_resolve(tmp_path: Path) -> None:
    inc = _mitigated(tmp_path)
    st = inc.refresh()
    assert st.status == "mitigated" and st.phases["mitigated"] == PASSED
    at = PASSED + timedelta(minutes=2)
    holds = holding(st, at, gates=read_gates(st, Quota(40.0), inc.config.slo, at))
    assert holds is not None and not holds.relapsed and holds.status_words(st.status) == "MITIGATED"
    assert holds.gates[0].passed_words() == "passed at 60% at 03:31:24 · now 40%"

    gates = read_gates(st, Quota(99.8), inc.config.slo, at)
    held = holding(st, at, gates=gates)
    assert held is not None and held.relapsed
    assert held.status_words(st.status) == "MITIGATED · RELAPSED: quota now 99.8%, past < 75%"
    assert gates[0].passed_words() == "passed at 60% at 03:31:24 · now 99.8%, past < 75%"
    draft = draft_update(st, at, 1800.0, _readings(inc.config, 0.2), gates)
    assert "— MITIGATED, RELAPSED" in draft.splitlines()[0]
    assert "- Mitigated at 03:31 UTC; it did not hold: quota is 99.8% now, past < 75% (its verify gate passed at" \
           " 60%)." in draft
    assert "Nothing from stakeholders right now" not in draft and "did not hold; what is needed" in draft
    assert any("did not hold: quota is 99.8% now" in c for c in resolve_concerns(st, {}, gates=gates))
    # the milestone stands: Time to mitigate still counts to the pass
    assert next(r for r in st.response_times() if r.key == "mitigated").at == PASSED


def test_a_source_that_is_down_or_unread_is_never_held(tmp_path: Path) -> None:
    inc = _mitigated(tmp_path)
    st = inc.refresh()
    at = PASSED + timedelta(minutes=2)
    slos = inc.config.slo
    for gates in (read_gates(st, Quota(None, down=True), slos, at), read_gates(st, Quota(None), slos, at),
                  read_gates(st, None, slos, at), None):
        held = holding(st, at, gates=gates)
        assert held is not None and not held.relapsed and held.unknown, gates
        assert held.status_words(st.status).startswith("MITIGATED · whether it holds is not known: quota now not read")
        draft = draft_update(st, at, 1800.0, None, gates)
        assert "- Mitigated at 03:31 UTC; whether it holds now is not known: quota now not read (" in draft, draft


def test_a_pane_that_breaches_again_after_the_mitigation_is_a_relapse_until_it_recovers(tmp_path: Path) -> None:
    inc = _mitigated(tmp_path)
    _breach_again(inc)
    st = inc.refresh()
    at = AGAIN + timedelta(minutes=1)
    gates = read_gates(st, Quota(40.0), inc.config.slo, at)          # the gate's measure holds: the pane does not
    held = holding(st, at, _readings(inc.config, 25.6), gates)
    assert held is not None and held.relapsed and held.since == AGAIN
    assert held.qualifier(st.status) == "RELAPSED since 03:33:30: Flow failure rate 25.6%"
    draft = draft_update(st, at, 1800.0, _readings(inc.config, 25.6), gates)
    assert "it did not hold: Flow failure rate breached again at 03:33 UTC (1.35%), 25.6% now." in draft
    assert any(c.startswith("the mitigation of 03:31:24 UTC did not hold: Flow failure rate breached again at 03:33:30")
               for c in resolve_concerns(st, {}))
    from warroom.cli.incident_show import render_show

    shown = render_show(inc, st, at, held=held)
    assert shown[0].startswith(f"{st.id}  P3  MITIGATED · RELAPSED since 03:33:30: Flow failure rate 25.6%"), shown[0]
    assert any(line.startswith("  Time to mitigate") and line.endswith(
        "met; relapsed at 03:33:30 UTC: Flow failure rate breached again (1.35%)") for line in shown), shown
    pir = inc.render("pir")
    row = next(line for line in pir.splitlines() if line.startswith("| Time to mitigate"))
    assert "| 03:31:24 |" in row and "relapsed at 03:33:30 UTC: Flow failure rate breached again (1.35%)" in row, row
    assert "The mitigation did not hold: relapsed at 03:33:30 UTC" in pir
    from warroom.incident.handoff import catch_up_brief

    lines = [line for _title, section in catch_up_brief(st, at, update_every=1800.0, config=inc.config).sections
             for line in section]
    assert any(line.startswith("P3 mitigated, RELAPSED: Flow failure rate breached again at 03:33:30 UTC (1.35%),"
                               " not recovered; ") for line in lines), lines
    journal_only = holding(st, at)           # what the dashboard's view says before a poll, or with no source
    assert journal_only is not None and journal_only.qualifier(st.status) == \
        "RELAPSED since 03:33:30: Flow failure rate (1.35% at 03:33:30)"
    # recovered since: no longer relapsed now, but the PIR keeps that it relapsed
    inc.now[0] = AGAIN + timedelta(minutes=20)
    inc.append(ev.SLO_RECOVERED, {"slo_id": "failure_rate", "title": "Flow failure rate",
                                  "at": iso((AGAIN + timedelta(minutes=19)).timestamp()), "value": 0.4,
                                  "threshold": 0.5, "unit": "percent"})
    st = inc.refresh()
    later = holding(st, inc.now[0], gates=read_gates(st, Quota(40.0), inc.config.slo, inc.now[0]))
    assert later is not None and not later.relapsed
    assert "relapsed at 03:33:30 UTC" in next(line for line in inc.render("pir").splitlines()
                                               if line.startswith("| Time to mitigate"))


def test_a_pane_still_critical_from_before_the_mitigation_is_no_relapse(tmp_path: Path) -> None:
    """An hour's failure rate still holds the storm's failures when the gate passes: not "again"."""
    inc = _mitigated(tmp_path)
    inc.now[0] = PASSED + timedelta(seconds=1)
    inc.append(ev.SLO_BREACHED, {"slo_id": "failure_rate", "title": "Flow failure rate",
                                 "at": iso((T0 - timedelta(minutes=5)).timestamp()), "value": 3.0, "threshold": 1.0,
                                 "unit": "percent"})
    st = inc.refresh()
    held = holding(st, PASSED + timedelta(minutes=5), _readings(inc.config, 2.5),
                   read_gates(st, Quota(40.0), inc.config.slo, PASSED))
    assert held is not None and not held.relapsed and not held.unknown


def test_resolved_and_reopened(tmp_path: Path) -> None:
    """Resolved: nothing claimed now. Reopened: a breach after the mitigation is a relapse again."""
    inc = _mitigated(tmp_path)
    inc.now[0] = PASSED + timedelta(minutes=1)
    inc.append("incident.resolved", {"summary": "breaker on"})
    st = inc.refresh()
    assert holding(st, inc.now[0], gates=read_gates(st, Quota(99.0), inc.config.slo, inc.now[0])) is None
    inc.now[0] = PASSED + timedelta(minutes=2)
    inc.append("incident.reopened", {"reason": "quota ran out"})
    _breach_again(inc)
    st = inc.refresh()
    held = holding(st, inc.now[0], gates=read_gates(st, Quota(99.0), inc.config.slo, inc.now[0]))
    assert held is not None and held.relapsed and len(held.again) == 1


_ONE: list[Any] = []


def _one() -> list[Any]:
    """One mitigated incident for every example (its journal is only read)."""
    import tempfile

    inc = _mitigated(Path(tempfile.mkdtemp()))
    _ONE[:] = [inc.refresh(), inc.config.slo]
    return _ONE


@settings(max_examples=60, deadline=None)
@given(hs.lists(hs.one_of(hs.none(), hs.floats(min_value=0, max_value=200), hs.just(math.nan), hs.just(75.0)),
                min_size=1, max_size=6), hs.booleans())
def test_never_mitigated_and_holding_while_the_measure_is_past_its_line(values: list[float | None], down: bool) -> None:
    """Whatever the measure reads (flapping round the line, no data, NaN, a source that refuses), the
    status never says mitigated with nothing beside it unless the measure was read within its line."""
    st, slos = _ONE or _one()
    for i, v in enumerate(values):
        at = PASSED + timedelta(seconds=30 * i)
        [gate] = read_gates(st, Quota(v, down=down), slos, at)
        held = holding(st, at, gates=[gate])
        assert held is not None
        words = held.status_words(st.status)
        within = not down and v is not None and not math.isnan(v) and v < 75
        assert (words == "MITIGATED") == within, (v, down, words)
        if not down and v is not None and not math.isnan(v) and v >= 75:
            assert "RELAPSED" in words


def test_gate_now_words() -> None:
    g = GateNow("RB", "s", 6, "quota < 75%", "quota", "< 75%", PASSED, "60%", PASSED, problem="timeout")
    assert g.now_words() == "now not read (timeout)" and g.past is None


def test_the_header_draws_the_relapse_and_the_gate_line_the_measure_now(tmp_path: Path) -> None:
    """The dashboard draws what the core read (``Holding``): the status's qualifier and the pass's now."""
    from panes.header import IncidentHeader, gate_text
    from panes.view import GateView, HeaderInfo
    from tui.view import holding_gates

    inc = _mitigated(tmp_path)
    _breach_again(inc)
    st = inc.refresh()
    at = AGAIN + timedelta(minutes=1)
    held = holding(st, at, _readings(inc.config, 25.6), read_gates(st, Quota(99.8), inc.config.slo, at))
    assert held is not None
    header = IncidentHeader()
    header.info = HeaderInfo(incident_id=st.id, title=st.title, status=st.status, severity="P3",
                             holding=held.qualifier(st.status), relapsed=held.relapsed)
    assert header.identity_text().plain.startswith(
        f"{st.id}  P3  MITIGATED · RELAPSED since 03:33:30: Flow failure rate 25.6%; quota now 99.8%, past < 75%"
        "  quota climbing")
    passed = GateView(step=6, text="quota < 75 within 10m", status="passed", value="60%", at=PASSED.timestamp(),
                      what="quota < 75%")
    [(_, shown)] = holding_gates({("", "breaker"): passed}, held).items()
    assert gate_text(shown, at.timestamp()).plain == \
        " VERIFY  step 6 ✔ passed at 60% at 03:31:24 · now 99.8%, past < 75% · quota < 75%"
    assert gate_text(passed, at.timestamp()).plain.startswith(" VERIFY  step 6 ✔ passed at 60% · ")   # nothing read


def test_a_relapse_after_the_teams_own_failed_retry_names_that_run(tmp_path: Path) -> None:
    """redteam49 F7: "the mitigation of 14:48:02 UTC did not hold: Flow failure rate breached again" blamed the breaker
    (which held) for the commander's own retry of a docs flow failing again just before the breach: the concern names
    that run, as a run that failed then (which moved the pane is not known), beside the relapse."""
    inc = _mitigated(tmp_path)
    inc.now[0] = AGAIN - timedelta(seconds=2)
    inc.append(ev.STEP_STARTED, {"step": 13, "step_id": "retry-failed", "label": "Retry a failed flow",
                                 "command": "blocks flow retry tsk_36677a13", "mutating": True,
                                 "params": {"task_id": "tsk_36677a13"}})
    inc.now[0] = AGAIN + timedelta(seconds=3)
    inc.append(ev.STEP_FINISHED, {"step": 13, "step_id": "retry-failed", "status": "failed", "exit_code": 1})
    _breach_again(inc)
    [said] = [c for c in resolve_concerns(inc.refresh(), {}) if "did not hold" in c]
    assert said.startswith("the mitigation of 03:31:24 UTC did not hold: Flow failure rate breached again at 03:33:30")
    assert said.endswith("; just before it, step 13 (Retry a failed flow, task_id=tsk_36677a13) began at 03:33:28 UTC"
                         " and ended failed (exit 1): the breach may be that run's, not the mitigation's"), said


def test_a_re_run_whose_gate_held_before_keeps_the_mitigations_gate_watched(tmp_path: Path) -> None:
    """attack51 A1: the fix run again once it had worked (a no-op: its gate "held before the step") left the relapse
    rule no gate to read, and the fix undone afterwards read MITIGATED. The milestone's gate stays watched: a re-run
    whose gate held before, failed or still watches adds no evidence and takes none away."""
    inc = _mitigated(tmp_path)
    at = PASSED + timedelta(minutes=1)
    inc.now[0] = at
    inc.append(ev.STEP_STARTED, {"step": 6, "step_id": "breaker", "label": "Turn the breaker on",
                                 "command": "echo on", "mutating": True})
    inc.append(ev.STEP_FINISHED, {"step": 6, "step_id": "breaker", "status": "ok", "exit_code": 0})
    inc.append(ev.VERIFY_STARTED, {"step": 6, "step_id": "breaker", "expr": "quota < 75 within 10m", "window": 600.0,
                                   "deadline": iso((at + timedelta(minutes=10)).timestamp()), "title": "quota",
                                   "unit": "percent", "wanted": "< 75%", "hold": 0.0,
                                   "before": {"value": 60.0, "value_text": "60%", "holds": True}})
    inc.append(ev.VERIFY_PASSED, {"step": 6, "step_id": "breaker", "expr": "quota < 75 within 10m", "value": 60.0,
                                  "value_text": "60%"})
    st = inc.refresh()
    later = at + timedelta(minutes=2)
    assert st.phases["mitigated"] == PASSED
    gates = read_gates(st, Quota(99.8), inc.config.slo, later)
    assert [g.passed_at for g in gates] == [PASSED]                  # the pass that made the milestone, read now
    held = holding(st, later, gates=gates)
    assert held is not None and held.relapsed, held
    assert held.status_words(st.status) == "MITIGATED · RELAPSED: quota now 99.8%, past < 75%"
    ok = holding(st, later, gates=read_gates(st, Quota(40.0), inc.config.slo, later))
    assert ok is not None and not ok.relapsed and not ok.unknown


def test_the_brief_says_a_relapse_only_the_gates_measure_shows(tmp_path: Path) -> None:
    """attack51 A3: the handoff brief said "P3 mitigated" beside a header saying RELAPSED (the gate's measure back past
    its line, no pane breached again): given the gates read now, its Current state says it as the header does."""
    from warroom.incident.handoff import catch_up_brief

    inc = _mitigated(tmp_path)
    st = inc.refresh()
    at = PASSED + timedelta(minutes=2)
    brief = catch_up_brief(st, at, update_every=1800.0, config=inc.config,
                           gates=read_gates(st, Quota(99.8), inc.config.slo, at)).text()
    assert "P3 mitigated, RELAPSED: quota now 99.8%, past < 75%;" in brief, brief
    held = catch_up_brief(st, at, update_every=1800.0, config=inc.config,
                          gates=read_gates(st, Quota(40.0), inc.config.slo, at)).text()
    assert "P3 mitigated;" in held and "RELAPSED" not in held, held
