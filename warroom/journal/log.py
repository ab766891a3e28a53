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

This module appends; the line format is :mod:`warroom.journal.encoding` and reading,
following and verifying :mod:`warroom.journal.reader`.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom.paths import command, store_option
from warroom.journal.encoding import (
    GENESIS as GENESIS,
    Event,
    HeadMoved,
    JournalError,
    JournalIssue as JournalIssue,
    JournalRead,
    _check_line,
    encode_line,
    format_ts as format_ts,
    parse_ts as parse_ts,
)
from warroom.journal.seal import (
    CHECKPOINT_EVERY,
    SIG_NAME,
    Mark,
    Witness,
    _drop_if_empty,
    append_checkpoint,
    default_actor as seal_default_actor,
    signed_by_me,
    signer as seal_signer,
    unexplained_lines,
)
from warroom.journal.reader import (
    JournalFollower as JournalFollower,
    gc_paused as gc_paused,
    read_journal,
    verify_journal as verify_journal,
)

if TYPE_CHECKING:
    from warroom.journal.proof import Proof

_TAIL_CHUNK = 8192


class JournalLocked(JournalError):
    """Another process held the journal's lock for longer than we wait: retrying may help."""


class JournalTampered(JournalError):
    """The journal no longer agrees with what was written to it (cut, or rewritten)."""

_HEAD_SIZE = 128


def _damage_way(incident_dir: Path) -> str:
    """What a refusal to write on a damaged or tampered journal tells the person to do next: both
    commands take the incident's id (its directory's name), and the drills' store where it lives
    there (``store_option``), so they are written with them."""
    inc, where = incident_dir.name, store_option(incident_dir)
    return (f"`{command('incident', 'verify', inc, *where)}` shows what is proven,"
            f" `{command('incident', 'repair', inc, *where)}` records the damage and goes on")


def default_actor() -> str:
    return seal_default_actor()


