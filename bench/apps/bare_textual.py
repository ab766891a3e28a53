"""The startup and memory baseline: the smallest Textual app there is, one ``Static``.

Run as ``python -m bench.apps.bare_textual``. It shows a fixed line the bench waits for, so its
"first frame" is detected exactly the way warroom's is: by reading the terminal.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

READY_TEXT = "bare textual baseline ready"


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static(READY_TEXT)


if __name__ == "__main__":
    BareApp().run()
