"""G with a broken Go/No-Go block in a runbook open BESIDE the current one: the dashboard says
which runbook's block cannot be read and where (file:line), never "no decision"; the words are
the core's (``decisions.block_errors`` over every attached runbook), the screen only shows them.

The incident is a real one in a temporary state dir; the beside runbook is opened the way a GO
opens one (``attach_runbook_once``)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.app.tui_support import make_app, metrics_drawn, record_notifications, wait_for
from tui.screens.modals.decision import DecisionScreen
from warroom.config import Config
from warroom.incident.session import Incident
from warroom.incident.store import IncidentStore

CURRENT = """+++
id = "RB-MAIN"
title = "Main"
+++
# Main

- [ ] Look at the dashboards
"""

DECIDES = CURRENT + """
```decision
question = "Roll back?"
deadline = "15m"
[[go]]
text = "the commander says so"
```
"""

BROKEN = """+++
id = "RB-BROKEN"
title = "Broken"
+++
# Broken

```decision
question = 'q'
[[go]]
text = 't'
```
"""


def _incident(tmp_path: Path, current: str) -> tuple[Incident, Path]:
    cfg = Config()
    cfg.incident.state_dir = str(tmp_path / "state")
    main, broken = tmp_path / "main.md", tmp_path / "broken.md"
    main.write_text(current)
    broken.write_text(BROKEN)
    inc = IncidentStore(cfg.state_dir(), cfg).create(title="Quota", severity="P2", runbook=main, source={})
    assert inc.attach_runbook_once(broken) is not None          # opened beside, as a GO opens it
    assert [b.get("id") for b in inc.refresh().beside] == ["RB-BROKEN"]
    return inc, broken


async def test_g_names_the_beside_runbooks_broken_block_instead_of_no_decision(tmp_path: Path) -> None:
    inc, broken = _incident(tmp_path, CURRENT)
    app = make_app(tmp_path, resume_id=inc.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        await wait_for(pilot, lambda: app.dashboard.presenter.live is not None, 30)
        said = record_notifications(app)
        await pilot.press("G")
        await wait_for(pilot, lambda: any("cannot be read" in s for s in said), 30)
        (line,) = [s for s in said if "cannot be read" in s]
        assert line.startswith(f"the Go/No-Go block of RB-BROKEN cannot be read: {broken}:7: "
                               "decision block: 'deadline' is required")
        assert not any("no Go/No-Go decision" in s for s in said)
        assert not isinstance(app.screen, DecisionScreen)


async def test_g_opens_the_readable_decision_and_still_says_the_beside_block_is_broken(tmp_path: Path) -> None:
    inc, broken = _incident(tmp_path, DECIDES)
    app = make_app(tmp_path, resume_id=inc.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await metrics_drawn(pilot)
        await wait_for(pilot, lambda: app.dashboard.presenter.live is not None, 30)
        said = record_notifications(app)
        await pilot.press("G")
        await wait_for(pilot, lambda: isinstance(app.screen, DecisionScreen), 30)
        assert app.screen.view.runbook_id == "RB-MAIN"
        assert any(s.startswith("the Go/No-Go block of RB-BROKEN cannot be read: "
                                f"{broken}:7:") for s in said), said
        app.screen.query_one("#why", Input)      # the dialog is the real one, ready for a reason
