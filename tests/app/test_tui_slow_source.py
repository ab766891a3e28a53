"""A Prometheus slow to answer: the dashboard keeps handling keys while the query waits in its
worker, and the pane says what happened once the request times out.

No wall-clock bound decides either: the server holds its answer until the test has used the keys
(a dashboard that waited for the query on its event loop would never show help, and fail at the
wait's bound), then lets it through; the timeout is the client's own, said in words."""

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


def slow_app(tmp_path: Path, url: str, timeout: float) -> WarroomApp:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    cfg.prometheus.url = url
    cfg.prometheus.timeout = timeout
    cfg.slo = [SloConfig(id="up", title="Up", query="up", unit="count", warn=0.5, crit=0.5,
                         direction="below")]
    ctx = dashboard_context(cfg)
    ctx.sources.pop("providers", None)
    ctx.refresh, ctx.tick, ctx.offer_resume = 0.3, 0.3, False
    return WarroomApp(ctx)


async def test_keys_answer_while_a_query_waits_on_a_slow_server(tmp_path: Path) -> None:
    # held until the test lets it through (released), far past anything the keys need
    with FakeHTTP(lambda req: Reply(200, VECTOR, delay=600.0)) as slow:
        app = slow_app(tmp_path, slow.url, timeout=600.0)
        async with app.run_test(size=(120, 40)) as pilot:
            # The first query is on the wire and will not be answered until the test says ...
            await wait_for(pilot, lambda: len(slow.requests) >= 1, 60)
            # ... and the keys still work: open help, close it, move around.
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), 60)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is app.dashboard, 60)
            await pilot.press("tab", "j", "k")
            # all of it while that query was held: nothing answered it, nothing timed it out
            assert not slow.released.is_set()
            assert all(r.state not in ("ok", "error") for r in app.dashboard.readings), app.dashboard.readings
            slow.released.set()
            # the answer let through reaches the pane (its sample is dated 1970: stale, but answered)
            await wait_for(pilot, lambda: any(r.value == 1.0 and r.error is None for r in app.dashboard.readings), 60)


async def test_a_query_never_answered_is_said_in_words_when_its_timeout_ends(tmp_path: Path) -> None:
    with FakeHTTP(lambda req: Reply(200, VECTOR, delay=30.0)) as slow:
        app = slow_app(tmp_path, slow.url, timeout=1.0)
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: any(r.state == "error" and r.error and "within 1s" in r.error
                                              for r in app.dashboard.readings), 60)
