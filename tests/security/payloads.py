"""Hostile text for the red-team tests: terminal escapes of every kind, and secrets in every
format and form. Shared by the CLI, export and dashboard tests so the counts in the notes match.
"""

from __future__ import annotations

import re

# kind -> text that a terminal (or tmux, or a spreadsheet) would act on
ESCAPES: dict[str, str] = {
    "osc0-title-bel": "\x1b]0;PWNED-TITLE\x07",
    "osc2-title-st": "\x1b]2;PWNED-TITLE\x1b\\",
    "osc52-clipboard": "\x1b]52;c;UFdORUQtQ0xJUA==\x07",
    "osc8-hyperlink": "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "csi-clear-home": "\x1b[2J\x1b[H",
    "csi-cursor-up": "\x1b[5A",
    "sgr-colour": "\x1b[31;1mRED\x1b[0m",
    "dcs-tmux-passthrough": "\x1bPtmux;\x1b\x1b]0;PWNED-TITLE\x07\x1b\\",
    "apc-string": "\x1b_Gkitty\x1b\\",
    "ris-reset": "\x1bc",
    "c1-csi": "\x9b2J",
    "c1-osc-title": "\x9d0;PWNED-TITLE\x9c",
    "bel": "\x07",
    "backspace": "abc\x08\x08\x08",
    "cr-overwrite": "safe\rEVIL",
    "nul-del": "\x00\x7f",
    "bidi-override": "\u202eevil\u202c",
}

# Characters no sink but step output may emit: C0 (not \t \n), DEL, C1, bidi controls.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def tagged(channel: str) -> str:
    """One text carrying every escape kind, each behind a tag naming channel and kind."""
    return " ".join(f"«{channel}:{kind}»{payload}" for kind, payload in ESCAPES.items())


def tags_seen(text: str, channel: str) -> set[str]:
    """The escape kinds whose tag for ``channel`` is in ``text``."""
    return {kind for kind in ESCAPES if f"«{channel}:{kind}»" in text}


def forbidden(text: str) -> list[str]:
    """The forbidden characters in ``text`` with a little context, for assertion messages."""
    return [repr(text[max(0, m.start() - 20):m.end() + 20]) for m in FORBIDDEN.finditer(text)][:5]
