"""Whole flows of the dashboard through the REAL engine: the drill simulator at high speed feeds
the panes, the incident engine journals every action, the supervised runner runs real
processes. Assertions are on the journal (the source of truth) and on what the screen shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from textual.widgets import Input, OptionList, Select, TextArea

from panes.header import IncidentHeader
from panes.output import OutputStack
from tui.screens.modals.confirm import ConfirmScreen
from panes.timeline import TimelinePane
from tests.app.drill_support import (
    FLOWS_RUNBOOK,
    drill_app,
    events,
    run_selected,
    select_step,
    step_state,
    wait_dashboard,
    wait_screen,
    wait_step,
)
from tests.app.tui_support import wait_for
from tui.screens.drill_report import DrillReportScreen, report_renderable
from tui.screens.modals.forms import DeclareScreen, NoteScreen, ResolveScreen, SeverityScreen, SkipScreen
from tui.screens.modals.pickers import RunbookPicker
from tui.screens.modals.pir import PirScreen
from tui.screens.modals.run_step import RunStepScreen
from tui.screens.modals.status_update import StatusUpdateScreen
from tui.screens.modals.timeline_entry import TimelineEntryScreen
from warroom.incident.store import IncidentStore

# A whole incident through the real engine was seen taking 219 s, and past 300 s, on two busy
# cores: the suite's 300 s per-test bound is a guard against hangs, not a speed requirement.
pytestmark = pytest.mark.timeout(900)


def rendered_text(renderable) -> str:  # type: ignore[no-untyped-def]
    import io

    from rich.console import Console

    console = Console(width=120, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text()


def output_lines(app) -> list[str]:  # type: ignore[no-untyped-def]
    """The shown output view's lines as drawn (a long line wraps onto several)."""
    pane = app.dashboard.query_one(OutputStack).shown()
    return [strip.text.rstrip() for strip in pane.lines] if pane is not None else []


def output_text(app) -> str:  # type: ignore[no-untyped-def]
    """The shown output with wrapped lines joined back."""
    return "".join(output_lines(app))


async def declare_from_breached_pane(pilot) -> str:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, lambda: any(r.breached for r in app.dashboard.readings), 60)
    await pilot.press("d")
    dialog = await wait_screen(pilot, DeclareScreen)
    # pre-filled from the pane the dashboard dates as breached first (first_breached): the quota
    # pane, unless a busy machine's first reading came so late in the x120 drill that the failure
    # rate had crossed too and was dated first (seen under load: 'failure_rate' == 'quota'); the
    # runbook and severity are the drill's either way
    first = app.dashboard.first_breached()
    assert first is not None and (dialog.source["kind"], dialog.source["ref"]) == ("pane", first.slo.id)
    assert dialog.query_one("#title", Input).value.startswith(first.slo.title)
    assert "quota" in {r.slo.id for r in app.dashboard.readings if r.breached}
    assert dialog.query_one("#runbook", Select).value == "RB-CORE-003"
    await pilot.press("ctrl+s")
    await wait_dashboard(pilot)
    await wait_for(pilot, lambda: (app.dashboard.view.header.incident_id or "").startswith("INC-"), 60)
    return app.dashboard.view.header.incident_id


async def attach_flows_runbook(pilot) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await pilot.press("o")
    picker = await wait_screen(pilot, RunbookPicker)
    options = picker.query_one(OptionList)
    options.focus()
    options.highlighted = options.get_option_index(FLOWS_RUNBOOK)
    await pilot.press("enter")
    await wait_screen(pilot, ConfirmScreen)      # attaching another runbook asks first
    await pilot.press("ctrl+s")
    await wait_dashboard(pilot)
    await wait_for(pilot, lambda: app.dashboard.runbook is not None and app.dashboard.runbook.id == FLOWS_RUNBOOK, 60)


