"""Command palette (ctrl+p): every dashboard action as "category: verb", plus "open runbook: …".

Titles are built from the same ``Binding`` objects the keys use, so the palette, the footer and
the help screen can never disagree about what exists.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from panes.safe import SafeText as Text, one_line
from tui.bindings import DASHBOARD_BINDINGS

if TYPE_CHECKING:
    from tui.host import WarroomHost

CATEGORIES = {"incident": "incident", "step": "step", "runbook": "runbook", "pir": "pir", "pane": "view"}


def palette_entries(app: WarroomHost) -> list[tuple[str, str, Callable[[], object]]]:
    """(title, help, callback) for every command the palette offers."""
    from tui.screens.modals.forms import NOTE_TAGS  # the dialogs load when first needed

    entries: list[tuple[str, str, Callable[[], object]]] = []
    dash = app.dashboard
    for b in DASHBOARD_BINDINGS:
        if not b.id:
            continue
        category = CATEGORIES.get(b.id.split(".")[0], "view")
        title = f"{category}: {b.description.lower()}"
        entries.append((title, f"key {app.key_for(b)}",
                        partial(app.run_action, b.action, dash)))
    entries.append(("app: show keys", "key ?", partial(app.run_action, "help")))
    for tag, label in NOTE_TAGS:
        entries.append((f"note: add {label}", f"a note tagged {tag}", partial(dash.action_note, tag)))
    for rb in app.ctx.ensure_runbooks():
        # runbook ids and titles are data: one line, nothing a terminal acts on
        entries.append((f"open runbook: {one_line(rb.id)} {one_line(rb.title)}", f"{len(rb.steps)} steps",
                        partial(dash.open_runbook_by_id, rb.id)))
    return entries


class WarroomCommands(Provider):
    async def startup(self) -> None:
        """The runbook library may still be parsing (it loads after the first frame): wait for
        it off the event loop, so opening the palette early never blocks the screen."""
        await asyncio.to_thread(self.wapp.ctx.ensure_runbooks)

    @property
    def wapp(self) -> WarroomHost:
        return self.app  # type: ignore[return-value]

    async def discover(self) -> Hits:
        for title, help_text, callback in palette_entries(self.wapp):
            yield DiscoveryHit(Text(title), callback, text=title, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in palette_entries(self.wapp):
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
