"""The run dialog marks which parameters a step needs, and runs an optional one empty (dash29-1).

A parameter declared ``required = false`` could never be run empty: the engine called "" missing,
and the dialog treated every empty field as one to fill. The dialog now says of each field whether
it is required, puts the cursor on the first required one still empty, and its preview and answer
are the engine's own (``prepare_step``): the optional field left empty runs as ``''``.
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from tests.app.tui_support import make_app, metrics_drawn, wait_for
from tui.screens.modals.run_step import Preview, RunAnswer, RunStepScreen, fields_from_prompts
from warroom.incident.prepared import ParamError
from warroom.incident.store import IncidentStore

RUNBOOK = '''+++
id = "RB-OPT-DLG"
title = "Optional parameter"

[params.suffix]
required = false
help = "an extra word"

[params.name]
help = "whose"
+++
# Optional parameter

## Triage

Say it:

```bash
printf '<%s>' {{ suffix }} {{ name }}
```
'''


def _dialog(tmp_path: Path) -> RunStepScreen:
    rb = tmp_path / "rb-opt.md"
    rb.write_text(RUNBOOK)
    inc = IncidentStore(tmp_path / "state").create(title="opt", severity="P3", runbook=str(rb))

    def preview(params: dict[str, str]) -> Preview:
        try:
            prepared = inc.prepare_step(1, params)
        except ParamError as exc:
            return Preview(command=None, error=str(exc))
        return Preview(command=prepared.command, mutating=prepared.mutating)

    return RunStepScreen(number=1, label="Say it", section="Triage", fields=fields_from_prompts(inc.param_prompts(1)),
                         preview=preview)


async def test_the_dialog_marks_required_fields_and_runs_an_optional_one_empty(tmp_path: Path) -> None:
    app = make_app()
    answers: list[RunAnswer | None] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        app.push_screen(_dialog(tmp_path), answers.append)
        await wait_for(pilot, lambda: isinstance(app.screen, RunStepScreen) and bool(app.screen.query("#run-command")))
        dialog = app.screen
        await pilot.pause()
        labels = [str(s.render()) for s in dialog.query(".field-label").results(Static)]
        assert labels[0].startswith("suffix") and "optional: may be left empty" in labels[0], labels
        assert labels[1].startswith("name") and labels[1].endswith("required"), labels
        # the cursor skips the optional field left empty for the first one the step needs
        await wait_for(pilot, lambda: app.focused is dialog.query_one("#param-name", Input))
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog and not answers
        assert "missing required parameter name" in str(dialog.query_one("#form-error").render())
        assert "suffix" not in str(dialog.query_one("#form-error").render())
        dialog.query_one("#param-name", Input).value = "alice"
        await wait_for(pilot, lambda: "printf '<%s>' '' alice" in str(dialog.query_one("#run-command").render()))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(answers))
    assert answers == [RunAnswer({"suffix": "", "name": "alice"}, confirmed=False)]
