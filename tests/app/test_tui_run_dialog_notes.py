"""The run dialog keeps its notes in view with its title (attack44 A15).

A NO-GO standing on the step ("… running this step acts against it") was the last line of the scrolled body: out of
view at 80x24, where ctrl+s ran the step without it ever on screen.
"""

from __future__ import annotations

from textual.widgets import Static

from tests.app.tui_support import make_app, metrics_drawn, wait_for
from tui.screens.modals.run_step import ParamField, Preview, RunStepScreen

NOTE = ('the Go/No-Go "Bring FlowEngine back (restore its replicas)?" stands at NO-GO (by root at 01:29:15 UTC: not '
        'yet, the shipper is still stuck); running this step acts against it')


async def test_a_no_go_note_is_in_view_with_the_title_at_80x24() -> None:
    app = make_app()
    fields = [ParamField(name=n, value=v) for n, v in (("deployment", "flowengine"), ("replicas", "3"),
                                                       ("namespace", "production"))]
    dialog = RunStepScreen(number=29, label="Bring FlowEngine back", section="Recovery", fields=fields,
                           preview=lambda params: Preview(command="kubectl scale deployment/flowengine --replicas=3",
                                                          mutating=True, notes=(NOTE,)))
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(dialog)
        await wait_for(pilot, lambda: isinstance(app.screen, RunStepScreen) and bool(app.screen.query("#run-command")))
        await pilot.pause()
        notes = dialog.query_one("#run-notes", Static)
        said = " ".join(str(notes.render()).split())
        assert said == f"note {' '.join(NOTE.split())}", said
        lines = str(notes.render()).count("\n") + 1
        assert notes.region.height >= lines and notes.region.bottom <= 24, (notes.region, lines)
        assert notes.region.y < dialog.query_one("#run-fields").region.y      # above the fields, not under them
