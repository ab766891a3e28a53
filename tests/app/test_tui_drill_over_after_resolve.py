"""A drill is over once its incident is resolved: no dashboard declares on it again (redteam30-8).

Resolving finishes a drill (issue 13 item 1), yet the dashboard that resolved it (once its
end-of-drill report was closed) and any other dashboard left open on the same drill could still
press d: the new incident was tied to the worked world mid-scenario (the breaker already on, the
quota already spent), drill.json named it instead of the resolved one, and the next `warroom demo`
continued that world instead of starting the scenario over.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.app.drill_support import declare_prefilled, drill_app, drill_ctx
from tests.app.tui_support import wait_for
from warroom.errors import WarroomError


async def test_no_incident_is_declared_on_a_drill_whose_incident_was_resolved(tmp_path: Path) -> None:
    app = drill_app(tmp_path, speed=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_prefilled(pilot)
        presenter = app.dashboard.controller
        first = presenter.incident.id
        drill = app.ctx.drill.extra["drill"]
        other = drill_ctx(tmp_path, speed=60.0)      # a second dashboard opened on the same drill meanwhile
        assert other.drill.extra["drill"].path == drill.path
        assert other.drill.extra["ended"](other.drill.extra["drill"]) is None
        presenter.incident.resolve("worked the runbook", resolution="breaker on", rollback=False)
        for ctx in (app.ctx, other):                 # its own copy of the drill still says "not finished"
            why = ctx.drill.extra["ended"](ctx.drill.extra["drill"])
            assert why is not None and first in why and "drill rate-limit --speed 60" in why, why
        with pytest.raises(WarroomError, match="has ended"):
            presenter.declare(title="Model API quota used at 98%", severity="P3", runbook=None,
                              source={"kind": "manual"})
        await wait_for(pilot, lambda: True)
    record = json.loads((drill.path / "drill.json").read_text(encoding="utf-8"))
    assert record["incident"] == first and record["finished"] is None     # untouched: still the resolved one's
    again = drill_ctx(tmp_path, speed=60.0)          # and the next run starts the scenario over
    assert again.drill.extra["drill"].path != drill.path
    assert f"ended when {first} was resolved" in (again.drill.notice or "")
