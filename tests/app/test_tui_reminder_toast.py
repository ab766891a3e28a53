"""harness-5: the Go/No-Go overdue reminder is a reminder, not a failure. It came as an error
toast (``ActionFailed``), on its own, at whatever moment the deadline passed: the e2e harness
(``TmuxTerm.press``) read it as the refusal of whatever key had just been sent, and a commander
saw a red "error" for a clock that ran out. Now it is its own message (``Reminded``), a warning
titled "Reminder" in the toast and in ``$WARROOM_NOTIFY_LOG``; the harness never takes a
reminder for a refusal, and a key's own refusal still is one."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.drill_support import declare_prefilled, drill_ctx, events
from tests.app.tui_support import wait_for
from tests.e2e.notices import Notice, NoticeLog
from tui.app import WarroomApp
from tui.messages import REMINDER
from warroom import scenario_time as stime


async def test_the_go_no_go_overdue_reminder_is_a_warning_titled_reminder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the reminder, not the floor people get (test_decisions.py): 15 drill min at x300 are 3 s of wall time
    # once the 2-wall-minute floor is lowered for this run; with it this test waited two wall minutes
    monkeypatch.setattr(stime, "HUMAN_FLOOR", 1.0)
    ctx = drill_ctx(tmp_path, scenario="mass-failure", speed=300.0)
    log = NoticeLog(tmp_path / "notices.jsonl")
    ctx.config.notify_log = log.path
    app = WarroomApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await declare_prefilled(pilot)
        await wait_for(pilot, lambda: bool(events(app, "decision.overdue")), 120)
        def reminders() -> list[Notice]:
            return [n for n in log.read() if "Go/No-Go overdue: Roll back to the pilot" in n.message]

        await wait_for(pilot, lambda: bool(reminders()), 30)       # the app draws (and logs) it on its loop
        (reminder,) = reminders()
    assert reminder.severity == "warning" and reminder.title == REMINDER, reminder
    assert not reminder.refusal
    assert not any(n.severity == "error" for n in log.read()), log.read()
    # a key's refusal is still one: a warning or an error with any other title
    assert Notice("warning", "", "No incident is open: press d to declare one.").refusal
    assert Notice("error", "", "evidence: prometheus down").refusal
