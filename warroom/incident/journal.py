"""The append-only, hash-chained incident journal (``journal.jsonl``).

Everything that happens in an incident is one line here, and every view of the incident (UI,
CLI, PIR) is rebuilt from these lines, so the journal is the one thing that must survive a crash,
a ``kill -9`` or a dropped SSH connection:

* every append is written with one ``write`` under an exclusive ``flock`` and ``fsync``-ed before
  it returns, so two processes never interleave and a crash loses at most the line being written;
* each line ends with ``"h"``: the SHA-256 of the line's own bytes before that field, and carries
  ``"prev"``: the ``h`` of the line before it. Any edited byte breaks its line's hash; a removed or
  reordered line breaks the chain and the ``seq`` run; ``journal.head`` remembers the last seq so
  trailing lines cannot vanish unnoticed;
* a torn last line (a write cut short) is reported and ignored by readers, and moved aside to
  ``journal.torn`` by the next writer so the journal stays well-formed.
"""

from __future__ import annotations

import errno
import fcntl
import gc
import getpass
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.errors import WarroomError

GENESIS = "0" * 64
_H_MARK = b',"h":"'
_TAIL_CHUNK = 8192
_HEAD_SIZE = 128


class JournalError(WarroomError):
    """The journal cannot be written (disk full, read-only, locked): nothing was half-written."""

    exit_code = 6


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


def default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


def encode_line(seq: int, ts: datetime, actor: str, type_: str, data: dict[str, Any], prev: str) -> bytes:
    """Serialise one event; the trailing ``h`` hashes exactly the bytes before it."""
    body = json.dumps(
        {"seq": seq, "ts": format_ts(ts), "actor": actor, "type": type_, "data": data, "prev": prev},
        ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str,
    ).encode("utf-8")
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


