"""Snapshots of the dashboard and its dialogs on a frozen clock and the fake source.

Regenerate after an intended change with ``pytest tests/app/test_tui_snapshots.py --snapshot-update``
and review the SVGs in ``__snapshots__``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from tests.app.tui_support import make_app, metrics_drawn, mid_incident_view, sample_runbook


@pytest.fixture
def snap_compare(snap_compare: Callable[..., bool]) -> Callable[..., bool]:
    """The plugin's ``snap_compare``, with every text cursor held still before the screenshot: an
    input's cursor blinks every half second from its focus, so on a busy machine (a run_before
    slower than 0.5 s) the picture caught it off and the snapshot failed on one cell
    (test_decision_dialog_reminded_120x40, a -n 2 run under load). Keys are pressed here, after
    ``run_before`` as the plugin does, so the cursors of whatever they open are held too."""
    def compare(app: Any, press: Iterable[str] = (), terminal_size: tuple[int, int] = (80, 24),
                run_before: Callable[..., Any] | None = None) -> bool:
        async def still(pilot: Any) -> None:
            from textual.widgets import Input, TextArea

            if run_before is not None:
                result = run_before(pilot)
                if inspect.isawaitable(result):
                    await result
            await pilot.pause()
            await pilot.press(*press)
            for screen in pilot.app.screen_stack:
                for widget in (*screen.query(Input), *screen.query(TextArea)):
                    widget.cursor_blink = False      # Textual shows the cursor when blinking stops
            await pilot.pause()

        return snap_compare(app, terminal_size=terminal_size, run_before=still)

    return compare


def _mid_incident(app):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await metrics_drawn(pilot)
        app.dashboard.show_view(mid_incident_view(), sample_runbook())
        app.dashboard.query_one("#checklist").select_step(4)
        await pilot.pause()

    return run_before


def test_dashboard_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=_mid_incident(app))


def test_dashboard_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=_mid_incident(app))


def _with_rollback_beside(app):  # type: ignore[no-untyped-def]
    """After a GO: the test runbook stays current, a rollback runbook is open beside it (one
    step done), the commander working in the rollback one (w)."""
    from dataclasses import replace

    from panes.view import DecisionRow, OpenRunbook, StepView
    from tests.app.tui_support import rollback_runbook

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await metrics_drawn(pilot)
        go = DecisionRow("rollback", "Roll back to the previous release?", after_step=3, verdict="GO", by="dana")
        view = replace(mid_incident_view(), decisions=(go,), beside=(OpenRunbook(
            "RB-TEST-002", "Roll back the release (test)", {"r1": StepView(state="ok", exit_code=0, duration=0.4)},
            (replace(go, after_step=0),), "GO on rollback"),))
        app.dashboard.data.beside = (rollback_runbook(),)
        app.dashboard.show_view(view, sample_runbook())
        await pilot.pause()
        await pilot.pause()
        app.dashboard.query_one("#checklist").select_step(4)
        await pilot.press("w")
        await pilot.pause()
        app.dashboard.active_checklist().select_step(2)
        await pilot.pause()

    return run_before


def test_dashboard_two_runbooks_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=_with_rollback_beside(app))


def test_dashboard_two_runbooks_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=_with_rollback_beside(app))


def test_dashboard_no_incident_with_source_errors(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app(drill=False, errors={
        "p95_latency": "bad_data: 1:15: parse error: unexpected \")\"",
        "audit_gap": "connection refused (127.0.0.1:9090)",
    })

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await metrics_drawn(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_help_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await metrics_drawn(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_too_small(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await metrics_drawn(pilot)

    assert snap_compare(app, terminal_size=(40, 12), run_before=run_before)


PIR_MD = """# PIR: INC-20261119-1 — Model API quota exhausted

| | |
|---|---|
| Severity | P3 |
| Duration | 42 min |
| Incident commander | ic@bastion-1 |

## Timeline (UTC)

- 10:49:35 Incident declared from the quota pane (84.2%)
- 11:06:37 Step 4 Enable the circuit breaker: ok, exit 0, 2.1s

## Root cause

Batch import job fired 40k requests at once.

## Response times

| Milestone | Minutes | Target | Met |
|---|---|---|---|
| Mobilise | 0.4 | 10 | yes |
| Mitigate | 17.0 | 30 | yes |
"""


def test_run_step_dialog(snap_compare) -> None:  # type: ignore[no-untyped-def]
    from tests.app.test_tui_dialogs import run_dialog

    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await metrics_drawn(pilot)
        app.dashboard.show_view(mid_incident_view(), sample_runbook())
        app.push_screen(run_dialog())
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


def test_pir_preview(snap_compare) -> None:  # type: ignore[no-untyped-def]
    from tui.screens.modals.pir import PirScreen

    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await metrics_drawn(pilot)
        app.dashboard.show_view(mid_incident_view(), sample_runbook())
        app.push_screen(PirScreen(PIR_MD))
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


GATE = "share_429 < 10 for 2m within 10m"


def _gate_holding(app):  # type: ignore[no-untyped-def]
    """Step 4 (the breaker) ended ok and its verify gate, on the runbook's named query, holds:
    the header's gate line and the step pane say "429 share (worst provider)", never the PromQL."""
    from dataclasses import replace

    from panes.view import StepView
    from tui.messages import GateProgress
    from warroom.runbook.gate import NamedQuery

    book = sample_runbook()
    book.queries = {"share_429": NamedQuery("share_429", "429 share (worst provider)", "100 * max(sum by (provider)"
                                            " (rate(x{code='429'}[5m])) / sum by (provider) (rate(x[5m])))", "percent")}
    book.step(4).verify = GATE  # type: ignore[union-attr]
    view = mid_incident_view()
    view = replace(view, steps={**view.steps, "s4": StepView(state="ok", exit_code=0, duration=2.1)}, running=())

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await metrics_drawn(pilot)
        app.dashboard.show_view(view, book)
        app.dashboard.query_one("#checklist").select_step(4)
        app.dashboard.on_gate_progress(GateProgress(("RB-TEST-003", "s4"), 4, GATE, "pending", 9.1, 492.0,
                                                    "holding 40s of 2m00s", 40.0, 120.0))
        await pilot.pause()

    return run_before


