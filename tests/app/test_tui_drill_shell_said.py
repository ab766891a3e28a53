"""A drill dashboard says where the drill's tools are by hand (redteam38 F3): in a toast of its own at
the start, and in ``?`` for as long as the drill is open (the toast is gone by the time an IC reaches
for kubectl). Nothing said it: typed in the IC's own terminal, a runbook's ``kubectl scale`` reached
the cluster their kubeconfig names."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.app.drill_support import drill_app
from tests.app.tui_support import record_notifications, wait_for
from tui.screens.help import HelpScreen


async def test_the_start_toast_and_help_name_the_drill_shell(tmp_path: Path) -> None:
    app = drill_app(tmp_path, speed=30.0)
    said = record_notifications(app)
    drill = app.ctx.drill.extra["drill"]
    exact = shlex.join(["warroom", "drill", "shell", drill.name, "--state-dir", str((tmp_path / "state").resolve())])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: any(exact in s for s in said), 30)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), 30)
        text = str(app.screen.query_one("#help-drill").render())
        assert f"`{exact}`" in text and "--print`" in text and "real ones" in text, text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard, 30)
