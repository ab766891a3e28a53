"""The one sanitiser for text that is not step output: titles, notes, timeline entries, runbook
titles, labels and commands, parameter values, alert text, error messages.

Step output is terminal output and keeps its colour (:mod:`warroom.execute.sanitize`). Everything
else is *data* that some person or system typed, and no byte of it may act on a terminal, a
spreadsheet or a Markdown reader. :func:`safe_text` renders every character a terminal would act
on *visibly* instead of deleting it, so an IC sees that something odd was there:

* C0 controls and DEL become their Unicode control pictures (``ESC`` → ``␛``, ``BEL`` → ``␇``,
  ``CR`` → ``␍``); ``\\n`` and ``\\t`` are kept where the sink allows several lines
  (``newlines=True``), else shown as ``⏎`` and a space;
* C1 controls (U+0080–U+009F, among them the 8-bit CSI/OSC/DCS introducers) become ``⟨9B⟩``;
* bidirectional overrides and isolates (the "Trojan source" characters) and the Unicode line and
  paragraph separators become ``⟨U+202E⟩``, so text cannot be reordered or split on screen;
* lone surrogates (from undecodable bytes) become U+FFFD.

Sinks reach it through one choke point each — the CLI's streams (:mod:`warroom.cli.terminal`),
the dashboard's text factory (``panes.safe``), the PIR's Jinja ``finalize`` and the CSV writer —
so a new field cannot bypass it.
"""

from __future__ import annotations

import re

_BIDI_AND_SEPARATORS = "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff" + _BIDI_AND_SEPARATORS + "]")


def _picture(ch: str) -> str:
    c = ord(ch)
    if c < 0x20:
        return chr(0x2400 + c)
    if c == 0x7F:
        return "\u2421"
    if c <= 0x9F:
        return f"\u27e8{c:02X}\u27e9"
    if 0xD800 <= c <= 0xDFFF:
        return "\ufffd"
    return f"\u27e8U+{c:04X}\u27e9"


_MULTI = {ch: _picture(ch) for ch in map(chr, [*range(0x20), *range(0x7F, 0xA0)])}
_MULTI.update({ch: _picture(ch) for ch in _BIDI_AND_SEPARATORS})
_MULTI["\n"] = "\n"
_MULTI["\t"] = "\t"
_ONE_LINE = dict(_MULTI)
_ONE_LINE["\n"] = "\u23ce"
_ONE_LINE["\t"] = " "


def safe_text(value: object, *, newlines: bool = True) -> str:
    """``value`` as text with nothing a terminal would act on (see the module docstring).

    ``"\\r\\n"`` is read as one line break. ``None`` becomes the empty string.
    """
    text = "" if value is None else str(value)
    if not _UNSAFE.search(text):
        return text  # the common case: one C-speed scan
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    table = _MULTI if newlines else _ONE_LINE
    return _UNSAFE.sub(lambda m: table.get(m.group(), _picture(m.group())), text)


def one_line(value: object) -> str:
    """:func:`safe_text` for a field that must stay on one line (a title in a list, a label)."""
    return safe_text(value, newlines=False)


def is_safe(text: str, *, newlines: bool = True) -> bool:
    """True when :func:`safe_text` would leave ``text`` unchanged."""
    return safe_text(text, newlines=newlines) == text


# A spreadsheet evaluates a cell that starts with one of these (after optional whitespace in some
# programs): =1+1, +cmd|' /C calc'!A0, -2+3, @SUM(…), and a tab or CR ahead of any of them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_cell(value: object) -> str:
    """A CSV cell no spreadsheet will execute: sanitised, and a leading formula character
    (also after leading spaces) is quoted away with an apostrophe, as OWASP recommends."""
    text = "" if value is None else str(value)
    stripped = text.lstrip(" ")
    if stripped.startswith(_FORMULA_START):
        text = "'" + text
    return safe_text(text)