async def test_whole_incident_through_the_engine(tmp_path: Path) -> None:
    app = drill_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        inc_id = await declare_from_breached_pane(pilot)
        declared = events(app, "incident.declared")[0].data
        assert declared["source"]["kind"] == "pane" and declared["drill"]["scenario"] == "rate-limit"
        assert inc_id in str(app.dashboard.query_one(IncidentHeader).query_one(".hdr-identity").render())

        await attach_flows_runbook(pilot)
        assert events(app, "runbook.attached")[-1].data["id"] == FLOWS_RUNBOOK

        # 1: a PromQL step answered by the drill simulator (no shell).
        await select_step(pilot, 1)
        await run_selected(pilot)
        await wait_step(pilot, 1, "ok")
        fin = events(app, "step.finished")[-1].data
        assert fin["step"] == 1 and fin["status"] == "ok"
        await wait_for(pilot, lambda: any(line.startswith("{}") for line in output_lines(app)))

        # 2: a read-only shell step: the drill environment reaches it (stand-ins first on PATH).
        await select_step(pilot, 2)
        await run_selected(pilot)
        await wait_step(pilot, 2, "ok", "failed")
        drill_dir = app.ctx.drill.extra["drill"].path
        fin = events(app, "step.finished")[-1].data
        assert fin["status"] == "ok" and fin["expect_met"] is True, fin
        await wait_for(pilot, lambda: f"drill={drill_dir}" in output_text(app))
        assert not events(app, "step.refused")

        # 3: a mutating step, confirmed in the dialog; output streams into the pane.
        await select_step(pilot, 3)
        await pilot.press("enter")
        dialog = await wait_screen(pilot, RunStepScreen)
        assert "MUTATING" in str(dialog.query_one("#run-warning").render())
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is not dialog)
        await pilot.press("ctrl+s")  # the confirmation
        await wait_dashboard(pilot)
        # ended ok: "ok" only until its gate opens, then watching, then held before (below)
        await wait_step(pilot, 3, "ok", "verifying", "held_before")
        started = [e for e in events(app, "step.started") if e.data["step"] == 3][0].data
        assert started["mutating"] is True and started["confirmed"] is True
        await wait_for(pilot, lambda: "breaker on in production" in output_lines(app))
        assert not events(app, "step.refused")  # no refuse-then-ask detour any more
        # Its verify gate opens, is probed against the drill and passes; quota < 100 held from before
        # the step to the pass, so the header says it held before the step, never "passed" (P25-1)
        await wait_for(pilot, lambda: bool(events(app, "verify.passed")))    # the default, generous bound
        assert events(app, "verify.started")[-1].data["step"] == 3
        assert events(app, "verify.started")[-1].data["before"]["holds"] is True
        header = app.dashboard.query_one(IncidentHeader).query_one(".hdr-gate")
        await wait_for(pilot, lambda: "VERIFY  step 3 ⊜ held before the step (" in str(header.render()), 60)
        assert "passed" not in str(header.render())
        await wait_step(pilot, 3, "held_before")        # the checklist's mark says the same
        before = [e.data for e in events(app, "evidence.recorded") if e.data["when"] == "before"]
        assert {d["step"] for d in before} >= {1, 2, 3} and "quota" in before[-1]["values"]

        # 4: a long step, cancelled with c.
        await select_step(pilot, 4)
        await run_selected(pilot)
        await wait_step(pilot, 4, "running")
        await pilot.press("c")
        await wait_step(pilot, 4, "cancelled")
        assert [e for e in events(app, "step.finished") if e.data["step"] == 4][0].data["status"] == "cancelled"

        # 6: a checklist item ticked with space; 7 skipped with a reason.
        await select_step(pilot, 6)
        await pilot.press("space")
        await wait_step(pilot, 6, "ticked")
        await select_step(pilot, 7)
        await pilot.press("s")
        await wait_screen(pilot, SkipScreen)
        await pilot.press(*"tech lead already on the bridge", "enter")
        await wait_dashboard(pilot)
        await wait_step(pilot, 7, "skipped")
        assert events(app, "step.skipped")[-1].data["reason"] == "tech lead already on the bridge"

        # A root-cause note.
        await pilot.press("n")
        note = await wait_screen(pilot, NoteScreen)
        note.query_one("#tag", Select).value = "root-cause"
        note.query_one("#text", TextArea).focus()
        await pilot.press(*"retry storm burned the quota")
        await pilot.press("ctrl+s")
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: bool(events(app, "note.added")))
        assert events(app, "note.added")[-1].data == {"tag": "root-cause", "text": "retry storm burned the quota"} \
            or events(app, "note.added")[-1].data["tag"] == "root-cause"

        # A status update (no webhook: copied, where a copy can arrive, and journaled).
        from tui.clipboard import ClipboardRoute

        app.ctx.clipboard = ClipboardRoute(True, "to your terminal's clipboard (OSC 52)")
        await pilot.press("u")
        update = await wait_screen(pilot, StatusUpdateScreen)
        draft = update.query_one("#update-text", TextArea).text
        assert inc_id in draft
        # drafted from the journal: conditions, actions and needs, the root-cause note among them
        assert "Conditions:" in draft and "Actions:" in draft and "Needs:" in draft
        assert "retry storm burned the quota" in draft
        await pilot.press("ctrl+s")
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: bool(events(app, "status_update.sent")))
        sent = events(app, "status_update.sent")[-1].data
        assert sent["channels"] == ["clipboard"]
        assert sent["delivery"] == "drafted"          # copied, not posted: said so, not "sent"
        assert "\nActions:" in sent["text"]           # line breaks kept

        # Severity P3 → P2 with a reason.
        await pilot.press("v")
        sev = await wait_screen(pilot, SeverityScreen)
        sev.query_one("#severity", Select).value = "P2"
        sev.query_one("#reason", Input).focus()
        await pilot.press(*"failures spreading", "ctrl+s")
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: app.dashboard.view.header.severity == "P2")
        assert events(app, "severity.changed")[-1].data["to"] == "P2"

        # A hand-written, back-dated timeline entry, then a correction of it (original kept).
        await pilot.press("a")
        entry = await wait_screen(pilot, TimelineEntryScreen)
        entry.query_one("#text", Input).value = "batch import started on the new repos"
        entry.query_one("#at", Input).value = "-10m"
        await pilot.press("ctrl+s")
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: bool(events(app, "timeline.added")))
        added = events(app, "timeline.added")[-1]
        timeline = app.dashboard.query_one(TimelinePane)
        timeline.focus()
        await wait_for(pilot, lambda: any(i.seq == added.seq for i in timeline._shown))
        timeline.highlighted = next(n for n, i in enumerate(timeline._shown) if i.seq == added.seq)
        await pilot.press("x")
        fix = await wait_screen(pilot, TimelineEntryScreen)
        fix.query_one("#text", Input).value = "batch import started on the three new repos"
        await pilot.press("ctrl+s")
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: bool(events(app, "timeline.corrected")))
        assert events(app, "timeline.corrected")[-1].data["seq"] == added.seq
        await wait_for(pilot, lambda: any("three new repos" in i.text for i in app.dashboard.view.timeline))

        # The PIR preview updates live: another IC adds a note from the shell while it is open.
        await pilot.press("p")
        pir = await wait_screen(pilot, PirScreen)
        assert "retry storm burned the quota" in pir.markdown
        other = IncidentStore(app.ctx.state_dir, app.ctx.config).open(inc_id)
        other.note("action", "cap retries at 3 with backoff", owner="platform")
        await wait_for(pilot, lambda: "cap retries at 3 with backoff" in pir.markdown, 60)
        await pilot.press("escape")
        await wait_dashboard(pilot)

        # Resolve, then preview (not blank) and export from the preview.
        await pilot.press("r")
        dialog = await wait_screen(pilot, ResolveScreen)
        # type only into the field that has the focus (keys sent before the dialog focused its first
        # field were lost on a loaded box: no summary, no resolve, no report)
        await wait_for(pilot, lambda: app.focused is dialog.query_one("#summary", Input))
        await pilot.press(*"breaker stopped the climb", "enter")
        await wait_for(pilot, lambda: app.focused is dialog.query_one("#resolution", Input))
        await pilot.press(*"circuit breaker enabled", "enter")
        # A drill ends with its report: response times against the targets.
        report = await wait_screen(pilot, DrillReportScreen, 120)
        # the PIR's SLO numbers were read back from the metric history at the resolution
        await wait_for(pilot, lambda: bool(events(app, "metrics.summarised")), 60)
        body = rendered_text(report_renderable(report.report))
        assert "Response times against the targets" in body and "How the panes ended" in body
        assert "its steps in order" in body and "drill clock" in body   # the runbook path, times in drill time
        # judged in drill time (wall minutes x the drill's speed), wall time beside
        # the panes' curves over the incident window are kept for replay and review
        assert (app.dashboard.presenter.incident.dir / "metrics.json").is_file()
        (resolved,) = [r for r in report.report.responses if r.key == "resolved"]
        # one span read two ways (wall minutes x speed; drill seconds / 60, the wall span taken to the
        # journal's microsecond first: scenario_time.Span.seconds): equal up to one microsecond of wall
        speed = report.report.speed
        assert resolved.minutes == pytest.approx(resolved.wall_minutes * speed, rel=1e-12, abs=1e-6 * speed / 60)
        assert resolved.met == (resolved.minutes < resolved.target_min)
        assert report.report.incident == inc_id
        assert app.dashboard.view.header.status == "resolved"
        await pilot.press("p")  # straight from the report to the PIR preview
        pir = await wait_screen(pilot, PirScreen)
        assert "breaker stopped the climb" in pir.markdown or "circuit breaker enabled" in pir.markdown
        assert pir.query_one("#pir-md").display and len(pir.markdown) > 200
        await pilot.press("e")
        await wait_dashboard(pilot)
        await wait_for(pilot, lambda: bool(events(app, "pir.exported")), 60)
        path = Path(events(app, "pir.exported")[-1].data["path"])
        if not path.is_absolute():
            path = app.dashboard.controller.incident.dir / path
        text = path.read_text()
        breaker = "breaker on in production" if "breaker on in production" in text else "Turn the pretend breaker on"
        for needle in ("retry storm burned the quota", "cap retries at 3 with backoff", breaker,
                       "tech lead already on the bridge"):
            assert needle in text, needle
        assert step_state(app, 5) == "pending"
