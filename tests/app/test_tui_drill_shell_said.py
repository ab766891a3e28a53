"""A drill dashboard says where the drill's tools are by hand (redteam38 F3) in ``?``, for as long as
the drill is open. Nothing said it: typed in the IC's own terminal, a runbook's ``kubectl scale``
reached the cluster their kubeconfig names. It is no start toast: a second notice of three rows at the
start squeezed a declare dialog opened in its 20 seconds to nothing at 80x24 (ci38b)."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.app.drill_support import drill_app
from tests.app.tui_support import record_notifications, wait_for
from tui.screens.help import HelpScreen


async def test_help_names_the_drill_shell(tmp_path: Path) -> None:
    app = drill_app(tmp_path, speed=30.0)
    said = record_notifications(app)
    drill = app.ctx.drill.extra["drill"]
    exact = shlex.join(["warroom", "drill", "shell", drill.name, "--state-dir", str((tmp_path / "state").resolve())])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: any("drill" in s for s in said), 30)     # the start notice came
        assert not any(exact in s for s in said)                                # and no second one
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), 30)
        text = str(app.screen.query_one("#help-drill").render())
        assert f"`{exact}`" in text and "--print`" in text and "real ones" in text, text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard, 30)
