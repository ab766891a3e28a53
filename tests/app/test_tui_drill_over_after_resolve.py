"""A drill is over once its incident is resolved: no dashboard declares on it again (redteam30-8).

Resolving finishes a drill (issue 13 item 1), yet the dashboard that resolved it (once its
end-of-drill report was closed) and any other dashboard left open on the same drill could still
press d: the new incident was tied to the worked world mid-scenario (the breaker already on, the
quota already spent), drill.json named it instead of the resolved one, and the next `warroom demo`
continued that world instead of starting the scenario over.
"""

from __future__ import annotations

import json
import shlex
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
        said = other.drill.extra["ended"](other.drill.extra["drill"]) or ""     # one incident a drill (redteam31-9)
        assert f"{first} is still open on the rate-limit drill" in said and "resume" in said, said
        presenter.incident.resolve("worked the runbook", resolution="breaker on", rollback=False)
        for ctx in (app.ctx, other):                 # its own copy of the drill still says "not finished"
            why = ctx.drill.extra["ended"](ctx.drill.extra["drill"])
            assert why is not None and first in why, why
            again = shlex.split(why.split("`")[1])       # exact: this state dir, this pace (redteam31-10)
            assert again[1:3] == ["drill", "rate-limit"] and again[3:] == [
                "--state-dir", str((tmp_path / "state").resolve()), "--speed", "60"], why
        with pytest.raises(WarroomError, match="has ended"):
            presenter.declare(title="Model API quota used at 98%", severity="P3", runbook=None,
                              source={"kind": "manual"})
        await wait_for(pilot, lambda: True)
    record = json.loads((drill.path / "drill.json").read_text(encoding="utf-8"))
    assert record["incident"] == first and record["finished"] is None     # untouched: still the resolved one's
    again = drill_ctx(tmp_path, speed=60.0)          # and the next run starts the scenario over
    assert again.drill.extra["drill"].path != drill.path
    assert f"ended when {first} was resolved" in (again.drill.notice or "")


async def test_no_second_incident_is_declared_on_a_drill_whose_incident_is_open(tmp_path: Path) -> None:
    """redteam31-9: esc at the resume offer, then d, declared a second incident on the drill: drill.json
    named it instead of the first, resolving it ended the drill, and the first, still open, was named by no
    launch and offered by no drill dashboard again. A drill has one incident: the second is refused with the
    exact command back to the first."""
    from types import SimpleNamespace

    from tui.cli import build_parser
    from tui.presenter import IncidentPresenter

    app = drill_app(tmp_path, speed=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_prefilled(pilot)
        first = app.dashboard.controller.incident.id
        drill = app.ctx.drill.extra["drill"]
        other = drill_ctx(tmp_path, speed=60.0)      # the same drill, its offer dismissed
        with pytest.raises(WarroomError, match=f"{first} is still open") as refused:
            IncidentPresenter(SimpleNamespace(ctx=other), lambda m: None).declare(  # type: ignore[arg-type]
                title="P95 flow latency at 130s", severity="P3", runbook=None, source={"kind": "manual"})
        why = str(refused.value)
        back = shlex.split(why.split("`")[1])
        args = build_parser(back[1:]).parse_args(back[1:])
        assert (args.incident, Path(args.state_dir)) == (first, (tmp_path / "state" / "drills").resolve()), why
        await wait_for(pilot, lambda: True)
    assert json.loads((drill.path / "drill.json").read_text(encoding="utf-8"))["incident"] == first


async def test_d_on_a_finished_drill_says_so_before_any_form(tmp_path: Path) -> None:
    """redteam38 F15: on a finished drill `d` opened the whole declare dialog, pre-filled, and the
    refusal came only at ctrl+s. It comes at `d` now, with the command that starts the scenario over."""
    from tui.screens.modals.forms import DeclareScreen

    app = drill_app(tmp_path, speed=60.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await declare_prefilled(pilot)
        presenter = app.dashboard.controller
        presenter.incident.resolve("worked the runbook", resolution="breaker on", rollback=False)
        await wait_for(pilot, lambda: app.dashboard.data.view.header.status == "resolved", 30)
        told: list[str] = []
        real_notify = app.notify

        def notify(message: str, **kw: object) -> None:
            told.append(str(message))
            real_notify(message, **kw)      # type: ignore[arg-type]

        app.notify = notify                 # type: ignore[method-assign]
        await pilot.press("d")
        await wait_for(pilot, lambda: any("has ended" in t for t in told))
        assert not isinstance(app.screen, DeclareScreen)
        (said,) = [t for t in told if "has ended" in t]
        assert "starts the scenario over" in said and said.startswith("Not declared:"), said
