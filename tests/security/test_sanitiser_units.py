"""The sanitiser, the CSV neutraliser, the CLI's guarded streams and the dashboard's driver guard
on their own: every escape kind, shown visibly, nothing a terminal acts on left."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings, strategies as st

from tests.security.payloads import ESCAPES, forbidden
from warroom.cli.terminal import SafeStream, step_output_stream, write_step_output
from warroom.safe_text import csv_cell, one_line, safe_text


@pytest.mark.parametrize("kind", sorted(ESCAPES))
def test_every_escape_kind_is_shown_not_acted_on(kind: str) -> None:
    out = safe_text(f"before {ESCAPES[kind]} after")
    assert not forbidden(out), out
    assert out.startswith("before ") and out.endswith(" after")
    assert len(out) >= len(ESCAPES[kind].replace("\r\n", "\n")) + 13  # shown, not deleted


def test_visible_forms() -> None:
    assert safe_text("\x1b]0;T\x07") == "␛]0;T␇"
    assert safe_text("a\rb") == "a␍b" and safe_text("a\r\nb") == "a\nb"
    assert safe_text("\x9b2J") == "⟨9B⟩2J"
    assert safe_text("\u202eevil") == "⟨U+202E⟩evil"
    assert safe_text("\x7f\x00") == "␡␀"
    assert safe_text("tab\tand\nline") == "tab\tand\nline"
    assert one_line("two\nlines\tx") == "two⏎lines x"
    assert safe_text(None) == "" and safe_text(42) == "42"
    assert safe_text("plain ünïcode — ok ✔") == "plain ünïcode — ok ✔"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=None), max_size=60))
def test_any_text_comes_out_clean(text: str) -> None:
    out = safe_text(text)
    assert not forbidden(out)
    assert safe_text(out) == out  # idempotent: a second pass changes nothing
    assert "\n" not in one_line(text)


@pytest.mark.parametrize("value", ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
                                   "  =HYPERLINK(\"http://x\")", "＝1+1"])
def test_csv_formula_cells_are_neutralised(value: str) -> None:
    cell = csv_cell(value)
    assert cell.startswith("'") and not forbidden(cell)


def test_csv_plain_cells_unchanged() -> None:
    assert csv_cell("rate limit exhaustion") == "rate limit exhaustion"
    assert csv_cell("12") == "12" and csv_cell("") == ""


def test_safe_stream_is_the_only_way_out() -> None:
    raw = io.StringIO()
    stream = SafeStream(raw)  # type: ignore[arg-type]
    print("title \x1b]0;x\x07 [b]markup[/b]", file=stream)
    assert raw.getvalue() == "title ␛]0;x␇ [b]markup[/b]\n"
    assert step_output_stream(stream) is raw
    write_step_output("\x1b[31mred\x1b[0m \x1b]0;t\x07", stream)  # type: ignore[arg-type]
    assert raw.getvalue().endswith("\x1b[31mred\x1b[0m \n")  # step output keeps colour only


def test_dashboard_driver_guard() -> None:
    from tui.terminal_guard import allow_clipboard, filter_output

    frame = "\x1b[1;1H\x1b[31mok\x1b[0m"
    assert filter_output(frame) == frame
    dropped = 0
    for kind in ("osc0-title-bel", "osc2-title-st", "osc52-clipboard", "dcs-tmux-passthrough", "apc-string",
                 "ris-reset", "c1-csi", "c1-osc-title", "nul-del", "backspace"):
        out = filter_output("a" + ESCAPES[kind] + "b")
        assert "\x1b]0" not in out and "\x1b]2" not in out and "\x1b]52" not in out
        assert "\x1bP" not in out and "\x1b_" not in out and "\x1bc" not in out
        assert not any(0x80 <= ord(c) <= 0x9f for c in out)
        assert not any(c in out for c in "\x00\x7f\x08"), (kind, out)
        dropped += 1
    assert dropped == 10
    link = "\x1b]8;id=1;https://example.com\x1b\\x\x1b]8;;\x1b\\"
    assert filter_output(link) == link  # Textual's own hyperlinks stay
    allow_clipboard("status update")
    import base64
    seq = f"\x1b]52;c;{base64.b64encode(b'status update').decode()}\a"
    assert filter_output(seq) == seq  # the copy the IC asked for, once
    assert filter_output(seq) == ""
