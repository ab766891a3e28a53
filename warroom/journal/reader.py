"""Reading a journal back: all of it, only what was appended since, or checked link by link.

Readers never take the writer's lock and must cope with a line being written as they read (a
torn last line is ignored, not an error); that tolerance is what this module is about, separate
from appending.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warroom.journal.encoding import (
    GENESIS,
    Event,
    JournalIssue,
    JournalRead,
    _check_line,
    _split_lines,
)


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


def zero_filled_tail(lines: list[bytes]) -> int:
    """How many of the last complete lines are what power loss leaves: NUL bytes (or nothing)
    where a line should be. No line we write holds a raw NUL, so these are a torn write."""
    n = 0
    for raw in reversed(lines):
        if b"\0" in raw or not raw.strip():
            n += 1
        else:
            break
    # Blank lines alone are damage; a run that holds NUL bytes is the torn tail.
    return n if any(b"\0" in raw for raw in lines[len(lines) - n:]) else 0


def _iter_raw(path: Path) -> tuple[list[bytes], bool]:
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return [], False
    lines, torn = _split_lines(blob)
    zeroed = zero_filled_tail(lines)
    if zeroed:
        return lines[:len(lines) - zeroed], True
    return lines, torn


def read_journal(path: str | os.PathLike[str]) -> JournalRead:
    """Read the valid prefix of a journal; stop at the first line that fails its checks."""
    follower = JournalFollower(path)
    follower.poll()
    return follower.snapshot()


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
        zeroed = False
        if end >= 0:
            lines = blob[:end].split(b"\n")
            kept = len(lines) - zero_filled_tail(lines)
            zeroed = kept < len(lines)
            lines = lines[:kept]
            with gc_paused(len(lines)):
                self._parse_lines(lines, new)
        self.torn_line = self._line + 1 if (fragment or zeroed) and not self.issues else None
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
    return walk_lines(lines, torn, stop_at_first)


def walk_lines(lines: list[bytes], torn: bool = False, stop_at_first: bool = False) -> JournalRead:
    """Check raw lines (no newlines) one by one: each line's hash, the seq run and the chain.
    The file journal and the shared store's rows are checked by this same walk."""
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
