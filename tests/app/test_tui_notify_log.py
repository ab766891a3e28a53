"""Every toast the dashboard shows is recorded where ``$WARROOM_NOTIFY_LOG`` says (E26-1).

A toast lives seconds; an e2e test polling the screen on a busy box, or a commander who looked
away, could not tell a refused key (a warning came and went) from a lost one. The record is the
app's own words, in the order shown, kept after the toast is gone. The one place every toast
passes is ``WarroomApp.notify``, so these tests press real keys and read the file, never the
wrapper a test installs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.app.drill_support import drill_ctx, wait_dashboard
from tests.app.tui_support import record_notifications, wait_for
from tui.app import WarroomApp
from warroom.config import load_config


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_the_environment_names_the_log_through_the_config(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "none"))      # no config file: built-in defaults
    monkeypatch.delenv("WARROOM_CONFIG", raising=False)
    monkeypatch.delenv("WARROOM_NOTIFY_LOG", raising=False)
    assert load_config().notify_log is None
    monkeypatch.setenv("WARROOM_NOTIFY_LOG", "~/said.jsonl")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert load_config().notify_log == tmp_path / "said.jsonl"
    config = tmp_path / "c.toml"
    config.write_text("read_only = true\n")
    assert load_config(config).notify_log == tmp_path / "said.jsonl"   # and with a config file


async def test_a_refused_key_s_toast_is_still_read_after_it_vanished(tmp_path: Path) -> None:
    log = tmp_path / "notifications.jsonl"
    ctx = drill_ctx(tmp_path)
    ctx.config.notify_log = log
    app = WarroomApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_dashboard(pilot)
        before = len(_lines(log))          # the drill's own notice at start, if any
        await pilot.press("enter")          # no incident: refused, in a warning
        await wait_for(pilot, lambda: len(_lines(log)) > before)
        app.clear_notifications()           # the toast is gone from the screen ...
        await pilot.pause()
        said = _lines(log)[before:]         # ... and still in the record, in the app's words
        assert said == [{"severity": "warning", "title": "",
                         "message": "No incident is open: press d to declare one."}]


async def test_the_record_holds_what_the_toast_shows_not_the_markup_or_controls_it_was_given(tmp_path: Path) -> None:
    log = tmp_path / "notifications.jsonl"
    ctx = drill_ctx(tmp_path)
    ctx.config.notify_log = log
    app = WarroomApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_dashboard(pilot)
        before = len(_lines(log))
        app.notify("step [b]3[/b] failed\x1b]0;pwned\x07", title="run\nner", severity="error")
        said = _lines(log)[before:]
        assert len(said) == 1 and said[0]["severity"] == "error"
        assert "\x1b" not in said[0]["message"] and "\x07" not in said[0]["message"]
        assert said[0]["message"].startswith("step [b]3[/b] failed")   # markup kept as text, as the toast shows it
        assert "\n" not in said[0]["title"]


async def test_a_log_that_cannot_be_written_is_said_once_and_the_dashboard_goes_on(tmp_path: Path) -> None:
    ctx = drill_ctx(tmp_path)
    ctx.config.notify_log = tmp_path          # a directory: every append fails
    app = WarroomApp(ctx)
    said = record_notifications(app)                 # from the start: the drill's notice may be the first
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_dashboard(pilot)
        app.notify("first")
        app.notify("second")
        failed = [m for m in said if m.startswith("notifications are no longer recorded: ")]
        assert len(failed) == 1 and str(tmp_path) in failed[0], said
        assert said[-2:] == ["first", "second"]
        assert app.notify_log is None                                     # gave up after the first failure
        await pilot.press("enter")                                        # the dashboard still answers keys
        await wait_for(pilot, lambda: "No incident is open: press d to declare one." in said)
