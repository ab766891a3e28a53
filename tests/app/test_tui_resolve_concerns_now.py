"""redteam29-6: a resolve journaled the concerns the resolve dialog showed when it OPENED. The
panes keep reading behind a dialog (a dialog open 30 s at x60 is 30 drill minutes), so the PIR
said "Resolved although: … still critical (36.8%…)" above its own "At resolution 39.3%". Read
again at submit from the last poll, they were still that poll's (redteam38 F8: "(422s)" above
"At resolution 437s" at x10). Now the concerns are read from the metric history at one moment,
the one the resolution is stamped with and the PIR's "At resolution" is read at."""

from __future__ import annotations

import re
from pathlib import Path

from tests.app.drill_support import declare_prefilled, drill_app, events
from tests.app.tui_support import wait_for
from tui.screens.modals.forms import ResolveScreen
from warroom.units import format_stated

STATED = re.compile(r"^(?P<title>.+?) is still (?:critical|in warning) \((?P<shown>[^,]+),")


async def test_the_resolve_journals_the_concerns_of_its_own_moment(tmp_path: Path) -> None:
    # one poll only (refresh an hour away): the panes on screen stay as they were when the dialog opened
    app = drill_app(tmp_path, scenario="rate-limit", speed=60.0, refresh=3600.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_prefilled(pilot)
        dashboard = app.dashboard
        await wait_for(pilot, lambda: any(r.slo.id == "quota" and r.value is not None for r in dashboard.data.readings), 30)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ResolveScreen), 30)
        shown = list(app.screen.concerns)
        await pilot.press(*"breaker held", "enter", *"breaker on", "enter")
        await wait_for(pilot, lambda: bool(events(app, "incident.resolved")), 30)
        await wait_for(pilot, lambda: bool(events(app, "metrics.summarised")), 30)
        (resolved,) = events(app, "incident.resolved")
        summary = events(app, "metrics.summarised")[-1].data
    said = resolved.data.get("concerns") or []
    slos = {s["title"]: s for s in summary["slos"].values()}
    stated = [m for c in said if (m := STATED.match(c))]
    assert any(m["title"] == "Model API quota used" for m in stated), (said, shown)
    for m in stated:            # every pane's figure is the PIR's "At resolution", as it is said
        slo = slos[m["title"]]
        at = slo["at_resolution"]
        assert at["at"] == resolved.ts.timestamp(), (at, resolved.ts)
        assert m["shown"] == format_stated(at["value"], slo["unit"], against=(slo["warn"], slo["crit"])), (m[0], at)
    assert said != shown        # the dialog showed the poll from when it opened; x60 moved on since
