"""The dashboard's last line of defence: what reaches the terminal can never retitle it, write the
clipboard, or talk to the terminal (or tmux) through a control string.

Every text the panes draw is already made safe where it is built (``panes.safe``, the view values
in ``panes.view``), so no user text carries an escape sequence. This guard holds the promise for
text that a future widget forgets to pass through it: the app's driver is wrapped, and every byte
Textual writes goes through :func:`filter_output`, which keeps what Textual itself emits —
CSI sequences (cursor, colour, modes), OSC 8 hyperlinks and OSC 22 pointer shapes — and drops:

* every other OSC string: window/icon title (0, 1, 2), clipboard (52), palette, notifications,
  working directory, iTerm2/kitty extensions;
* DCS, SOS, PM and APC strings (tmux passthrough, sixel, kitty graphics, DECRQSS);
* any other escape (``ESC c`` resets the terminal), and C0/C1 controls other than
  ``\\t \\n \\r`` (a lone ``BEL`` is Textual's bell and is kept).

The one clipboard write let through is the one the IC asked for (``WarroomApp.copy_to_clipboard``),
matched by its exact payload.
"""

from __future__ import annotations

import base64
import re
import threading
from typing import Any

_DROP = re.compile(
    r"""
      \x1b\](?!(?:8|22);[^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\))    # OSC but a whole link (8) or pointer (22)
          [^\x07\x1b]*(?:\x07|\x1b\\)?
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?                    # DCS SOS PM APC
    | \x1b(?![\[\]\\78=>PX^_])                         # any other escape (its ESC is dropped)
    | [\x00-\x06\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f]   # controls (not BEL TAB LF CR ESC)
    """,
    re.VERBOSE,
)

_CHEAP = re.compile(r"[\x00-\x06\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f]|\x1b(?!\[)")

_allowed_lock = threading.Lock()
_allowed: set[str] = set()


def clipboard_sequence(text: str) -> str:
    """The OSC 52 sequence Textual writes for ``App.copy_to_clipboard(text)``."""
    return f"\x1b]52;c;{base64.b64encode(text.encode('utf-8')).decode('ascii')}\a"


def allow_clipboard(text: str) -> None:
    """Let the next clipboard write of exactly ``text`` through (the IC pressed Copy)."""
    with _allowed_lock:
        _allowed.add(clipboard_sequence(text))


def filter_output(data: str) -> str:
    """``data`` without the sequences listed in the module docstring."""
    if _CHEAP.search(data) is None:
        return data  # the common frame: CSI sequences and text only
    with _allowed_lock:
        allowed = set(_allowed)

    def keep(m: re.Match[str]) -> str:
        seq = m.group(0)
        if seq in allowed:
            with _allowed_lock:
                _allowed.discard(seq)
            return seq
        return ""

    return _DROP.sub(keep, data)


def guarded_driver(base: type[Any]) -> type[Any]:
    """A subclass of the driver class ``base`` whose ``write`` goes through :func:`filter_output`."""

    def write(self: Any, data: str) -> None:
        base.write(self, filter_output(data))

    return type(f"Guarded{base.__name__}", (base,), {"write": write, "__doc__": __doc__})