def test_dashboard_gate_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=_gate_holding(app))


def test_dashboard_gate_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=_gate_holding(app))


def _decision(app):  # type: ignore[no-untyped-def]
    """RB-LAUNCH-005's Go/No-Go (16 criteria from the shipped runbook, in every state), overdue."""
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        from tests.app.test_tui_decision import rb_launch_005_view
        from tui.screens.modals.decision import DecisionScreen

        await metrics_drawn(pilot)
        app.push_screen(DecisionScreen(rb_launch_005_view(overdue=True), by="dana"))
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    return run_before


def test_decision_dialog_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """DECIDE-4: every verdict in view (two columns of marks and words, tallies), the evidence below."""
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=_decision(app))


def test_decision_dialog_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=_decision(app))


def _with_notices(app, run_before):  # type: ignore[no-untyped-def]
    """``run_before``, then the two notices of redteam-14 while the dialog is open: the decision's
    own overdue reminder (said in the Go/No-Go dialog) and a step's failure (the band below it)."""
    async def then(pilot) -> None:  # type: ignore[no-untyped-def]
        from tui.messages import Reminded, decision_subject

        await run_before(pilot)
        view = app.screen.view
        app.dashboard.on_reminded(Reminded(f"Go/No-Go overdue: {view.decision.question} (G decides)",
                                           decision_subject(view.runbook_id, view.decision.id)))
        app.notify("step 6 failed: exit 1 (kubectl: the server could not find the requested resource)",
                   severity="error", timeout=60)
        await pilot.pause()
        await pilot.pause()

    return then


def test_decision_dialog_reminded_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """redteam-14: the reminder is said in the dialog, the other notice below it; buttons in view."""
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=_with_notices(app, _decision(app)))


def test_decision_dialog_reminded_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=_with_notices(app, _decision(app)))


def rollback_dialog():  # type: ignore[no-untyped-def]
    """RB-LAUNCH-005's rollback step as the run dialog asks it: deployment and namespace from the
    runbook's defaults, good_revision (the one to type) empty."""
    return step_dialog("RB-LAUNCH-005-mass-failure.md", "rollback-deployment")


def step_dialog(runbook: str, step_id: str):  # type: ignore[no-untyped-def]
    """A shipped runbook's step as the run dialog asks it: each parameter the step takes, from the runbook's
    default when it has one (empty when not), with its help and pattern; the preview fills the command in."""
    import re

    from tests.conftest import REPO
    from tui.screens.modals.run_step import ParamField, Preview, RunStepScreen
    from warroom.runbook.parser import parse_runbook

    path = REPO / "runbooks" / runbook
    book = parse_runbook(path.read_text(), path)
    step = book.step(step_id)
    fields = [ParamField(p.name, p.default or "", "runbook" if p.default else None, p.help, p.pattern)
              for p in (book.params[name] for name in step.params)]

    def preview(params: dict[str, str]) -> Preview:
        empty = [k for k, v in params.items() if not v]
        if empty:
            return Preview(command=None, mutating=True, error=f"missing required parameter {empty[0]}")
        return Preview(command=re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: params[m.group(1)], step.command),
                       target={"context": "drill", "namespace": params["namespace"]}, mutating=True,
                       timeout=60, expect=step.expect)

    return RunStepScreen(number=step.number, label=step.label, section=step.section, fields=fields,
                         preview=preview, name=f"step {step.number}")


def _rollback(app):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await metrics_drawn(pilot)
        app.push_screen(rollback_dialog())
        await pilot.pause()
        await fields_settled(pilot)

    return run_before


async def fields_settled(pilot) -> None:  # type: ignore[no-untyped-def]
    """Until the run dialog's two views (its fields, itself) hold their offsets across a frame, at most 20: the
    focused field is scrolled into view after a refresh (``RunStepScreen._show_field``), and drawn before it was, on
    a busy machine, the scrollbar's thumb sat an eighth of a cell off (ci49b). Before snap54 Textual's own animated
    scroll on focus moved them too, frames later; a test that reads where they rest must not stop before that."""
    last = None
    for _ in range(20):
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        now = tuple((w.id, w.scroll_x, w.scroll_y, w.max_scroll_y)
                    for w in pilot.app.screen.query("#run-fields, #run-dialog"))
        if now == last:
            return
        last = now


def test_rollback_run_dialog_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """rollback-2: the cursor on good_revision (the empty one), scrolled into view with its whole label: its name,
    help and input together, the input's border naming it too (redteam48 F12)."""
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=_rollback(app))


def test_rollback_run_dialog_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=_rollback(app))


def _resume_offer(app):  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        from tests.app.test_tui_resume_offer import redteam_4_offer

        await metrics_drawn(pilot)
        redteam_4_offer(app)
        await pilot.pause()
        await pilot.pause()

    return run_before


def test_resume_offer_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """redteam-4: the row's "open" figure is never cut (two lines at 80 columns)."""
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=_resume_offer(app))


def test_resume_offer_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=_resume_offer(app))
