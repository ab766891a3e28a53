"""The dashboard's text factory: every text a person, a runbook, a server or an alert wrote is
drawn through here — sanitised by :func:`warroom.safe_text.safe_text` (escapes and control
characters shown visibly, never acted on) and never read as markup.

Panes take ``panes.view`` values, whose text fields are cleaned when the value is built
(:func:`clean_fields`); widgets that draw other text (runbook titles, labels and commands,
parameters, alert text, dialogs) build it with :func:`ui_text` or append :func:`safe_text`.
``tests/security/test_sink_choke_points.py`` fails when a widget is handed a non-literal string
another way. ``tui.terminal_guard`` stands behind all of it at the driver.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from rich.text import Text

from warroom.safe_text import one_line as one_line, safe_text as safe_text


class SafeText(Text):
    """A Rich ``Text`` that sanitises every string put into it (constructor, ``append``,
    ``append_text``). The dashboard imports ``Text`` from here, never from Rich, so a text
    built for a widget cannot carry an escape sequence whatever it is built from."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(safe_text(text), *args, **kwargs)

    def append(self, text: str | Text, style: Any = None) -> SafeText:
        if isinstance(text, str):
            text = safe_text(text)
        elif not safe_text(text.plain) == text.plain:
            text = SafeText(text.plain, style=text.style)
        super().append(text, style)
        return self

    def append_text(self, text: Text) -> SafeText:
        return self.append(text)


def ui_text(value: object = "", style: str = "", *, newlines: bool = True, **options: Any) -> SafeText:
    """A ``Text`` of ``value`` made safe (one line when ``newlines`` is False); literal
    brackets stay literal (``Text`` never parses markup)."""
    return SafeText(safe_text(value, newlines=newlines), style=style, **options)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    return value


def clean_fields(obj: Any) -> None:
    """Sanitise every text field of a (possibly frozen) dataclass instance in place — strings
    and tuples of strings; call it from ``__post_init__`` so no value can be built raw."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        cleaned = _clean(value)
        if cleaned is not value and cleaned != value:
            object.__setattr__(obj, f.name, cleaned)
