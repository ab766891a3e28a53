"""Terminal-output sanitiser: colour survives, nothing else that a terminal would act on does.

A step's output is shown in the IC's terminal (often over SSH), so a command must not be able to
retitle the window, write the clipboard (OSC 52), plant hyperlinks (OSC 8), move the cursor, clear
the screen, switch modes, or ring bells. We keep SGR colour sequences (``ESC [ … m``, at most 64
parameter bytes) and remove everything else:

* CSI sequences other than SGR (7-bit ``ESC [`` and 8-bit ``0x9b``), terminated or not;
* OSC strings (``ESC ]`` / ``0x9d``) ended by BEL or ST, and DCS/SOS/PM/APC strings
  (``ESC P`` ``ESC X`` ``ESC ^`` ``ESC _`` and their 8-bit forms) ended by ST; CAN/SUB abort them;
* nF escapes (``ESC ( B`` …), single-character escapes (``ESC c``, ``ESC 7`` …) and lone ESC;
* C0 controls other than ``\\t``, ``\\n`` and ``\\r``, DEL, and C1 controls (U+0080–U+009F).

Deliberate differences from a real terminal, chosen because we only ever keep *text*:

* an escape string never spans a newline: an OSC that is not terminated by the end of its line is
  dropped up to the newline and the next line is shown as text. A terminal would swallow all
  following output until a terminator, hiding the rest of a step's output;
* ``\\r`` is applied per line the way a progress bar means it: a line is split on ``\\r`` and its
  last non-empty segment is kept (``"a\\rb"`` → ``"b"``, ``"done\\r\\n"`` → ``"done"``);
* invalid UTF-8 becomes U+FFFD, so everything downstream is valid text.

Streaming: :class:`Sanitizer` is fed raw bytes as they are read from a pipe, split anywhere, and
emits only complete lines (each ending in ``\\n``); :meth:`Sanitizer.flush` emits the last partial
line. A line longer than :data:`LINE_CAP` bytes is handed on in pieces of that size (cut on a
character boundary, counted from the line's start), and every piece and line is cleaned on its
own, so the result depends only on the content, never on how it was chunked:
``feed(a) + feed(b) + flush() == sanitize(a + b)`` for every split.

Throughput matters (``seq 1 1000000`` must be captured at a good fraction of disk speed), so the
common case — plain printable text — is detected with C-speed byte operations and passed through
untouched; regular expressions only run on batches that hold a control byte.
"""

from __future__ import annotations

import codecs
import re
from typing import overload

LINE_CAP = 65536
"""Longest line kept whole (bytes); longer lines are cleaned and passed on in pieces this long."""

# Everything a terminal acts on, except SGR (excluded by the look-aheads) and \t \n \r.
_ESCAPES = re.compile(
    rb"""
      \x1b\[(?![0-9;:]{0,64}m)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?      # CSI (not SGR), maybe cut short
    | \xc2\x9b[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?                     # 8-bit CSI
    | (?:\x1b\]|\xc2\x9d)(?:[^\x07\x1b\x18\x1a\n\xc2]|\xc2(?!\x9c))*
          (?:\x07|\x1b\\|\xc2\x9c|[\x18\x1a])?                          # OSC ... BEL | ST
    | (?:\x1b[PX^_]|\xc2[\x90\x98\x9e\x9f])(?:[^\x1b\x18\x1a\n\xc2]|\xc2(?!\x9c))*
          (?:\x1b\\|\xc2\x9c|[\x18\x1a])?                               # DCS SOS PM APC ... ST
    | \x1b[\x20-\x2f]+[\x30-\x7e]?                                      # nF escapes
    | \x1b(?!\[[0-9;:]{0,64}m)[\x20-\x7e]?                              # other escapes, lone ESC
    | \xc2[\x80-\x9f]                                                   # remaining C1 controls
    | [\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]                         # C0 (not \t \n \r ESC), DEL
    """,
    re.VERBOSE,
)
_CR_LINE = re.compile(rb"[^\n]*\r[^\n]*")
_SGR = re.compile(rb"\x1b\[[0-9;:]{0,64}m")
_SGR_TEXT = re.compile(r"\x1b\[[0-9;:]{0,64}m")

# Bytes that never need attention: printable ASCII, \t and \n. Deleting them with bytes.translate
# (a C loop) leaves only the bytes that might: controls, DEL, and non-ASCII.
_PLAIN_ASCII = bytes([9, 10, *range(0x20, 0x7F)])
_PLAIN_ANY = _PLAIN_ASCII + bytes(range(0x80, 0x100))


def _last_segment(m: re.Match[bytes]) -> bytes:
    segments = [s for s in m.group(0).split(b"\r") if s]
    return segments[-1] if segments else b""


def _needs_work(data: bytes) -> bool:
    """True if the batch holds anything but printable text (cheap: C-level byte passes only)."""
    if data.isascii():
        return bool(data.translate(None, _PLAIN_ASCII))
    return bool(data.translate(None, _PLAIN_ANY)) or b"\xc2" in data