class Journal:
    """One incident's journal file. Safe to use from several processes at once."""

    def __init__(self, path: str | os.PathLike[str], actor: str | None = None,
                 lock_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.actor = actor or default_actor()
        self.lock_timeout = lock_timeout
        self._tail: tuple[int, int, str] | None = None  # (file size, last seq, last h)

    @property
    def head_path(self) -> Path:
        return self.path.with_name(self.path.name.replace(".jsonl", "") + ".head")

    # ------------------------------------------------------------------ writing

    @contextmanager
    def _locked(self) -> Iterator[int]:
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT
        try:
            fd = os.open(self.path, flags, 0o600)
        except OSError as exc:
            raise JournalError(f"{self.path}: cannot open journal: {exc.strerror}") from None
        try:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise JournalError(
                            f"{self.path}: journal is locked by another warroom process"
                            f" (waited {self.lock_timeout:g}s); try again"
                        ) from None
                    time.sleep(0.005)
            yield fd
        finally:
            os.close(fd)  # closing releases the flock

    def _read_tail(self, fd: int, size: int) -> tuple[int, str, int]:
        """Return (last seq, last h, size of the well-formed part) by reading back from the end."""
        if size == 0:
            return 0, GENESIS, 0
        pos = size
        buf = b""
        while True:
            step = min(_TAIL_CHUNK, pos)
            pos -= step
            buf = os.pread(fd, step, pos) + buf
            # Need the last complete line: two newlines (or start of file) around it.
            body_end = buf.rfind(b"\n")
            good_size = pos + body_end + 1 if body_end >= 0 else 0
            if body_end >= 0:
                start = buf.rfind(b"\n", 0, body_end)
                if start >= 0 or pos == 0:
                    raw = buf[start + 1:body_end]
                    ev, _problem = _check_line(raw, 0)
                    if ev is None:
                        raise JournalError(
                            f"{self.path}: last complete line is unreadable; run `warroom incident verify`"
                        )
                    return ev.seq, ev.h, good_size
            if pos == 0:
                return 0, GENESIS, 0

    def append(self, type_: str, data: dict[str, Any] | None = None, *, ts: datetime | None = None) -> Event:
        """Append one event; returns it once it is on disk (flushed and fsynced)."""
        data = dict(data or {})
        with self._locked() as fd:
            size = os.fstat(fd).st_size
            if self._tail is not None and self._tail[0] == size:
                _, seq, prev = self._tail
                good = size
            else:
                seq, prev, good = self._read_tail(fd, size)
            if good != size:
                self._set_aside_torn(fd, good, size)
            now = ts or datetime.now(UTC)
            line = encode_line(seq + 1, now, self.actor, type_, data, prev)
            try:
                written = os.write(fd, line)
                if written != len(line):
                    os.ftruncate(fd, good)
                    raise JournalError(f"{self.path}: cannot append to journal: only {written} of {len(line)}"
                                      " bytes could be written (disk full?); nothing recorded")
                os.fsync(fd)
            except OSError as exc:
                # Leave no half line behind: cut back to the last good size.
                try:
                    os.ftruncate(fd, good)
                except OSError:
                    pass  # the original error below is the one to report
                raise JournalError(f"{self.path}: cannot append to journal: {exc.strerror}; nothing recorded") from None
            ev, _ = _check_line(line[:-1], 0)
            assert ev is not None
            self._tail = (good + len(line), ev.seq, ev.h)
            self._write_head(ev)
            return ev

    def _set_aside_torn(self, fd: int, good: int, size: int) -> None:
        fragment = os.pread(fd, size - good, good)
        with open(self.path.with_name("journal.torn"), "ab") as f:
            f.write(fragment + b"\n")
        os.chmod(self.path.with_name("journal.torn"), 0o600)
        os.ftruncate(fd, good)

    def _write_head(self, ev: Event) -> None:
        """Best-effort pointer to the last line; lagging behind after a crash is fine.

        One fixed-size ``pwrite`` over the same bytes each time (under the journal's lock), not a
        temp file and a rename: it halves the cost of an append, and a record this small sits in
        one disk sector, so it is never half-old, half-new.
        """
        record = json.dumps({"seq": ev.seq, "h": ev.h}).encode()
        record = record.ljust(_HEAD_SIZE - 1) + b"\n"
        try:
            fd = os.open(self.head_path, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError:
            return  # the head is a tamper hint, not data: the journal line itself is durable
        try:
            os.pwrite(fd, record, 0)
            if os.fstat(fd).st_size > _HEAD_SIZE:
                os.ftruncate(fd, _HEAD_SIZE)
        except OSError:
            return
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ reading

    def read(self) -> JournalRead:
        return read_journal(self.path)

    def verify(self) -> JournalRead:
        return verify_journal(self.path)


def _iter_raw(path: Path) -> tuple[list[bytes], bool]:
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return [], False
    return _split_lines(blob)


def read_journal(path: str | os.PathLike[str]) -> JournalRead:
    """Read the valid prefix of a journal; stop at the first line that fails its checks."""
    follower = JournalFollower(path)
    follower.poll()
    return follower.snapshot()


@contextmanager
def gc_paused(size: int, threshold: int = 2000) -> Iterator[None]:
    """Pause the cyclic garbage collector while bulk-parsing ``size`` lines.

    Parsing a long journal allocates tens of thousands of acyclic dicts; each triggers the
    collector's generation scans, which then cost as much as the parsing itself. Nothing here
    creates cycles, so nothing is lost by deferring collection until the batch is done.
    """
    if size < threshold or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class JournalFollower:
    """Reads one journal incrementally: each ``poll()`` parses only what was appended since.

    The UI and the CLI keep one per open incident so that refreshing after every append (ours,
    another process's, a step supervisor's) costs the new lines, not the whole file. Like
    ``read_journal`` it stops at the first line that fails its checks: everything after a damaged
    line is untrusted, so the valid prefix is all a reader ever sees. A trailing fragment without
    its newline is a write in progress or a torn write: it is left for the next poll.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.events: list[Event] = []
        self.issues: list[JournalIssue] = []
        self.torn_line: int | None = None
        self._offset = 0
        self._line = 0
        self._prev = GENESIS
        self._seq = 0

    @property
    def stopped(self) -> bool:
        """True once a damaged line was met: later lines are never read."""
        return bool(self.issues)

    def poll(self) -> list[Event]:
        """Read what was appended since the last poll; returns only the new valid events."""
        if self.issues:
            return []
        try:
            with open(self.path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size < self._offset:
                    self.issues.append(JournalIssue(
                        line=self._line + 1, seq=self._seq + 1,
                        message=f"journal shrank from {self._offset} to {size} bytes: lines were removed",
                    ))
                    return []
                f.seek(self._offset)
                blob = f.read()
        except FileNotFoundError:
            return []
        end = blob.rfind(b"\n")
        fragment = blob[end + 1:] if end >= 0 else blob
        new: list[Event] = []
        if end >= 0:
            lines = blob[:end].split(b"\n")
            with gc_paused(len(lines)):
                self._parse_lines(lines, new)
        self.torn_line = self._line + 1 if fragment and not self.issues else None
        self.events.extend(new)
        return new

    def _parse_lines(self, lines: list[bytes], new: list[Event]) -> None:
        """Check each complete line in turn; stop at the first that fails (see the class doc)."""
        for raw in lines:
            lineno = self._line + 1
            ev, problem = _check_line(raw, lineno)
            if problem is None and ev is not None:
                if ev.seq != self._seq + 1:
                    problem = (f"expected seq {self._seq + 1}, found {ev.seq}: "
                               + ("a line before it was removed" if ev.seq > self._seq + 1
                                  else "lines were reordered or duplicated"))
                elif ev.prev != self._prev:
                    problem = "does not chain to the line before it (that line was edited, removed or reordered)"
            if problem is not None:
                seq = ev.seq if ev is not None else self._seq + 1
                self.issues.append(JournalIssue(line=lineno, seq=seq, message=problem))
                return
            assert ev is not None
            new.append(ev)
            self._line = lineno
            self._prev = ev.h
            self._seq = ev.seq
            self._offset += len(raw) + 1

    def snapshot(self) -> JournalRead:
        """Everything read so far, as ``read_journal`` returns it."""
        return JournalRead(events=list(self.events), issues=list(self.issues), torn_line=self.torn_line)


def verify_journal(path: str | os.PathLike[str]) -> JournalRead:
    """Check every line, the chain and the head pointer; every issue names its line and seq."""
    p = Path(path)
    result = _walk(p, stop_at_first=False)
    head = p.with_name(p.name.replace(".jsonl", "") + ".head")
    try:
        hd = json.loads(head.read_text())
        head_seq, head_h = int(hd["seq"]), str(hd["h"])
    except (OSError, ValueError, KeyError, TypeError):
        return result
    last = result.events[-1] if result.events else None
    last_seq = last.seq if last else 0
    if head_seq > last_seq and not result.issues:
        result.issues.append(JournalIssue(
            line=(last.line + 1) if last else 1, seq=last_seq + 1,
            message=f"journal ends at seq {last_seq} but seq {head_seq} was written: lines were removed from the end",
        ))
    else:
        match = next((e for e in result.events if e.seq == head_seq), None)
        if match is not None and match.h != head_h:
            result.issues.append(JournalIssue(line=match.line, seq=match.seq,
                                              message="does not match the recorded head (edited)"))
    return result


def _walk(path: Path, stop_at_first: bool) -> JournalRead:
    lines, torn = _iter_raw(path)
    out = JournalRead(torn_line=len(lines) + 1 if torn else None)
    prev_h = GENESIS
    expected_seq = 1
    chain_ok = True
    for i, raw in enumerate(lines, start=1):
        ev, problem = _check_line(raw, i)
        # An edited line's own seq field cannot be trusted (the edit may be in it), so it is
        # named by the seq its position implies; a line that is intact but out of place is
        # named by the seq it carries.
        seq = expected_seq
        if problem is None and ev is not None:
            seq = ev.seq
            if ev.seq != expected_seq:
                problem = (f"expected seq {expected_seq}, found {ev.seq}: "
                           + ("a line before it was removed" if ev.seq > expected_seq else "lines were reordered or duplicated"))
            elif ev.prev != prev_h:
                problem = "does not chain to the line before it (that line was edited, removed or reordered)"
        if problem is not None:
            out.issues.append(JournalIssue(line=i, seq=seq, message=problem))
            chain_ok = False
            if stop_at_first:
                break
            if ev is not None:
                prev_h = ev.h
                expected_seq = ev.seq + 1
            else:
                expected_seq += 1
            continue
        assert ev is not None
        if chain_ok:
            out.events.append(ev)
        prev_h = ev.h
        expected_seq = ev.seq + 1
    return out
