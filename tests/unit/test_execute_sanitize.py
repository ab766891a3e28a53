"""The output sanitiser: colour kept, every other escape gone, same result however it is chunked."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warroom.execute.sanitize import LINE_CAP, Sanitizer, sanitize

ESC = "\x1b"


@pytest.mark.parametrize(("raw", "clean"), [
    ("plain text\n", "plain text\n"),
    (f"{ESC}[31mred{ESC}[0m {ESC}[1;38;5;196mbold{ESC}[m\n", f"{ESC}[31mred{ESC}[0m {ESC}[1;38;5;196mbold{ESC}[m\n"),
    (f"{ESC}]0;pwned title\x07after\n", "after\n"),                       # OSC 0, BEL
    (f"{ESC}]2;title{ESC}\\after\n", "after\n"),                           # OSC 2, ST
    (f"{ESC}]52;c;ZWNobyBwd25lZA=={ESC}\\x\n", "x\n"),                    # OSC 52 clipboard
    (f"{ESC}]52;c;ZWNobyBwd25lZA==\x07x\n", "x\n"),
    (f"{ESC}]8;;https://evil.example/{ESC}\\click{ESC}]8;;{ESC}\\\n", "click\n"),  # OSC 8 hyperlink
    (f"{ESC}]0;never terminated\n", "\n"),
    (f"{ESC}[2J{ESC}[H{ESC}[10;20H{ESC}[5A{ESC}[K{ESC}[?1049h{ESC}[?25l{ESC}[6n{ESC}[3g{ESC}[s{ESC}[ qok\n", "ok\n"),
    (f"{ESC}P1$r0m{ESC}\\{ESC}Xsos{ESC}\\{ESC}^pm{ESC}\\{ESC}_apc{ESC}\\ok\n", "ok\n"),  # DCS SOS PM APC
    (f"{ESC}c{ESC}7{ESC}8{ESC}M{ESC}D{ESC}={ESC}>{ESC}(0{ESC}#8ok\n", "ok\n"),  # single-char and nF escapes
    ("bell\x07 nul\x00 bs\x08 vt\x0b ff\x0c so\x0e del\x7f\n", "bell nul bs vt ff so del\n"),
    ("\u009b2J\u009d0;title\u009c\u0090dcs\u009c\u0085ok\n", "ok\n"),     # C1 (8-bit) controls
    ("tab\tkept\n", "tab\tkept\n"),
    ("10%\r50%\r100%\n", "100%\n"),                                         # progress bar
    ("a\rb\n", "b\n"),
    ("windows line\r\n", "windows line\n"),
    ("trailing cr\r\n\r\n", "trailing cr\n\n"),
    ("héllo wörld ✓ 日本\n", "héllo wörld ✓ 日本\n"),
    (f"{ESC}[31;{'1;' * 40}m too long sgr\n", " too long sgr\n"),
    (f"{ESC}{ESC}[32mgreen\n", f"{ESC}[32mgreen\n"),
    (f"x{ESC}", "x"),
    (f"cut{ESC}[12", "cut"),
])
def test_examples(raw: str, clean: str) -> None:
    assert sanitize(raw) == clean


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert sanitize(b"ok \xff\xfe done\n") == "ok \ufffd\ufffd done\n".encode()
    assert sanitize(b"\x9b2J raw C1 byte\n") == "\ufffd2J raw C1 byte\n".encode()


def test_streaming_across_an_escape_split() -> None:
    s = Sanitizer()
    out = b"".join(s.feed(c) for c in [b"\x1b]0;ti", b"tle\x07vis", b"ible\n\x1b", b"[31mred\n"]) + s.flush()
    assert out == b"visible\n\x1b[31mred\n"


def test_only_complete_lines_until_flush() -> None:
    s = Sanitizer()
    assert s.feed(b"partial") == b""
    assert s.feed(b" line\nnext") == b"partial line\n"
    assert s.flush() == b"next"


def test_long_line_is_emitted_in_pieces_and_memory_stays_bounded() -> None:
    s = Sanitizer()
    out = []
    for _ in range(40):
        out.append(s.feed(b"x" * 10_000))
        assert len(s._pending) + s._parts_len <= LINE_CAP
    out.append(s.feed(b"\n"))
    assert b"".join(out) == b"x" * 400_000 + b"\n"


# ---- properties --------------------------------------------------------------------------

_PIECES = st.sampled_from([
    "\x1b", "[", "]", "\x07", "\\", "m", "0", "1", ";", "2", "H", "P", "X", "^", "_", "\n", "\r", "\t",
    "\x9b", "\x9c", "\x9d", "\x90", "\x18", "\x1a", "a", "é", "日", "52;c;", "8;;", "?25l",
])
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=4)), max_size=60).map("".join)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    out, prev = [], 0
    for p in points:
        out.append(data[prev:p])
        prev = p
    out.append(data[prev:])
    return out


@settings(max_examples=400, deadline=None)
@given(_TEXT, st.lists(st.integers(min_value=0, max_value=10_000), max_size=12))
def test_chunking_never_changes_the_result(text: str, cuts: list[int]) -> None:
    data = text.encode("utf-8", "surrogatepass")
    s = Sanitizer()
    streamed = b"".join(s.feed(c) for c in _chunks(data, cuts)) + s.flush()
    assert streamed == sanitize(data)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(min_value=0, max_value=1000), max_size=8))
def test_arbitrary_bytes_never_raise_and_leave_nothing_dangerous(data: bytes, cuts: list[int]) -> None:
    s = Sanitizer()
    out = b"".join(s.feed(c) for c in _chunks(data, cuts)) + s.flush()
    assert out == sanitize(data)
    text = out.decode("utf-8")  # always valid UTF-8
    _assert_safe(text)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_output_is_safe_and_idempotent(text: str) -> None:
    once = sanitize(text)
    _assert_safe(once)
    assert sanitize(once) == once


def _assert_safe(text: str) -> None:
    import re

    without_sgr = re.sub(r"\x1b\[[0-9;:]{0,64}m", "", text)
    bad = [c for c in without_sgr if (ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F]
    assert not bad, f"control characters left: {bad!r} in {text!r}"


def test_long_lines_chunked_the_same_as_whole() -> None:
    line = ("ab\x1b]0;t\x07c" * 20_000).encode() + b"\r" + b"z" * (LINE_CAP + 5) + b"\n" + b"tail"
    whole = sanitize(line)
    for size in (1, 7, 4096, 65_536, 100_000):
        s = Sanitizer()
        streamed = b"".join(s.feed(line[i:i + size]) for i in range(0, len(line), size))
        assert streamed + s.flush() == whole
