"""S26-12 through the dashboard: at x300 RB-CORE-003's step 6 gate (``share_429 < 15 for 2m
within 10m``) has a 2 s window (x1200: 0.5 s), no longer than the dashboard's 2 s between looks.
When its opening look saw the share still past its line the next came after the window, and it failed
"window ran out: held 0s"; the world under the breaker holds under 15 % for two drill minutes
well inside the window, so the gate's verdict is never a failure, whenever the step ran
(passed: the share was past the line when the step started; held before: it was not yet) —
unless the step ran after the provider's daily quota ran out (a slow box at x1200), when the
world itself never holds: the verdict is checked against the world's own reading of the window.
Real engine, real stand-in, wall time running: the test waits for the gate's outcome, a known
state, and accepts every outcome the world allows."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pytest

from tests.app.drill_support import drill_app, events, run_selected, select_step, wait_dashboard, wait_screen
from tests.app.tui_support import wait_for
from warroom.sources.verify import GRID
from tui.screens.modals.forms import DeclareScreen

pytestmark = pytest.mark.timeout(900)
LINE = 15.0        # the gate's line: an eighth of first attempts is still refused at full throttle (F8)


@pytest.mark.parametrize("speed", [300.0, 1200.0])
async def test_a_fast_drill_s_gate_is_judged_on_the_world_not_on_the_looks(tmp_path: Path, speed: float) -> None:
    app = drill_app(tmp_path, speed=speed)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: any(r.breached for r in app.dashboard.readings), 60)
        await pilot.press("d")
        await wait_screen(pilot, DeclareScreen)
        await pilot.press("ctrl+s")
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: app.dashboard.runbook is not None and app.dashboard.runbook.id == "RB-CORE-003", 60)
        book = app.dashboard.runbook
        assert book is not None
        gated = book.step("enable-circuit-breaker")
        assert gated.verify == "share_429 < 15 for 2m within 10m"
        await select_step(pilot, gated.number)
        await run_selected(pilot, confirm=True)
        await wait_for(pilot, lambda: bool(events(app, "verify.passed") or events(app, "verify.failed")), 120)
        (opened,) = events(app, "verify.started")
        held = _world_holds(app, book.queries["share_429"].promql, opened.data["deadline"], speed)
        failed = [e.data.get("reason") for e in events(app, "verify.failed")]
        if held:
            # the world held under 15 % for two drill minutes inside the window: a pass, never
            # "window ran out: held 0s" because the looks came less often than the window lasted
            assert not failed, failed
            (passed,) = events(app, "verify.passed")
            assert passed.data["step"] == gated.number and passed.data["value"] < LINE
        else:
            # A box slow enough that the step ran after Anthropic's daily quota ran out (rate-limit
            # at ~8,900 drill s untouched: 7.4 wall s at x1200): a used quota stays used, the
            # breaker cannot bring it back, the provider refuses every call. Failing is then the
            # world's truth, and the gate must say so by its window, not pass.
            assert not events(app, "verify.passed") and failed and "window" in failed[0], failed


def _world_holds(app, promql: str, deadline: str, speed: float) -> bool:  # type: ignore[no-untyped-def]
    """Whether the drill world itself held ``< 15`` for two drill minutes inside the gate's
    ten-minute window, read from the simulator at the instants the gate judges: its opening, then
    the unix-aligned multiples of its grid up to its deadline (``verify.VerifyRun.instants``). The
    truth the verdict must agree with, whatever the speed of the box: read on a grid of another
    phase (every 5 drill s from the journal line's stamp), a share wavering about its line broke a run
    there that held on the gate's instants, or the reverse, and the test failed under load."""
    step, hold = max(GRID, 600.0 / 120) / speed, 120.0 / speed
    end = datetime.fromisoformat(deadline).timestamp()
    opened = end - 600.0 / speed
    first = (math.floor(opened / step) + 1) * step
    [(_, head)] = app.ctx.source.query_range(promql, opened, opened, step)
    [(_, grid_points)] = app.ctx.source.query_range(promql, first, end, step)
    since: float | None = None
    for at, value in [*head, *grid_points]:
        if value < LINE:
            since = at if since is None else since
            if at - since >= hold - step / 100.0:
                return True
        else:
            since = None
    return False
