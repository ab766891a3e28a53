"""Whether a copy to the clipboard can reach the commander's clipboard at all.

The dashboard copies with OSC 52 (the terminal sets its own clipboard; it works over SSH). Where
that sequence cannot arrive, saying "copied" is a false mark: under tmux's default
(``set-clipboard external``) tmux drops a program's OSC 52, GNU screen drops it, and the Linux
console has no clipboard. There the status update is saved to a file instead and the dialog
says why; the journal records it as drafted, never as sent.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ClipboardRoute:
    works: bool
    why: str          # how the copy travels, or why it cannot


Runner = Callable[..., subprocess.CompletedProcess[str]]


def clipboard_route(env: Mapping[str, str] | None = None, run: Runner = subprocess.run) -> ClipboardRoute:
    """How an OSC 52 copy would travel from here (``env``: the dashboard's environment)."""
    env = os.environ if env is None else env
    if env.get("TMUX"):
        try:
            proc = run(["tmux", "show-options", "-gv", "set-clipboard"], capture_output=True, text=True,
                       timeout=2, stdin=subprocess.DEVNULL, check=False)
            value = proc.stdout.strip() if proc.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            value = ""
        if value == "on":
            return ClipboardRoute(True, "through tmux (set-clipboard on) to your terminal")
        shown = f"'{value}'" if value else "unknown (tmux did not say)"
        return ClipboardRoute(False, f"tmux drops a program's clipboard copy (set-clipboard is {shown};"
                                     " `tmux set -g set-clipboard on` lets it through)")
    if env.get("STY"):
        return ClipboardRoute(False, "GNU screen drops a program's clipboard copy (OSC 52)")
    if env.get("TERM", "") in ("linux", "dumb", ""):
        return ClipboardRoute(False, f"this terminal ({env.get('TERM') or 'no TERM'}) has no clipboard to set")
    return ClipboardRoute(True, "to your terminal's clipboard (OSC 52; the terminal must allow it)")
