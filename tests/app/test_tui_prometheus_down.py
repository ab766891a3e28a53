"""The dashboard on a REAL Prometheus that dies and comes back (Pilot): the panes keep their last
value as STALE with a counting age, the header says the source is down, keys keep working; when
the server is back on the same port the panes recover on their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from panes.header import IncidentHeader
from panes.slo import SloPane
from tests.app.tui_support import wait_for
from tests.integration.sources_servers import PromServer
from tui.app import WarroomApp
from tui.launch import dashboard_context
from tui.screens.help import HelpScreen
from warroom.config import Config, SloConfig

pytestmark = pytest.mark.integration

SLOS = [
    SloConfig(id="up", title="Prometheus up", query='sum(up{job="self"})', unit="count",
              warn=0.5, crit=0.5, direction="below"),
    SloConfig(id="quota", title="Constant quota", query="vector(42)", unit="percent", warn=70, crit=80),
]


def reading(app: WarroomApp, slo_id: str):  # type: ignore[no-untyped-def]
    return next((r for r in app.dashboard.readings if r.slo.id == slo_id), None)


def pane_text(app: WarroomApp, slo_id: str) -> str:
    pane = app.dashboard.query_one(f"#slo-{slo_id}", SloPane)
    return " ".join(str(pane.line(sel)) for sel in (".slo-value", ".slo-meta"))


async def test_panes_go_stale_with_age_and_recover(tmp_path: Path) -> None:
    server = PromServer(tmp_path / "prom", self_scrape=True).start()
    try:
        cfg = Config()
        cfg.incident.state_dir = str(tmp_path / "state")
        cfg.prometheus.url = server.url
        cfg.prometheus.timeout = 1.0
        cfg.prometheus.window = 60.0
        cfg.slo = list(SLOS)
        ctx = dashboard_context(cfg)
        ctx.sources.pop("providers", None)  # never the public status pages from a test
        ctx.refresh, ctx.tick, ctx.offer_resume = 0.3, 0.3, False
        app = WarroomApp(ctx)
        async with app.run_test(size=(120, 40)) as pilot:
            def state(slo_id: str) -> str | None:
                r = reading(app, slo_id)
                return r.state if r is not None else None

            await wait_for(pilot, lambda: state("up") == "ok" and state("quota") == "ok", 60)
            assert "42" in pane_text(app, "quota") and "OK" in pane_text(app, "quota")

            server.kill()
            await wait_for(pilot, lambda: state("up") == "stale" and state("quota") == "stale", 30)
            text = pane_text(app, "quota")
            assert "STALE" in text and "42" in text  # the last good value stays, marked
            age = reading(app, "quota").age
            await wait_for(pilot, lambda: reading(app, "quota").age > age + 0.5, 30)  # the age counts
            header = app.dashboard.query_one(IncidentHeader)
            await wait_for(pilot, lambda: "refused" in str(header.query_one(".hdr-clocks").render()), 60)
            # Keys still answer while every fetch fails.
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.dashboard)

            server.start()  # same port, same TSDB
            await wait_for(pilot, lambda: state("up") == "ok" and state("quota") == "ok", 60)
            assert "STALE" not in pane_text(app, "quota")
            await wait_for(pilot, lambda: "refused" not in str(header.query_one(".hdr-clocks").render()), 60)
    finally:
        server.stop()
