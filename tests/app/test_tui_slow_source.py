"""A Prometheus that takes 30 s to answer: the dashboard keeps handling keys while the query
waits in its worker, and the pane says what happened once the request times out."""

from __future__ import annotations

from pathlib import Path

from tests.app.tui_support import wait_for
from tests.integration.sources_http import FakeHTTP, Reply
from tui.app import WarroomApp
from tui.launch import dashboard_context
from tui.screens.help import HelpScreen
from warroom.config import Config, SloConfig

VECTOR = {"status": "success", "data": {"resultType": "vector",
                                        "result": [{"metric": {}, "value": [0, "1"]}]}}


async def test_keys_answer_while_a_query_waits_on_a_slow_server(tmp_path: Path) -> None:
    with FakeHTTP(lambda req: Reply(200, VECTOR, delay=30.0)) as slow:
        cfg = Config()
        cfg.incident.state_dir = str(tmp_path / "state")
        cfg.prometheus.url = slow.url
        cfg.prometheus.timeout = 4.0
        cfg.slo = [SloConfig(id="up", title="Up", query="up", unit="count", warn=0.5, crit=0.5,
                             direction="below")]
        ctx = dashboard_context(cfg)
        ctx.sources.pop("providers", None)
        ctx.refresh, ctx.tick, ctx.offer_resume = 0.3, 0.3, False
        app = WarroomApp(ctx)
        async with app.run_test(size=(120, 40)) as pilot:
            # The first query is on the wire and will not be answered for 30 s ...
            await wait_for(pilot, lambda: len(slow.requests) >= 1, 20)
            # ... and the keys still work: open help, close it, move around.
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), 5)
            assert not app.dashboard.readings or all(r.state != "ok" for r in app.dashboard.readings)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.dashboard, 5)
            await pilot.press("tab", "j", "k")
            # When the timeout ends the request, the pane says so in words.
            await wait_for(pilot, lambda: any(r.state == "error" and r.error and "within 4s" in r.error
                                              for r in app.dashboard.readings), 30)
