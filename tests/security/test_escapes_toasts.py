"""Toasts repeat error messages and names people and servers wrote: every one is sanitised text,
never markup, whichever widget raised it (``WarroomApp.notify`` is the one way to a toast)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from tests.app.tui_support import make_app
from tests.security.payloads import ESCAPES, forbidden, tagged, tags_seen


@pytest.mark.asyncio
async def test_toasts_are_sanitised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[dict[str, Any]] = []
    real = App.notify

    def record(self: App[Any], message: str, **kw: Any) -> None:
        shown.append({"message": message, **kw})
        real(self, message, **kw)

    monkeypatch.setattr(App, "notify", record)   # what reaches Textual's toast
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        app.dashboard.notify(tagged("toast") + " [bold]MARKUP[/]", title=tagged("toast-title"), markup=True)
        await pilot.pause()
    note = shown[-1]
    for text in (note["message"], note["title"]):
        assert not forbidden(text), forbidden(text)
    assert note["markup"] is False and "[bold]MARKUP[/]" in note["message"]
    assert tags_seen(note["message"], "toast") == set(ESCAPES)
    assert "\n" not in note["title"] and tags_seen(note["title"], "toast-title") == set(ESCAPES)
