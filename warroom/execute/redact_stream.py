"""Redacting output while it streams: lines cut across reads, over-long lines, PEM blocks.

A step's output arrives in arbitrary chunks, and a secret split between two reads must still be
caught; the buffering that guarantees this (hold a partial line, keep an overlap, track an open
private-key block) is its own concern, separate from what the patterns are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import re

from warroom.execute.redact_rules import _PEM_BEGIN, _PEM_BODY, _PEM_END, _is_private_key_b64, marker
from warroom.execute.sanitize import LINE_CAP


class Redactor(Protocol):
    """What the stream needs of ``warroom.execute.redact.Redactor`` (which builds streams)."""

    def spans(self, data: bytes) -> Iterable[tuple[int, int]]: ...

    def line_set(self, data: bytes) -> bytes: ...

HOLD = LINE_CAP + 4096
"""A partial line longer than this is passed on in pieces (bytes)."""

OVERLAP = 4096
"""Bytes of a long line kept back when a piece is passed on, so a secret at the cut is seen whole."""


# A base64-wrapped private key cut into lines (``base64 key.pem``, 76 columns): the first line
# ends in an unpadded base64 run that decodes to a PEM private-key header; the lines after it
# are pure base64 until the run ends.
_B64_PEM_OPEN = re.compile(rb"(LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,})[ \t\r]*$")
_B64_LINE = re.compile(rb"[ \t]*[A-Za-z0-9+/]+={0,2}[ \t\r]*")

_B64_MARK = b"LS0tLS1CRUdJTi"


class RedactStream:
    """Redacts one output stream as it arrives; see the module docstring for the guarantees."""

    def __init__(self, redactor: Redactor) -> None:
        self.r = redactor
        self._pending = b""
        self._parts: list[bytes] = []  # more of the current line, joined lazily
        self._parts_len = 0
        self._in_pem = False
        self._in_b64 = False  # inside the continuation lines of a wrapped base64 private key
        self._b64_width = 0   # ... whose full lines are this long (the last one is shorter)

    def feed(self, data: bytes) -> bytes:
        """Returns redacted complete lines (plus, for an over-long line, a safe piece of it)."""
        if b"\n" not in data and len(self._pending) + self._parts_len + len(data) <= HOLD:
            self._parts.append(data)
            self._parts_len += len(data)
            return b""
        if self._parts:
            self._pending += b"".join(self._parts)
            self._parts, self._parts_len = [], 0
        buf = self._pending + data if self._pending else data
        nl = buf.rfind(b"\n")
        if nl < 0:
            complete, rest = b"", buf
        else:
            complete, rest = buf[:nl + 1], buf[nl + 1:]
        out = self._block(complete) if complete else b""
        if len(rest) > HOLD:
            cut = self._safe_cut(rest)
            out += self._piece(rest[:cut])
            rest = rest[cut:]
        self._pending = rest
        return out

    def flush(self) -> bytes:
        rest = self._pending + b"".join(self._parts)
        self._pending, self._parts, self._parts_len = b"", [], 0
        return self._piece(rest) if rest else b""

    # ------------------------------------------------------------------

    def _safe_cut(self, data: bytes) -> int:
        cut = len(data) - OVERLAP
        for s, e in sorted(self.r.spans(data)):
            if s < cut < e:
                cut = s
        return cut if cut > 0 else len(data)

    def _piece(self, data: bytes) -> bytes:
        """Part of a line (no newline): through the PEM state, then the line rules."""
        if self._in_pem:
            m = _PEM_END.search(data)
            if m is None:
                return b""
            self._in_pem = False
            data = data[m.end():]
            if not data.strip():
                return b""
        m = _PEM_BEGIN.search(data)
        if m is not None:
            end = _PEM_END.search(data, m.end())
            if end is None:
                self._in_pem = True
                return self.r.line_set(data[:m.start()]) + marker("private_key")
            data = data[:m.start()] + b"\x00PEM\x00" + data[end.end():]
            return self.r.line_set(data).replace(b"\x00PEM\x00", marker("private_key"))
        return self.r.line_set(data)

    def _block(self, data: bytes) -> bytes:
        """Complete lines (ending in a newline)."""
        if self._in_b64 or _B64_MARK in data:
            return self._b64_block(data)
        if not self._in_pem and b"-----BEGIN" not in data:
            return self.r.line_set(data)
        return self._pem_block(data)

    def _b64_block(self, data: bytes) -> bytes:
        """Lines around a wrapped base64 private key: its first line is redacted by the rules,
        the pure-base64 lines that continue it are dropped, the rest goes the usual way."""
        out: list[bytes] = []
        plain: list[bytes] = []
        for line in data.splitlines(keepends=True):
            body = line.rstrip(b"\n")
            if self._in_b64:
                width = len(body.strip())
                if _B64_LINE.fullmatch(body) and width <= self._b64_width:
                    # a full-width line continues the key; a shorter (or padded) one ends it
                    if width < self._b64_width or body.rstrip(b" \t\r").endswith(b"="):
                        self._in_b64 = False
                    continue
                self._in_b64 = False
            plain.append(line)
            m = _B64_PEM_OPEN.search(body)
            if m is not None and not m.group(1).endswith(b"=") and _is_private_key_b64(m.group(1)):
                self._in_b64 = True
                self._b64_width = len(m.group(1))
                out.append(self._rest(b"".join(plain)))
                plain = []
        if plain:
            out.append(self._rest(b"".join(plain)))
        return b"".join(out)

    def _rest(self, data: bytes) -> bytes:
        if not self._in_pem and b"-----BEGIN" not in data:
            return self.r.line_set(data)
        return self._pem_block(data)

    def _pem_block(self, data: bytes) -> bytes:
        """Swallow private-key blocks line by line; text around the markers is kept."""
        out: list[bytes] = []
        pos = 0
        n = len(data)
        plain_start = 0
        while pos < n:
            if not self._in_pem:
                m = _PEM_BEGIN.search(data, pos)
                if m is None:
                    break
                line_start = data.rfind(b"\n", 0, m.start()) + 1
                line_end = data.find(b"\n", m.start())
                out.append(self.r.line_set(data[plain_start:line_start]))
                end = _PEM_END.search(data, m.end(), line_end)
                if end is not None:
                    line = data[line_start:m.start()] + b"\x00PEM\x00" + data[end.end():line_end]
                    out.append(self.r.line_set(line).replace(b"\x00PEM\x00", marker("private_key")) + b"\n")
                else:
                    out.append(self.r.line_set(data[line_start:m.start()]) + marker("private_key") + b"\n")
                    self._in_pem = True
                pos = plain_start = line_end + 1
                continue
            line_end = data.find(b"\n", pos)
            line = data[pos:line_end]
            end = _PEM_END.search(line)
            if end is not None:
                self._in_pem = False
                after = line[end.end():]
                pos = line_end + 1
                if after.strip():
                    out.append(self.r.line_set(after + b"\n"))
                plain_start = pos
                continue
            if _PEM_BODY.fullmatch(line):
                pos = plain_start = line_end + 1
                continue
            # Not key material: the block was cut short; treat this line normally.
            self._in_pem = False
            plain_start = pos
        out.append(self.r.line_set(data[plain_start:]) if plain_start < n else b"")
        return b"".join(out)
