"""An observer's own "SLO evidence (before step N)" lines are the observer's, by the one rule (attack49 F5).

A read-only seat writes the panes before and after a step it ran (``observer_seat.RECORDS``), marked with the seat,
but ``incident show``'s and the dashboard's timeline said them unattributed, ``--json``'s ``evidence`` carried no
seat, and ``observer_seat.lines`` (what every story of the response leaves out) did not hold them.
"""

from __future__ import annotations

from pathlib import Path

from warroom.cli.incident_show import render_show
from warroom.config import Config
from warroom.incident import observer_seat
from warroom.incident.jsonview import state_to_json
from warroom.incident.store import IncidentStore


def test_an_observer_s_slo_evidence_is_said_and_kept_as_the_observer_s(tmp_path: Path) -> None:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    inc = IncidentStore(cfg.state_dir(), cfg).create(title="Quota", severity="P2", runbook="RB-CORE-003", source={})
    values = {"flow_failure_rate": {"value": 2.5, "unit": "percent", "state": "critical"}}
    ours = inc.record_evidence(values, step=1, step_id="1", when="before")
    inc.config.read_only = inc.config.observer = True
    theirs = inc.record_evidence(values, step=2, step_id="2", when="before")
    state = inc.refresh()
    assert observer_seat.lines(state) == {theirs.seq}
    texts = {t.seq: t.text for t in state.sorted_timeline()}
    assert texts[theirs.seq].startswith(f"SLO evidence {observer_seat.BY} (before "), texts[theirs.seq]
    assert observer_seat.BY not in texts[ours.seq]
    shown = [ln for ln in render_show(inc, state, inc.clock()) if f"#{theirs.seq} " in ln]
    assert len(shown) == 1 and observer_seat.BY in shown[0], shown
    seats = {e["seq"]: e["seat"] for e in state_to_json(state)["evidence"]}
    assert seats == {ours.seq: "", theirs.seq: "observer"}
