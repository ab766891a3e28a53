"""A poll whose fetch raises (a bug, a library surprise) must not leave the last answer on screen
(rt15): before, the alerts line kept "✔ none firing" and the header "alerts ok" from the poll
before, forever, with only a 10 s toast. Now the failure replaces the content, with the age of the
last good answer, and polling goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from panes.sources import SourcesPane
from tests.app.tui_support import wait_for
from tests.integration.sources_http import FakeHTTP, Reply
from tui.app import WarroomApp
from tui.context import AppContext
from tui.fakesource import FakeSource
from tui.launch import extra_sources, load_runbooks
from warroom.config import Config

pytestmark = pytest.mark.integration


def pane_text(app: WarroomApp) -> str:
    return str(app.dashboard.query_one(SourcesPane).render())


async def test_a_poll_that_raises_replaces_none_firing_with_the_failure(tmp_path: Path) -> None:
    with FakeHTTP(lambda req: Reply(200, [])) as am:
        cfg = Config()
        cfg.incident.state_dir = str(tmp_path / "state")
        cfg.alerts.alertmanager_url = am.url
        cfg.alerts.prometheus_alerts = False
        cfg.kubernetes.enabled = False
        runbooks, findings = load_runbooks(cfg)
        sources = extra_sources(cfg, runbooks)
        src = sources["alerts"]
        ctx = AppContext(config=cfg, source=FakeSource(), runbooks=runbooks, runbook_findings=findings,
                         offer_resume=False, refresh=0.5, tick=0.5, sources=sources, source_refresh=0.3)
        app = WarroomApp(ctx)
        async with app.run_test(size=(160, 40)) as pilot:
            await wait_for(pilot, lambda: "none firing" in pane_text(app), 60)
            calls = {"n": 0}

            def boom() -> None:
                calls["n"] += 1
                raise RuntimeError("reader blew up")

            src.fetch = boom  # type: ignore[method-assign]
            await wait_for(pilot, lambda: "none firing" not in pane_text(app), 30)
            text = pane_text(app)
            assert "ERROR" in text and "reader blew up" in text and "last good answer" in text, text
            header = str(app.dashboard.query_one("#header").query_one(".hdr-clocks").render())
            assert "alerts ✖ error" in header or "alerts ! error" in header or "error" in header, header
            n = calls["n"]
            await wait_for(pilot, lambda: calls["n"] > n, 30)          # polling goes on


async def test_an_answer_arriving_while_the_app_shuts_down_is_not_a_crash(tmp_path: Path) -> None:
    """Seen under load: a poll's answer reached the dashboard after its panes were removed
    (shutdown) and ``query_one(SourcesPane)`` raised NoMatches out of the App's handler."""
    from tests.app.tui_support import make_app
    from tui.messages import SourceFetched
    from tui.sources import failure_data

    app = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.dashboard.query_one(SourcesPane).remove()      # the teardown's order, forced
        for kind in ("alerts", "cluster"):
            app.dashboard.on_source_fetched(SourceFetched(kind, failure_data(app, kind, "late")))
        assert app.dashboard.extra["alerts"] is not None       # kept; nothing raised
