"""Every cut the Step pane marks names a key that shows the rest: ``i``, the whole step (attack39 S2).

At 80x24 the Step pane has four rows. A checklist item's instruction — the whole of what the
commander is to carry out — was cut after its first row and marked "▼ 3 more rows" with no key that
showed the rest: enter said "tick it with space" and the Output pane "Not run yet". Now the mark
names ``i`` (as the user's keymap has it) whatever the step's kind and state; ``i`` opens the step
whole, scrolling, and enter on a checklist item opens it too, with tick and skip there. The live
and resolved incident's cases are in ``test_tui_resolved_keys``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from panes.output import OutputStack
from panes.step_detail import StepDetailPane
from panes.view import StepView
from tests.app.drill_support import select_step, wait_dashboard, wait_screen
from tests.app.tui_support import T0, make_app, metrics_drawn, mid_incident_view, wait_for
from tui.screens.modals.step_view import StepViewScreen
from warroom.runbook.parser import parse_runbook

LONG = " ".join(f"Call provider {i}'s account manager and ask for the quota they can raise today." for i in range(18))
RUNBOOK = f"""+++
id = "RB-TEST-VIEW"
title = "View"
+++

# View

## Triage

```bash
# Each provider's status page
for provider in anthropic openai; do
  printf '%s: ' "$provider"
  curl -s "https://status.$provider.com/api/v2/status.json" | jq -r '.status.indicator'
done
```

## Communication

- [ ] {LONG}
"""


def shown(app) -> list[str]:  # type: ignore[no-untyped-def]
    return str(app.dashboard.query_one(StepDetailPane).render()).splitlines()


async def test_every_cut_names_a_key_that_shows_the_whole_step(tmp_path: Path) -> None:
    rb = parse_runbook(RUNBOOK, Path("view.md"))
    loop, item = rb.steps
    view = dataclasses.replace(mid_incident_view(), runbook_id=rb.id, running=((rb.id, loop.id),),
                               steps={loop.id: StepView(state="running", started_at=T0 - 3)})
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.dashboard.show_view(view, rb)
        await select_step(pilot, item.number)
        await pilot.pause()
        assert shown(app)[-1].startswith("▼ ") and shown(app)[-1].endswith(" more rows · i shows it all")
        pane = app.dashboard.query_one(OutputStack).shown()
        assert pane is not None and pane.note == "A checklist item: nothing runs, no output (i shows its text)."
        await pilot.press("enter")                       # enter on a checklist item: the item whole
        screen = await wait_screen(pilot, StepViewScreen, 30)
        body = str(screen.query_one("#step-view-body").render())
        assert LONG in " ".join(body.split())             # every word of it
        assert str(screen.query_one("#step-view-why-not").render()).startswith("No incident is open")
        await pilot.press("space")                       # nothing to tick without an incident: it stays
        await pilot.pause()
        assert app.screen is screen
        box = screen.query_one("#step-view")
        assert box.max_scroll_y > 0                      # taller than 80x24: it scrolls, to its last row
        await pilot.press("end")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("escape")
        await wait_dashboard(pilot)

        await select_step(pilot, loop.number)            # a running command: enter says it runs; i shows it
        await pilot.pause()
        assert shown(app)[-1].endswith("i shows it all") and "◐ running" not in "\n".join(shown(app))
        await pilot.press("i")
        screen = await wait_screen(pilot, StepViewScreen, 30)
        body = str(screen.query_one("#step-view-body").render())
        assert "◐ running" in body and "    ↳ " in body and body.rstrip().endswith("◐ running")
        assert screen.query_one(".dialog-title").render().plain.endswith("esc close")   # no act offered
        await pilot.press("escape")
        await wait_dashboard(pilot)


async def test_the_mark_names_the_key_the_keymap_put_it_on(tmp_path: Path) -> None:
    rb = parse_runbook(RUNBOOK, Path("view.md"))
    app = make_app(tmp_path)
    app.ctx.config.keys = {"step.view": "f2", "step_view.tick": "f5", "step_view.close": "f9,escape"}
    async with app.run_test(size=(80, 24)) as pilot:
        await metrics_drawn(pilot)
        app.dashboard.show_view(dataclasses.replace(mid_incident_view(), runbook_id=rb.id, steps={}, running=()), rb)
        await select_step(pilot, rb.steps[1].number)
        await pilot.pause()
        assert shown(app)[-1].endswith(" more rows · f2 shows it all")
        await pilot.press("f2")
        await wait_screen(pilot, StepViewScreen, 30)
        await wait_for(pilot, lambda: isinstance(app.screen, StepViewScreen))
        # its title names the keys as remapped too (attack40 A4: it said "space tick · … esc close" whatever [keys] said)
        assert app.screen.query_one(".dialog-title").render().plain == "Step 2 — f9 close"
        await pilot.press("f9")
        await wait_dashboard(pilot)
        from panes.safe import SafeText

        app.push_screen(StepViewScreen("Step 2", lambda *_a, **_k: SafeText("x"), acts=("run", "tick", "skip")))
        await wait_screen(pilot, StepViewScreen, 30)
        title = app.screen.query_one(".dialog-title").render().plain
        assert title == "Step 2 — ⏎ run · f5 tick · s skip · f9 close", title
