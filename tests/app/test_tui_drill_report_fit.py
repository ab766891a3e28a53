"""The drill report fits the dialog at 80x24 as at 120x40 (issue 13, tui14 c: walking g at 80x24).

Its tables were laid out for a wide terminal: at 80x24 (66 columns in the dialog) the response
times read 'at (…  took (d…  tar…' and 'not rea…', the panes' crit / worst / now columns were cut to
'…', and with no action the 'no mitigation reached the drill' row sat in the 'at (UTC)' column,
leaving the action column one letter wide (its header printed a-c-t-i-o-n down the screen). Now
the words wrap and the figures are whole, at both sizes."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console

from tests.app.drill_support import drill_app, wait_screen
from tests.app.test_tui_flows_engine import declare_from_breached_pane
from tui.screens.drill_report import DrillReportScreen, report_renderable
from warroom.incident.drill_report.rows import DrillReport, PaneOutcome, ResponseRow
from warroom.incident.state import RESPONSE_TARGETS
from warroom.incident.verdicts import milestone


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
    assert times[0].split() == ["milestone", "at", "(UTC)", "drill", "wall", "target", "result"]
    body = "\n".join(times)
    assert "…" not in body
    targets = [f"< {r.target_min:g} min" for r in screen.report.responses]   # at x120 people's: 240 min
    assert len(targets) == 5 and all(target in body for target in targets), (targets, body)
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


def _widest_report() -> DrillReport:
    """A report holding the widest cell of every kind the tables can show: each verdict (the
    longest, "✔ met (declared first)", is what a declaration ahead of critical gives), 100-hour
    spans, seven-digit counts, the longest pane endings. Which of them a live drill shows depends
    on how fast the test ran (CI, stop 25: a slow box declared first and the milestone column
    vanished), so the layout is checked on all of them at once, whatever the clock did."""
    at = datetime(2026, 12, 2, 23, 59, 59, tzinfo=UTC).timestamp()
    verdicts = [milestone("detected", True, reached=True, ahead_of="Model API quota"),
                milestone("mobilised", False, reached=True),
                milestone("root_cause", None, reached=True),
                milestone("mitigated", None, reached=False),
                milestone("resolved", True, reached=True, past_critical=["5xx rate", "P95 latency"])]
    responses = tuple(ResponseRow(key=key, label=label, target_min=target, at=at, minutes=6001.0,
                                  wall_minutes=6001.0, met=v.ok, verdict=v)
                      for (key, label, target, _), v in zip(RESPONSE_TARGETS, verdicts, strict=True))
    panes = tuple(PaneOutcome(pane=f"p{i}", title="Flow failure rate (all flows, all regions)", crit=1234567.0,
                              at_detection=7654321.0, worst=9999999.0, now=8888888.0, recovered=rec,
                              worsening=True)
                  for i, rec in enumerate((False, True)))
    return DrillReport(drill="d", scenario="rate-limit", title="Model API quota exhausted", runbook="RB-CORE-003",
                       speed=10.0, incident="INC-20261202-0001", breach_at=at, generated_at=at,
                       declared_before_breach=True, responses=responses, actions=(), resolution_done=(),
                       resolution_missing=(), panes=panes, recovered=False, summary=("one line",))


@pytest.mark.parametrize("width", [66, 80, 118])
def test_no_column_is_dropped_whatever_the_cells_hold(width: int) -> None:
    """66 is the dialog's body at 80x24 (asserted above as at least 60: the tables need 65)."""
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(report_renderable(_widest_report()))
    text = console.export_text()
    times = section(text, "Response times against the targets")
    assert times[0].split() == ["milestone", "at", "(UTC)", "drill", "wall", "target", "result"], text
    body = "\n".join(times)
    assert "…" not in body
    words = body.split()
    for word in ("✔", "met", "(declared", "first)", "✖", "MISSED", "not", "measured", "reached", "▲", "clock",
                 "only", "100h01m00s", "< 60 min", "23:59:59"):
        assert word in words or word in body, (word, text)
    assert body.count("100h01m00s") == 10                    # every span whole, drill and wall
    # a short verdict never wraps while the spans are under 100 hours (exact to the second, 9
    # characters: 99h59m59s); at 66 columns a 100-hour one takes the column it needs, and only then
    # does "▲ clock only" fold at its words (both span columns whole, as asserted above)
    under = dataclasses.replace(_widest_report(), responses=tuple(
        dataclasses.replace(r, minutes=5999.99, wall_minutes=5999.99) for r in _widest_report().responses))
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(report_renderable(under))
    short_body = "\n".join(section(console.export_text(), "Response times against the targets"))
    assert short_body.count("99h59m59s") == 10, short_body
    for short in ("▲ clock only", "not measured", "not reached", "✖ MISSED"):
        assert short in short_body, (short, short_body)
    assert ("✔ met (declared first)" in short_body) == (width == 118), text   # wrapped only where the row needs 85
    panes = section(text, "How the panes ended")
    assert panes[0].split() == ["pane", "crit", "at", "detection", "worst", "now", "state"], text
    pane_body = "\n".join(panes[1:])
    assert "…" not in pane_body
    for figure in ("1234567", "7654321", "9999999", "8888888"):
        assert pane_body.count(figure) == 2, (figure, text)
    # the state, wrapped
    assert {"✖", "still", "breached,", "rising", "✔", "recovered"} <= set(pane_body.split()), text


