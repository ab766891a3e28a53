"""The drill report fits the dialog at 80x24 as at 120x40 (issue 13, tui14 c: walking g at 80x24).

Its tables were laid out for a wide terminal: at 80x24 (66 columns in the dialog) the response
times read 'at (…  took (d…  tar…' and 'not rea…', the panes' crit / worst / now columns were cut to
'…', and with no action the 'no mitigation reached the drill' row sat in the 'at (UTC)' column,
leaving the action column one letter wide (its header printed a-c-t-i-o-n down the screen). Now
the words wrap and the figures are whole, at both sizes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from tests.app.drill_support import drill_app, wait_screen
from tests.app.test_tui_flows_engine import declare_from_breached_pane
from tui.screens.drill_report import DrillReportScreen, report_renderable


def section(text: str, title: str) -> list[str]:
    """The lines of one table of the report, from its title to the blank line after it."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(title))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start + 1:end]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_drill_report_reads_whole_at_80x24_and_120x40(tmp_path: Path, size: tuple[int, int]) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await declare_from_breached_pane(pilot)
        await pilot.press("g")
        screen = await wait_screen(pilot, DrillReportScreen, 120)
        width = screen.query_one("#drill-report-body").content_region.width
        assert width >= 60
        console = Console(width=width, file=io.StringIO(), record=True)
        console.print(report_renderable(screen.report))
        text = console.export_text()
    times = section(text, "Response times against the targets")
    assert times[0].split() == ["milestone", "at", "(UTC)", "took", "(drill)", "(wall)", "target", "result"]
    body = "\n".join(times)
    assert "…" not in body
    for target in ("< 5 min", "< 10 min", "< 15 min", "< 30 min", "< 60 min"):
        assert target in body
    assert "not reached" in body
    panes = section(text, "How the panes ended")
    assert panes[0].split() == ["pane", "crit", "at", "detection", "worst", "now", "state"]
    assert "…" not in "\n".join(panes)
    done = section(text, "What was done")
    head = done[0]
    assert head.split()[:5] == ["drill", "clock", "at", "(UTC)", "action"]
    at = head.index("action")                             # no action yet: said in the action column
    said = " ".join(ln[at:].split("  ")[0].strip() for ln in done[1:])
    assert said.startswith("no mitigation reached the drill"), done
    assert all(not ln[:at].strip() or ln[:at].split() == ["—", "—"] for ln in done[1:]), done