def clean_lines(data: bytes) -> bytes:
    """Clean a batch of whole lines (or one piece of a long line); ``data`` must be valid UTF-8."""
    if not _needs_work(data):
        return data
    data = _ESCAPES.sub(b"", data)
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
        if b"\r" in data:
            data = _CR_LINE.sub(_last_segment, data)
    return data


def _char_boundary(data: bytes, cut: int) -> int:
    """Move ``cut`` (< len(data)) back so it does not split a UTF-8 character."""
    c = cut
    while c > 0 and c > cut - 3 and (data[c] & 0xC0) == 0x80:
        c -= 1
    return c if c > 0 and (data[c] & 0xC0) != 0x80 else cut


def _long_line_start(data: bytes) -> int:
    """Index where a line of LINE_CAP+ bytes starts in ``data``, or -1 (about len/LINE_CAP finds)."""
    pos, n = 0, len(data)
    while n - pos > LINE_CAP:
        nl = data.rfind(b"\n", pos, pos + LINE_CAP + 1)
        if nl < 0:
            return pos
        pos = nl + 1
    return -1


def _clean_block(data: bytes) -> bytes:
    """Clean complete lines, splitting any over-long line into LINE_CAP pieces first."""
    if len(data) <= LINE_CAP:
        return clean_lines(data)
    out: list[bytes] = []
    while True:
        start = _long_line_start(data)
        if start < 0:
            out.append(clean_lines(data))
            return b"".join(out)
        out.append(clean_lines(data[:start]))
        end = data.find(b"\n", start)
        rest = _emit_pieces(data[start:end], out)
        out.append(clean_lines(rest + b"\n"))
        data = data[end + 1:]


def _emit_pieces(content: bytes, out: list[bytes]) -> bytes:
    """Clean and append LINE_CAP pieces of a line's content (no newline); return what is left.

    Pieces are counted from the line's start, so a line is cut at the same places whether it
    arrives whole or in chunks.
    """
    while len(content) > LINE_CAP:
        cut = _char_boundary(content, LINE_CAP)
        out.append(clean_lines(content[:cut]))
        content = content[cut:]
    return content


class Sanitizer:
    """Streaming sanitiser for one output stream (see the module docstring for what it keeps)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = b""  # the current line, decoded and re-encoded (valid UTF-8), no newline yet
        self._parts: list[bytes] = []  # more of the current line, joined lazily (no quadratic copies)
        self._parts_len = 0

    def _utf8(self, data: bytes) -> bytes:
        if data.isascii() and self._decoder.getstate()[0] == b"":
            return data
        return self._decoder.decode(data).encode("utf-8", "surrogatepass")

    def feed(self, data: bytes) -> bytes:
        """Clean ``data``; returns cleaned complete lines (and pieces of over-long lines)."""
        text = self._utf8(data)
        if b"\n" not in text and len(self._pending) + self._parts_len + len(text) <= LINE_CAP:
            self._parts.append(text)
            self._parts_len += len(text)
            return b""
        if self._parts:
            self._pending += b"".join(self._parts)
            self._parts, self._parts_len = [], 0
        buf = self._pending + text if self._pending else text
        nl = buf.rfind(b"\n")
        if nl < 0:
            complete, rest = b"", buf
        else:
            complete, rest = buf[:nl + 1], buf[nl + 1:]
        out = _clean_block(complete) if complete else b""
        if len(rest) > LINE_CAP:
            # ``rest`` starts at the line start or at a piece boundary (earlier pieces were
            # already emitted), so cutting it here matches cutting the whole line.
            pieces = [out]
            rest = _emit_pieces(rest, pieces)
            out = b"".join(pieces)
        self._pending = rest
        return out

    def flush(self) -> bytes:
        """End of stream: the cleaned last partial line (no newline is added)."""
        tail = self._decoder.decode(b"", final=True).encode("utf-8", "surrogatepass")
        rest = self._pending + b"".join(self._parts) + tail
        self._pending, self._parts, self._parts_len = b"", [], 0
        if not rest:
            return b""
        out: list[bytes] = []
        rest = _emit_pieces(rest, out)
        out.append(clean_lines(rest))
        return b"".join(out)


@overload
def sanitize(data: bytes) -> bytes: ...
@overload
def sanitize(data: str) -> str: ...
def sanitize(data: bytes | str) -> bytes | str:
    """Sanitise a whole text at once (same result as streaming it through :class:`Sanitizer`)."""
    s = Sanitizer()
    if isinstance(data, str):
        raw = data.encode("utf-8", "surrogatepass")
        return (s.feed(raw) + s.flush()).decode("utf-8", "replace")
    return s.feed(data) + s.flush()


def strip_sgr(data: bytes) -> bytes:
    """Drop the colour sequences too (for plain-text excerpts, matching and the PIR)."""
    return _SGR.sub(b"", data) if b"\x1b" in data else data


def strip_sgr_text(text: str) -> str:
    return _SGR_TEXT.sub("", text) if "\x1b" in text else text
