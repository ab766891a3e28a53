"""A gated step re-run while its first gate still watched, the re-run failing (no gate of its own): the first gate is
still watched, settled and counted (attack43 A12: its pass backs "mitigated" in the journal and the PIR), so the
header's gate line keeps it, saying which run it judges, where it used to vanish once the gate settled."""

from __future__ import annotations

from pathlib import Path

from panes.header import IncidentHeader, gate_text
from tests.app.drill_support import frozen_drill_app, wait_dashboard
from tests.app.tui_support import wait_for
from warroom.journal import events as ev
from warroom.sources.evidence import iso


def _gate(app) -> str:  # type: ignore[no-untyped-def]
    g = app.dashboard.query_one(IncidentHeader).info.gate
    return "" if g is None else gate_text(g, 0.0).plain


async def test_a_gate_left_by_a_failed_rerun_stays_on_the_gate_line_with_its_run(tmp_path: Path) -> None:
    app, clock = frozen_drill_app(tmp_path, "rate-limit", title="Model API quota climbing", severity="P3")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_dashboard(pilot)
        live = app.dashboard.presenter.incident
        step = {"step": 6, "step_id": "enable-circuit-breaker", "runbook_id": "RB-CORE-003"}
        run = {**step, "label": "Turn on the circuit breaker", "command": "true", "mutating": True}
        first = live.append(ev.STEP_STARTED, run)
        live.append(ev.STEP_FINISHED, {**step, "status": "ok", "exit_code": 0})
        gate = live.append(ev.VERIFY_STARTED, {**step, "expr": "quota < 75 within 10m", "window": 600.0,
                                               "deadline": iso(clock.now() + 10.0)})
        live.append(ev.STEP_STARTED, run)
        live.append(ev.STEP_FINISHED, {**step, "status": "failed", "exit_code": 1})
        live.append(ev.VERIFY_PASSED, {**step, "expr": "quota < 75 within 10m", "value": 70.0, "value_text": "70%",
                                       "started_seq": gate.seq, "outside": {"value": 90.0}})
        app.dashboard.presenter.load_view_async()        # the view rebuilt from the journal (no beat here)
        await wait_for(pilot, lambda: "passed at 70%" in _gate(app), 30)
        line = _gate(app)
    assert f"step 6 (run at {first.ts:%H:%M:%S} UTC) ✔ passed at 70%" in line, line