class Journal:
    """One incident's journal file. Safe to use from several processes at once."""

    shared = False   # the shared store's journal (warroom.shared.journal) says True

    def __init__(self, path: str | os.PathLike[str], actor: str | None = None,
                 lock_timeout: float = 10.0, *, check_records: bool = True,
                 checkpoint_every: int = CHECKPOINT_EVERY) -> None:
        self.path = Path(path)
        self.actor = actor or default_actor()
        self.lock_timeout = lock_timeout
        self.check_records = check_records
        self.checkpoint_every = max(1, int(checkpoint_every))
        self.witness = Witness(self.path)
        # ((size, mtime, inode) after our last append, last seq, last h): any other writer, a
        # repair or an edit changes the key, and the tail is read again.
        self._tail: tuple[tuple[int, int, int], int, str] | None = None

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
                        raise JournalLocked(
                            f"{self.path}: journal is locked by another warroom process"
                            f" (waited {self.lock_timeout:g}s); try again"
                        ) from None
                    time.sleep(0.005)
            yield fd
        finally:
            os.close(fd)  # closing releases the flock

    def _read_tail(self, fd: int, size: int) -> tuple[int, str, int]:
        """Return (last seq, last h, size of the well-formed part) by reading back from the end.

        A tail of lines holding NUL bytes is what power loss leaves (the file grew, its data never
        reached the disk): no line we write contains a raw NUL (JSON escapes it), so such lines
        are a torn write like a cut-short line and are left out of the well-formed part.
        """
        end = size
        while True:
            seq, h, good, nul_from = self._tail_once(fd, end)
            if nul_from is None:
                return seq, h, good
            end = nul_from

    def _tail_once(self, fd: int, size: int) -> tuple[int, str, int, int | None]:
        if size == 0:
            return 0, GENESIS, 0, None
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
                    if b"\0" in raw:
                        return 0, GENESIS, 0, pos + start + 1  # a zero-filled line: torn, look before it
                    ev, _problem = _check_line(raw, 0)
                    if ev is None:
                        inc = self.path.parent.name   # the incident dir is named by its id
                        where = store_option(self.path.parent)
                        raise JournalError(
                            f"{self.path}: last complete line is unreadable; run"
                            f" `{command('incident', 'verify', inc, *where)}`"
                            f" (and `{command('incident', 'repair', inc, *where)}` to set the damage aside)"
                        )
                    return ev.seq, ev.h, good_size, None
            if pos == 0:
                return 0, GENESIS, 0, None

    def _check_records(self, fd: int, size: int, seq: int, h: str) -> None:
        """Refuse to append to a journal that ends before, or differs from, what was written.

        ``journal.head`` (in the incident dir) and the witness (outside it) hold the last line
        written; a journal that was cut, or cut and appended to, or rewritten with fresh hashes,
        no longer agrees with them. Appending would bury that evidence, so nothing is written.
        """
        witness = self.witness.read()
        if witness is None and size:
            by = ("this user's warroom kept it" if self.witness.was_written()
                  else (f"this user's key ({k}) signed it here" if (k := signed_by_me(self.path.parent)) else None))
            if by is not None:
                raise JournalTampered(
                    f"{self.path}: {by}, but the witness kept outside the"
                    f" incident dir ({self.witness.path}) is gone: it was deleted (or the incident dir was"
                    f" moved); nothing more is recorded ({_damage_way(self.path.parent)})")
        elif witness is not None and witness.seq < seq:
            stray = unexplained_lines(witness, self._lines_after(fd, size, witness.seq), self._my_actors(witness))
            if stray is not None:
                raise JournalTampered(
                    f"{self.path}: line seq {stray[0]} (actor {stray[1]}) was not written by this user's"
                    f" warroom (the witness kept outside the incident dir ends at seq {witness.seq}): it was"
                    f" added by hand; nothing more is recorded ({_damage_way(self.path.parent)})")
        for name, mark in (("the witness kept outside the incident dir", witness),
                           ("journal.head", self._read_head())):
            if mark is None or (mark.seq == seq and mark.h == h):
                continue
            if mark.seq > seq:
                why = (f"it ends at seq {seq} but seq {mark.seq} was written ({name}): lines were"
                       " removed from the end")
            else:
                found = self._hash_at(fd, size, mark.seq)
                if found == mark.h:
                    continue
                why = (f"its line seq {mark.seq} is not the one that was written ({name}):"
                       " the journal was rewritten")
            raise JournalTampered(
                f"{self.path}: {why}; nothing more is recorded ({_damage_way(self.path.parent)})")

    def _my_actors(self, witness: Mark) -> set[str]:
        """The actor names this user's warroom writes as (the witness's, this writer's, user@host)."""
        return {a for a in (witness.actor, self.actor, default_actor()) if a}

    def _lines_after(self, fd: int, size: int, seq: int) -> list[tuple[int, str, str]]:
        """``(seq, h, actor)`` of the well-formed lines past ``seq`` (read only when the journal
        is ahead of the witness: another user's appends, or a crash before the witness moved)."""
        blob = os.pread(fd, size, 0)
        key = b'{"seq":%d,' % seq
        at = 0 if seq == 0 else blob.find(b"\n" + key) + 1
        if seq and at <= 0 and not blob.startswith(key):
            return []
        if seq:
            at = blob.find(b"\n", at) + 1
        out: list[tuple[int, str, str]] = []
        for raw in blob[at:].split(b"\n"):
            if not raw:
                continue
            ev, problem = _check_line(raw, 0)
            if ev is not None and problem is None:
                out.append((ev.seq, ev.h, ev.actor))
        return out

    def _types_after(self, fd: int, size: int, seq: int) -> set[str]:
        """The types of the well-formed lines past ``seq``, read back from the end only as far as
        the line after ``seq`` (a conditional append is judged a few lines behind the head)."""
        key = b'{"seq":%d,' % (seq + 1)
        pos, blob = size, b""
        while pos > 0:
            step = min(_TAIL_CHUNK, pos)
            pos -= step
            blob = os.pread(fd, step, pos) + blob
            at = blob.find(b"\n" + key)
            if at >= 0:
                blob = blob[at + 1:]
                break
            if pos == 0 and blob.startswith(key):
                break
        types = set()
        for raw in blob.split(b"\n"):
            ev, problem = _check_line(raw, 0) if raw else (None, None)
            if ev is not None and problem is None and ev.seq > seq:
                types.add(ev.type)
        return types

    def _read_head(self) -> Mark | None:
        try:
            hd = json.loads(self.head_path.read_bytes())
            return Mark(int(hd["seq"]), str(hd["h"]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a torn head after a crash: verify reports it, appends need not stop

    def _hash_at(self, fd: int, size: int, seq: int) -> str | None:
        """The ``h`` of the line carrying ``seq`` (found by its prefix, not by parsing everything)."""
        blob = os.pread(fd, size, 0)
        key = b'{"seq":%d,' % seq
        at = 0 if blob.startswith(key) else blob.find(b"\n" + key)
        if at < 0:
            return None
        start = at if at == 0 else at + 1
        end = blob.find(b"\n", start)
        ev, problem = _check_line(blob[start:end if end >= 0 else len(blob)], 0)
        return ev.h if ev is not None and problem is None else None

    def append(self, type_: str, data: dict[str, Any] | None = None, *, ts: datetime | None = None,
               after: int | None = None, unless: frozenset[str] | None = None) -> Event:
        """Append one event; returns it once it is on disk (flushed and fsynced).

        ``after``: append only if the journal's last seq is exactly that (the head the caller
        judged from), else raise :class:`HeadMoved` with nothing written — compare-and-append, so
        an event that must be journaled once (a reminder, an expiry) stays once when two
        processes notice it at the same moment.

        ``unless`` (with ``after``): the head may have moved since ``after``, but not by a line of
        one of these types — the ones that would change the caller's judgement (a resolution
        for a line only an open incident takes): such a line past ``after`` raises
        :class:`HeadMoved`, nothing written, and the caller judges again. Checked under the
        journal's lock, so a judgement made in one process holds against every other writer."""
        data = dict(data or {})
        with self._locked() as fd:
            st = os.fstat(fd)
            size = st.st_size
            if self._tail is not None and self._tail[0] == (size, st.st_mtime_ns, st.st_ino):
                _, seq, prev = self._tail
                good = size
            else:
                seq, prev, good = self._read_tail(fd, size)
            if after is not None and seq != after and (
                    unless is None or seq < after or self._types_after(fd, good, after) & unless):
                raise HeadMoved(f"{self.path}: journal moved to seq {seq} since seq {after}; nothing recorded")
            if good != size:
                self._set_aside_torn(fd, good, size)
            if self.check_records:
                self._check_records(fd, good, seq, prev)
            now = ts or datetime.now(UTC)
            line = encode_line(seq + 1, now, self.actor, type_, data, prev)
            ev, _ = _check_line(line[:-1], 0)
            assert ev is not None
            # Announce the line first: a crash after its write leaves exactly it past the witness.
            self.witness.write(seq, prev, self.actor, (ev.seq, ev.h))
            try:
                written = os.write(fd, line)
                if written != len(line):
                    os.ftruncate(fd, good)
                    raise JournalError(f"{self.path}: cannot append to journal: No space left on device (only"
                                       f" {written} of {len(line)} bytes could be written); nothing recorded")
                os.fsync(fd)
            except OSError as exc:
                # Leave no half line behind: cut back to the last good size.
                try:
                    os.ftruncate(fd, good)
                except OSError:
                    pass  # the original error below is the one to report
                raise JournalError(f"{self.path}: cannot append to journal: {exc.strerror}; nothing recorded") from None
            after = os.fstat(fd)
            self._tail = ((after.st_size, after.st_mtime_ns, after.st_ino), ev.seq, ev.h)
            self._write_head(ev)
            self.witness.write(ev.seq, ev.h, self.actor)
            if ev.seq % self.checkpoint_every == 0:
                self._checkpoint(ev.seq, ev.h, required=False)
            return ev

    def checkpoint(self) -> dict[str, Any] | None:
        """Sign the journal's current head now (exports and status updates call this).

        Returns the checkpoint record, or None where no key can sign here. Raises
        ``JournalError`` when the signature cannot be stored (disk full).
        """
        with self._locked() as fd:
            size = os.fstat(fd).st_size
            seq, h, good = self._read_tail(fd, size)
            if seq == 0:
                return None
            if self.check_records:
                self._check_records(fd, good, seq, h)
            return self._checkpoint(seq, h, required=True)

    def check(self) -> None:
        """Raise :class:`JournalTampered` if the journal no longer agrees with ``journal.head`` or
        the witness (cut, or rewritten): what every append checks, for callers about to act."""
        if not self.path.exists():
            return
        with self._locked() as fd:
            size = os.fstat(fd).st_size
            seq, h, good = self._read_tail(fd, size)
            self._check_records(fd, good, seq, h)

    def head(self) -> tuple[int, str]:
        """``(seq, h)`` of the last well-formed line (0 and the genesis hash when empty)."""
        with self._locked() as fd:
            seq, h, _ = self._read_tail(fd, os.fstat(fd).st_size)
            return seq, h

    def _checkpoint(self, seq: int, h: str, *, required: bool) -> dict[str, Any] | None:
        sign = seal_signer()
        if sign is None:
            return None
        record = sign.checkpoint(self.path.parent.name, seq, h, format_ts(datetime.now(UTC)))
        try:
            append_checkpoint(self.path.parent, record)
        except OSError as exc:
            if required:
                raise JournalError(f"{self.path.parent / SIG_NAME}: cannot store the signed checkpoint:"
                                   f" {exc.strerror or exc}") from None
            return None  # a periodic one: the next append or export tries again
        return record

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
            _drop_if_empty(fd, self.head_path)
            return
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ reading

    def read(self) -> JournalRead:
        return read_journal(self.path)

    def follower(self) -> JournalFollower:
        """A reader that parses only what was appended since its last poll."""
        return JournalFollower(self.path)

    def has_lines(self) -> bool:
        """Whether anything was ever written (an incident is declared by its first line)."""
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def verify(self, incident_log: Path | None = None) -> Proof:
        """The chain, the head, the witness, the signed checkpoints and the recorded heads."""
        from warroom.journal.proof import prove_journal

        return prove_journal(self.path, incident_log=incident_log)
