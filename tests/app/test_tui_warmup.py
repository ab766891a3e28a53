"""The first metric poll waits for the source's warm-up once (``AppContext.source_warmup``), then polls."""

from __future__ import annotations

from tests.app.tui_support import make_app, metrics_drawn


async def test_the_first_poll_waits_for_the_warmup_once() -> None:
    app = make_app()
    calls: list[bool] = []
    app.ctx.source_warmup = lambda: calls.append(app.dashboard.readings == [])
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        assert calls == [True]                  # before the first readings, and only once
        assert app.ctx.source_warmup is None
