"""The dashboard's keys in a ``--read-only`` seat (redteam47 F9: ``warroom --read-only resume`` opened "Change
severity" on ``v``, resolved on ``r`` and recorded a verdict on ``G``). Every dashboard binding is pressed: each
one whose line the core refuses a read-only seat (``warroom.incident.observer_seat``) says so at the key, in the
core's words, with no dialog opened; the others (reading, moving, the step rule's run dialog) may open theirs.
The journal is byte for byte what it was. A binding added later fails here until it is classified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.app.drill_support import FLOWS_RUNBOOK, drill_ctx, wait_dashboard
from tests.app.tui_support import record_notifications, wait_for
from tui.app import WarroomApp
from tui.bindings import APP_BINDINGS, DASHBOARD_BINDINGS
from tui.launch import resume_context
from warroom.cli.common import config_from_args
from warroom.incident.store import IncidentStore

#: Refused at the key from a read-only seat (binding id → what the core's words say it cannot do).
REFUSED = {
    "incident.declare": "declare an incident", "runbook.open": "attach a runbook", "runbook.close": "close a runbook",
    "step.tick": "tick a step", "step.skip": "skip a step", "step.cancel": "cancel a step",
    "incident.note": "add a note", "incident.status_update": "record a stakeholder update",
    "incident.severity": "change its severity", "incident.status": "change its status",
    "incident.roles": "assign a role", "incident.approvals": "approve a step", "incident.resolve": "resolve it",
    "pir.export": "export the PIR", "timeline.add": "add a timeline entry",
    "timeline.correct": "correct a timeline entry",
    "incident.decide": "record a Go/No-Go verdict",
}
#: Open (reading, moving; enter: the step rule's run dialog, whose Run a read-only seat's step rule judges).
OPEN = {"runbook.switch", "pane.next", "pane.previous", "step.run", "step.view", "pir.preview", "drill.report",
        "alerts.view", "app.help", "app.palette", "app.quit"}


def test_every_dashboard_binding_is_classified() -> None:
    ids = {b.id for b in [*APP_BINDINGS, *DASHBOARD_BINDINGS]}
    assert ids == set(REFUSED) | OPEN, "a new binding: refused from a read-only seat (REFUSED) or not (OPEN)"


async def test_a_read_only_seats_keys_write_nothing_and_say_so_at_the_key(tmp_path: Path) -> None:
    ctx = drill_ctx(tmp_path)
    drill = ctx.drill.extra["drill"]
    inc = IncidentStore(ctx.config.state_dir(), ctx.config).create(
        title="quota climbing", severity="P3", runbook=FLOWS_RUNBOOK, source={},
        drill={"scenario": "rate-limit", "speed": drill.speed, "dir": str(drill.path)})
    drill.attach_incident(inc.id)
    step = _observed(inc)
    journal = inc.dir / "journal.jsonl"
    before = journal.read_bytes()
    # the seat as `warroom --read-only resume` makes it
    from tui.cli import build_parser

    argv = ["--read-only", "resume", inc.id, "--state-dir", str(ctx.config.state_dir())]
    cfg = config_from_args(build_parser(argv).parse_args(argv))
    cfg.runbooks.dirs = list(ctx.config.runbooks.dirs)
    seat = resume_context(cfg, inc.id)
    seat.refresh, seat.tick, seat.offer_resume = 0.2, 0.2, False
    app = WarroomApp(seat)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_dashboard(pilot)
        dash = app.dashboard
        await wait_for(pilot, lambda: dash.controller.live is not None and dash.runbook is not None)
        await wait_for(pilot, lambda: bool(dash.readings))          # a look has read the panes (and wrote nothing)
        _observed_is_owed(dash, inc, step)
        said = record_notifications(app)
        keys = {b.id: b.key.split(",")[0] for b in DASHBOARD_BINDINGS}
        for binding, action in REFUSED.items():
            said.clear()
            await pilot.press(keys[binding])
            await wait_for(pilot, lambda: bool(said))
            assert app.screen is dash, binding                      # no dialog whose answer would be refused
            assert said[-1].startswith("read-only session (--read-only): nothing recorded") and \
                f"this seat cannot {action}" in said[-1] and "an observer's seat reads" in said[-1], (binding, said[-1])
        # reading is never refused (the PIR preview and the drill report too: left out, seconds of rendering)
        dash.active_checklist().select_step(2)                      # a runnable step (run, or skip)
        await pilot.pause()
        for binding in ("step.run", "step.view", "alerts.view"):
            said.clear()
            await pilot.press(keys[binding])
            await wait_for(pilot, lambda: app.screen is not dash or bool(said))     # its dialog, or a word
            assert not any(s.startswith("read-only session") for s in said), binding
            if binding == "step.view":                                # the step whole: run is its only act
                assert set(getattr(app.screen, "acts", ())) <= {"run"}
            if app.screen is not dash:
                await pilot.press("escape")
                await wait_dashboard(pilot)
    assert journal.read_bytes() == before                           # nothing journaled, the looks' neither


def _observed(inc: Any) -> Any:
    """A read-only seat's run of the runbook's first step, journaled as that seat writes it (``observer_seat``)."""
    from warroom.journal import events as ev

    step = inc.runbook().steps[0]
    ref = {"step": step.number, "step_id": step.id, "label": step.label, "runbook_id": inc.runbook().id,
           "output": "outputs/0001-observed.log"}
    inc.config.observer = True                    # its lines marked by ``Incident._append``
    inc._append(ev.STEP_STARTED, {**ref, "command": step.command or "true", "mutating": False})
    inc._append(ev.STEP_FINISHED, {**ref, "status": "ok", "exit_code": 0, "duration": 0.1})
    inc.config.observer = False
    return step


def _observed_is_owed(dash: Any, inc: Any, step: Any) -> None:
    """fix47ro's left item on the dashboard: the checklist is what the responders did, so a step only an observer ran
    stays ○ with the run said beside it, the heading's count does not move, and its Output pane never says "Not run
    yet" of a run the journal holds."""
    from panes.runbook import progress_text, step_prompt

    view = dash.view.steps[step.id]
    assert view.state == "pending" and (view.reason or "").startswith("ran by an observer (read-only seat) at ")
    assert not step_prompt(step, view).plain.startswith("✔")
    assert progress_text(inc.runbook(), dash.view.steps).startswith("0/")
    assert dash.no_output_note(step).startswith("Not run by the response yet: ran by an observer (read-only seat)")
