"""The header says a mitigation did not hold (redteam40 R1): the breaker's gate passed, then the quota ran
out and the gate's own measure went back past its line; the header said "MITIGATED" and "✔ passed at
1.24%" for hours. Now the poll reads each passed gate's measure with the panes (``gate_reading.read_gates``) and
the header draws what the core read: "MITIGATED · RELAPSED: 429 share … now 99.8%, past < 10%" and the
gate line "passed at … · now …". A rate-limit drill at x60 on a frozen clock 2h30m in, no breaker: its
quota ran out about 2h28m in, after the gate (journaled here) passed."""

from __future__ import annotations

from pathlib import Path

from panes.header import IncidentHeader
from tests.app.drill_support import frozen_drill_app, wait_dashboard
from tests.app.tui_support import wait_for
from warroom.journal import events as ev
from warroom.paths import shipped_runbooks_dir
from warroom.runbook.library import RunbookLibrary
from warroom.sources.evidence import iso


def _header(app) -> str:  # type: ignore[no-untyped-def]
    header = app.dashboard.query_one(IncidentHeader)
    return f"{header.identity_text().plain}\n{header.info.gate}"


async def test_the_header_says_the_mitigation_relapsed_when_the_gates_measure_goes_back(tmp_path: Path) -> None:
    app, clock = frozen_drill_app(tmp_path, "rate-limit", title="Model API quota climbing", severity="P3",
                                  minutes=150.0)
    share = RunbookLibrary([shipped_runbooks_dir()]).get("RB-CORE-003").queries["share_429"]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_dashboard(pilot)
        live = app.dashboard.presenter.incident
        step = {"step": 6, "step_id": "enable-circuit-breaker", "runbook_id": "RB-CORE-003"}
        live.append(ev.STEP_STARTED, {**step, "label": "Turn on the circuit breaker", "command": "true",
                                      "mutating": True})
        live.append(ev.STEP_FINISHED, {**step, "status": "ok", "exit_code": 0})
        live.append(ev.VERIFY_STARTED, {**step, "expr": "share_429 < 10 for 2m within 10m", "window": 600.0,
                                        "deadline": iso(clock.now() + 10.0), "measure": "share_429",
                                        "query": share.promql, "title": share.title, "unit": share.unit,
                                        "wanted": "< 10%", "hold": 120.0})
        live.append(ev.VERIFY_PASSED, {**step, "expr": "share_429 < 10 for 2m within 10m", "value": 1.24,
                                       "value_text": "1.24%", "outside": {"value": 47.0}})
        app.dashboard.presenter.load_view_async()        # the view rebuilt from the journal (no beat here)
        await wait_for(pilot, lambda: "MITIGATED · RELAPSED: 429 share (worst provider) now " in _header(app), 30)
        text = _header(app)
    assert "past < 10%" in text and "passed at 1.24% at " in text, text
