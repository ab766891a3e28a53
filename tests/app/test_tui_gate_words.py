"""The header's gate line says what the watcher watches in its words even when the gate's runbook
is not one on screen (closed, or never loaded here): the probe carries the named query the watcher
resolved, so the line never falls back to the query's bare name read as PromQL, with no unit."""

from __future__ import annotations

import asyncio

from tests.app.tui_support import make_app, metrics_drawn, mid_incident_view, sample_runbook
from tui.messages import GateProgress
from warroom.runbook.gate import NamedQuery

SHARE = NamedQuery("share_429", "429 share (worst provider)", "100 * max(x)", "percent")


def test_a_gate_of_a_runbook_not_on_screen_keeps_its_words() -> None:
    async def main() -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await metrics_drawn(pilot)
            app.dashboard.show_view(mid_incident_view(), sample_runbook())
            await pilot.pause()
            app.dashboard.on_gate_progress(GateProgress(("RB-GONE", "breaker"), 6, "share_429 < 10 for 2m within 10m",
                                                        "pending", 12.34, 492.0, None, 0.0, 120.0, SHARE))
            await pilot.pause()
            line = str(app.dashboard.query_one(".hdr-gate").render())
            assert "429 share (worst provider) 12.3% · needs < 10% for 2m" in line, line
            assert "share_429" not in line

    asyncio.run(main())
