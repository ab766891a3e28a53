"""The journal's line format: one JSON object a line, each carrying the hash of the line before.

Writers, readers, the verifier and the follower must agree on these bytes exactly (a PIR or an
audit replays them years later), so the encoding, the per-line check and the parsed types are
defined once, with no file handling mixed in.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from warroom.errors import WarroomError
from warroom.journal import numbers

GENESIS = "0" * 64

_H_MARK = b',"h":"'
_SURROGATE = re.compile("[\ud800-\udfff]")


class JournalError(WarroomError):
    """The journal cannot be written (disk full, read-only, locked): nothing was half-written."""

    exit_code = 6


class HeadMoved(JournalError):
    """A conditional append (``append(..., after=SEQ)``) found the journal past ``SEQ``: someone
    else appended since the caller judged, so nothing was written; judge again and retry."""


@dataclass(frozen=True)
class Event:
    """One journal line, parsed."""

    seq: int
    ts: datetime
    actor: str
    type: str
    data: dict[str, Any]
    prev: str
    h: str
    line: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq, "ts": format_ts(self.ts), "actor": self.actor,
            "type": self.type, "data": self.data, "prev": self.prev, "h": self.h,
        }


@dataclass(frozen=True)
class JournalIssue:
    """A problem found while reading or verifying; ``seq`` is the line's seq when it is known."""

    line: int
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" (seq {self.seq})" if self.seq is not None else "")
        return f"{where}: {self.message}"


@dataclass
class JournalRead:
    """What a reader got: the valid prefix of events, and what stopped it (if anything)."""

    events: list[Event] = field(default_factory=list)
    issues: list[JournalIssue] = field(default_factory=list)
    torn_line: int | None = None

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def torn(self) -> bool:
        """True when the last line was cut short; it is ignored, never fatal."""
        return self.torn_line is not None

    def describe(self) -> list[str]:
        """Human-readable warnings for a reader working on the valid prefix."""
        notes = [str(i) for i in self.issues]
        if self.torn_line is not None:
            notes.append(f"line {self.torn_line}: incomplete last line (torn write) ignored")
        return notes


def format_ts(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_ts(text: str) -> datetime:
    """Parse our own ``YYYY-MM-DDTHH:MM:SS.mmmZ``; anything else must still match the format."""
    if len(text) == 24 and text[10] == "T" and text[19] == "." and text[23] == "Z":
        # fromisoformat is C code, ~20x faster than strptime: replaying 10,000 events depends on it.
        return datetime.fromisoformat(text[:23]).replace(tzinfo=UTC)
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def encode_line(seq: int, ts: datetime, actor: str, type_: str, data: dict[str, Any], prev: str) -> bytes:
    """Serialise one event; the trailing ``h`` hashes exactly the bytes before it."""
    event = {"seq": seq, "ts": format_ts(ts), "actor": actor, "type": type_, "data": data, "prev": prev}
    try:
        text = json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    except ValueError:
        # A non-finite float (a pane at +Inf): standard JSON has none, so it is written in its
        # Prometheus form ("+Inf"), the one codec readers decode (``warroom.journal.numbers``).
        event["data"] = numbers.encode_tree(data)
        text = json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (a file name that is not UTF-8, decoded by os.fsdecode): every line must
        # be valid UTF-8 for every reader, so it is recorded as U+FFFD, not as bytes nobody can read.
        body = _SURROGATE.sub("\ufffd", text).encode("utf-8")
    prefix = body[:-1]  # drop the closing brace
    digest = hashlib.sha256(prefix).hexdigest()
    return prefix + _H_MARK + digest.encode() + b'"}\n'


def _check_line(raw: bytes, lineno: int) -> tuple[Event | None, str | None]:
    """Parse a raw line (no newline) and check its own hash. Returns (event, problem)."""
    try:
        obj = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None, "not valid JSON (edited or corrupted)"
    if not isinstance(obj, dict):
        return None, "not a journal event object"
    try:
        seq = obj["seq"]
        ev = Event(
            seq=int(seq), ts=parse_ts(obj["ts"]), actor=str(obj["actor"]), type=str(obj["type"]),
            data=dict(obj["data"]), prev=str(obj["prev"]), h=str(obj["h"]), line=lineno,
        )
    except (KeyError, TypeError, ValueError):
        return None, "missing or malformed fields (edited or corrupted)"
    cut = raw.rfind(_H_MARK)
    if cut < 0 or raw[cut + len(_H_MARK):] != ev.h.encode() + b'"}':
        return ev, "hash field malformed (edited)"
    if hashlib.sha256(raw[:cut]).hexdigest() != ev.h:
        return ev, "content does not match its hash (line was edited)"
    return ev, None


def _split_lines(blob: bytes) -> tuple[list[bytes], bool]:
    """Split into complete lines; a trailing fragment without newline is torn."""
    if not blob:
        return [], False
    parts = blob.split(b"\n")
    return parts[:-1], parts[-1] != b""
