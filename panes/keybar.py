"""The key bar: the dashboard's bottom line of key hints, drawn as one widget.

It shows what Textual's ``Footer`` shows — each shown binding of the focused chain once per
action (its key as the keymap has it now, then its description; a disabled one dimmed) and the
command palette's key on the right — and, like the footer, a click on a hint presses its key.

Why not ``Footer``: the footer is a container of one ``FooterKey`` widget per hint (16 on the
dashboard) that it throws away and rebuilds every time the bindings change, which happens three
times while the dashboard starts (mount, first focus, screen activation). Styling and laying out
those 48 short-lived widgets was about a third of the CPU the dashboard spent before its first
frame (``python -m bench --only startup``). This bar is one widget whose one line is re-rendered
when the bindings change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from panes.safe import SafeText as Text
from textual import events
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.screen import Screen


@dataclass(frozen=True)
class Hint:
    """One hint on the bar: the key pressed when it is clicked, and its cells on the line."""

    key: str
    start: int
    end: int
    enabled: bool


class KeyBar(Widget, can_focus=False):
    """One line of key hints for the screen it is on (see the module docstring)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"keybar--key", "keybar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        & > .keybar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keybar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's own name
        super().__init__(id=id)
        self.hints: list[Hint] = []

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def shown(self) -> tuple[list[tuple[Binding, bool]], tuple[Binding, bool] | None]:
        """The hints to show, in order (first binding of each action), and the palette's."""
        active = self.screen.active_bindings
        seen: set[str] = set()
        hints: list[tuple[Binding, bool]] = []
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                hints.append((binding, enabled))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = (binding, enabled)
        return hints, palette

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("keybar--key")
        text_style = self.get_component_rich_style("keybar--description")
        hints, palette = self.shown()
        right = Text()
        if palette is not None:
            binding, enabled = palette
            # As the footer draws it: a thin rule, then the key and its description, no padding.
            right.append("▏", text_style)
            right.append(self.app.get_key_display(binding), key_style)
            right.append(f" {binding.description} ", text_style)
            if not enabled:
                right.stylize("dim")
        room = max(0, width - right.cell_len)
        line = Text(no_wrap=True, overflow="crop")
        self.hints = []
        for binding, enabled in hints:
            start = line.cell_len
            if start >= room:
                break
            piece = Text()
            piece.append(f" {self.app.get_key_display(binding)} ", key_style)
            piece.append(f"{binding.description} ", text_style)
            if not enabled:
                piece.stylize("dim")
            line.append_text(piece)
            self.hints.append(Hint(binding.key, start, min(line.cell_len, room), enabled))
        line.truncate(room, pad=True)
        if palette is not None and right.cell_len <= width:
            self.hints.append(Hint(palette[0].key, room, width, palette[1]))
            line.append_text(right)
        return line

    def hint_at(self, x: int) -> Hint | None:
        return next((h for h in self.hints if h.start <= x < h.end), None)

    def on_click(self, event: events.Click) -> None:
        hint = self.hint_at(event.x)
        if hint is None:
            return
        event.stop()
        if hint.enabled:
            self.app.simulate_key(hint.key)
        else:
            self.app.bell()
