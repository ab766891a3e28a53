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

This module appends; the line format is :mod:`warroom.incident.journal_format` and reading,
following and verifying :mod:`warroom.incident.journal_reader`.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.incident.journal_format import (
    GENESIS as GENESIS,
    Event,
    JournalError,
    JournalIssue as JournalIssue,
    JournalRead,
    _check_line,
    encode_line,
    format_ts as format_ts,
    parse_ts as parse_ts,
)
from warroom.incident.journal_reader import (
    JournalFollower as JournalFollower,
    gc_paused as gc_paused,
    read_journal,
    verify_journal,
)

_TAIL_CHUNK = 8192
_HEAD_SIZE = 128


def default_actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


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