COMMAND = "kubectl -n flows set env deployment/flowengine ENABLE_CIRCUIT_BREAKER=true"


def _column(lines: list[str], header: str, next_header: str | None = None) -> str:
    """The characters one column holds, line after line, from its header's position."""
    start = lines[0].index(header)
    end = lines[0].index(next_header) if next_header else None
    return "".join(ln[start:end].strip() for ln in lines[1:])


@pytest.mark.parametrize("width", [66, 80, 118])
def test_what_was_done_keeps_every_column_and_every_command_whole(width: int) -> None:
    """A command was the table's leftovers: at 66 columns 'com…' over 'kub…', the one thing a
    facilitator re-types lost; 100-hour clocks before and after detection beside it. Each action's
    description, effect and command are kept character for character, the clocks and times whole."""
    from warroom.incident.drill_report.rows import ActionRow

    base = _widest_report()
    actions = tuple(ActionRow(at=base.generated_at, t=1.0, action="breaker",
                              meaning="Turn the circuit breaker on (step 6)", command=COMMAND,
                              effective=True, change="429 share (worst provider) 95% → 3%", clock=clock,
                              cause="the breaker stops the retries")
                    for clock in (-360000.0, 360061.0))
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(report_renderable(dataclasses.replace(base, actions=actions)))
    text = console.export_text()
    done = section(text, "What was done")
    assert done[0].split() == ["drill", "clock", "at", "(UTC)", "action", "effect", "command"], text
    assert "…" not in "\n".join(done), text
    assert max(len(ln.rstrip()) for ln in done) <= width, text
    said = {h: _column(done, h, n).replace(" ", "") for h, n in (("action", "effect"), ("effect", "command"),
                                                                  ("command", None))}
    assert said == {"action": "Turnthecircuitbreakeron(step6)" * 2,
                    "effect": "thebreakerstopstheretries:429share(worstprovider)95%→3%" * 2,
                    "command": COMMAND.replace(" ", "") * 2}, text
    body = "\n".join(done)
    for figure in ("-100h00m00s", "+100h01m01s", "23:59:59"):
        assert figure in body, (figure, text)


def test_work_typed_in_the_drill_shell_is_said_under_the_response_times() -> None:
    """attack44 A14: `g` read "Time to mobilise ✖ MISSED 32m13s" with no word of the drill-shell work at +1m23s that
    the text report names beside it."""
    shell = ("Time to mobilise counts what the journal holds (a step run, tick, note…): the first command typed in the"
             " drill shell, at +1m23s drill time, 01:25:31 UTC (kubectl rollout restart deployment/audit-shipper),"
             " counts towards no milestone; `warroom incident mark INC-1 mobilised --at 2026-12-06T01:25:31.000Z`"
             " records it")
    console = Console(width=80, file=io.StringIO(), record=True)
    console.print(report_renderable(dataclasses.replace(_widest_report(), shell=shell, summary=(f"{shell}.",))))
    text = " ".join(console.export_text().split())
    assert text.count("counts towards no milestone") == 1, text       # under the table, not again in the summary
    assert "counts towards no milestone; `warroom incident mark INC-1 mobilised --at 2026-12-06T01:25:31.000Z`" \
        " records it." in text, text
    assert text.index("Time to mobilise counts") < text.index("What was done"), text
