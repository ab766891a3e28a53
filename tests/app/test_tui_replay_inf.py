"""A replayed incident whose pane read +Inf shows CRIT "+Inf" on that pane, as it did live: the
recording (metrics.json) carries it in Prometheus' form and the replay reads it back as +Inf."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

from panes.slo import SloPane
from tests.app.tui_support import metrics_drawn, wait_for
from tui.app import WarroomApp
from warroom.config import Config
from warroom.sources.model import SloSample

DECLARED = 1_790_000_010.0          # a fixed past instant (never the wall clock)


class _Recorded:
    """What the incident's Prometheus answered: the quota pane +Inf (x/0) throughout, others calm."""

    name = "prometheus"

    def query_range(self, expr: str, start: float, end: float, step: float) -> list:
        value = math.inf if "quota" in expr else 0.1
        return [({}, [(start + i * step, value) for i in range(int((end - start) // step) + 1)])]

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        return SloSample(expr, None, error="not asked")


async def test_a_replay_shows_a_recorded_plus_inf_as_crit_plus_inf(tmp_path: Path) -> None:
    from tui.launch import replay_context
    from warroom.incident.history import record_history
    from warroom.incident.store import IncidentStore

    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    clock = [DECLARED]
    inc = IncidentStore(cfg.state_dir(), cfg, clock=lambda: datetime.fromtimestamp(clock[0], UTC)).create(
        title="quota", severity="P2", runbook="RB-CORE-003", source={})
    clock[0] = DECLARED + 600.0
    inc.resolve("breaker on")
    record_history(inc.dir, inc.state, cfg.slo, _Recorded(), now=DECLARED + 600.0)
    base = Config()
    base.incident.state_dir = str(tmp_path / "state")
    ctx = replay_context(base, inc.id, None)
    ctx.offer_resume = False
    app = WarroomApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        quota = app.dashboard.query_one("#slo-quota", SloPane)
        await wait_for(pilot, lambda: "+Inf" in str(quota.line(".slo-value")), 30)
        text = str(quota.line(".slo-value"))
        assert "CRIT" in text and quota.has_class("state-crit"), text
        # inf-3: the sparkline says the same: the +Inf stretch at the top, not a hole
        spark = str(quota.line(".slo-spark")).strip()
        assert spark and set(spark) == {"█"}, repr(spark)
