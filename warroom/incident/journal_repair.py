"""``warroom incident repair``: get a damaged incident going again without losing what was
acknowledged, and leave a record of exactly what was done.

Under the journal's lock:

1. the whole journal as it is (and ``journal.sig``) is copied aside first, fsynced
   (``journal.damaged-<UTC>.jsonl``): the evidence is never lost;
2. the valid prefix is kept byte for byte;
3. a zero-filled or torn tail (what power loss leaves; never acknowledged, since an append
   returns only after its fsync) is dropped;
4. after the first damaged line, every line that still passes its own hash is an acknowledged
   event: it is re-linked into the chain with its own time, actor, type and data (and renumbered
   if its seq no longer fits); a line that fails its own hash (edited or corrupted) cannot be
   trusted as what it says, so it becomes a ``journal.damaged_line`` event holding its text;
   an exact duplicate of an earlier line is dropped;
5. a ``journal.repaired`` event records all of it (the copy's name, the damaged lines, the
   renumbering, what the records outside the journal said and what could not be recovered),
   ``journal.head`` and the witness are set to the new head, checkpoints that no longer match
   are moved aside with the copy, and the new head is signed.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.journal import events as ev
from warroom.journal.log import Journal, JournalError
from warroom.journal.encoding import GENESIS, _check_line, encode_line
from warroom.journal.proof import prove_journal
from warroom.journal.reader import zero_filled_tail
from warroom.journal.seal import SIG_NAME, read_checkpoints

TEXT_KEEP = 4000


@dataclass
class RepairReport:
    """What a repair did; ``message()`` is what the CLI prints."""

    changed: bool
    saved_to: Path | None = None
    kept: int = 0
    relinked: int = 0
    renumbered: dict[int, int] = field(default_factory=dict)
    damaged_lines: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    torn_bytes: int = 0
    findings: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    seq: int = 0

    def message(self, name: str) -> str:
        if not self.changed:
            return f"{name}: nothing to repair (the journal verifies)"
        lines = [f"{name}: repaired; the journal as it was is kept in {self.saved_to}"]
        lines.append(f"  {self.kept} events kept as they were, {self.relinked} re-linked after the damage"
                     + (f" ({len(self.renumbered)} renumbered)" if self.renumbered else ""))
        if self.damaged_lines:
            lines.append(f"  {len(self.damaged_lines)} damaged line(s) ({', '.join(map(str, self.damaged_lines))})"
                         " recorded as journal.damaged_line events with their text")
        if self.duplicates:
            lines.append(f"  {len(self.duplicates)} duplicated line(s) dropped")
        if self.torn_bytes:
            lines.append(f"  {self.torn_bytes} bytes of torn / zero-filled tail set aside (never acknowledged)")
        for f in self.findings:
            lines.append(f"  recorded: {f}")
        for lost in self.lost:
            lines.append(f"  NOT recoverable: {lost}")
        lines.append(f"  the repair is journaled as #{self.seq}")
        return "\n".join(lines)


def _write_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        if n <= 0:
            raise OSError(28, "No space left on device")
        view = view[n:]
        offset += n


def _save_copy(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        _write_all(fd, data, 0)
        os.fsync(fd)
    except OSError:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    os.close(fd)


def repair_journal(journal: Journal) -> RepairReport:
    path = journal.path
    directory = path.parent
    with journal._locked() as fd:
        size = os.fstat(fd).st_size
        blob = os.pread(fd, size, 0) if size else b""
        proof = prove_journal(path)
        if proof.ok and not proof.torn:
            return RepairReport(changed=False, seq=proof.events[-1].seq if proof.events else 0)
        report = RepairReport(changed=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        report.saved_to = directory / f"journal.damaged-{stamp}.jsonl"
        try:
            _save_copy(report.saved_to, blob)
        except OSError as exc:
            raise JournalError(f"{report.saved_to}: cannot keep a copy of the damaged journal:"
                               f" {exc.strerror or exc}; nothing was changed") from None

        parts = blob.split(b"\n")
        complete, fragment = parts[:-1], parts[-1]
        zeroed = zero_filled_tail(complete)
        body = complete[:len(complete) - zeroed]
        report.torn_bytes = len(fragment) + sum(len(r) + 1 for r in complete[len(body):])

        valid = len(proof.events)
        chain_damaged = any(i.line > 0 and i.line <= len(body) for i in proof.issues
                            if not i.message.startswith(("journal.head", SIG_NAME)))
        first_bad = min((i.line for i in proof.issues if 0 < i.line <= len(body)), default=None)
        if not chain_damaged:
            first_bad = None
        kept_lines = body[:valid] if first_bad is not None else body
        report.kept = len(kept_lines)
        prev = GENESIS
        seq = 0
        if kept_lines:
            last_ev, _ = _check_line(kept_lines[-1], len(kept_lines))
            assert last_ev is not None
            prev, seq = last_ev.h, last_ev.seq
        keep_len = sum(len(r) + 1 for r in kept_lines)
        seen = {hashlib.sha256(r).digest() for r in kept_lines}
        rewrote_from: int | None = None
        new: list[bytes] = []
        now = datetime.now(UTC)
        for lineno, raw in enumerate(body[len(kept_lines):] if first_bad is not None else [],
                                     start=len(kept_lines) + 1):
            digest = hashlib.sha256(raw).digest()
            if digest in seen:
                report.duplicates.append(lineno)
                continue
            seen.add(digest)
            event, problem = _check_line(raw, lineno)
            seq += 1
            rewrote_from = seq if rewrote_from is None else rewrote_from
            if event is not None and problem is None:
                if event.seq != seq:
                    report.renumbered[event.seq] = seq
                line = encode_line(seq, event.ts, event.actor, event.type, event.data, prev)
                report.relinked += 1
            else:
                text = raw.decode("utf-8", "replace")
                data = {"line": lineno, "problem": problem or "unreadable", "bytes": len(raw),
                        "sha256": hashlib.sha256(raw).hexdigest(), "text": text[:TEXT_KEEP],
                        "cut": len(text) > TEXT_KEEP}
                line = encode_line(seq, now, journal.actor, ev.JOURNAL_DAMAGED_LINE, data, prev)
                report.damaged_lines.append(lineno)
            parsed, _ = _check_line(line[:-1], 0)
            assert parsed is not None
            prev = parsed.h
            new.append(line)

        report.findings = [str(i) for i in proof.issues]
        last_valid = seq
        mark = journal.witness.read()
        if mark is not None and mark.seq > (proof.events[-1].seq if proof.events else 0) and first_bad is None:
            report.lost.append(f"events up to #{mark.seq} were written (witness) but the journal ended at"
                               f" #{proof.events[-1].seq if proof.events else 0} before this repair")
        seq += 1
        data: dict[str, Any] = {
            "saved_to": report.saved_to.name, "kept": report.kept, "relinked": report.relinked,
            "renumbered": {str(k): v for k, v in report.renumbered.items()},
            "damaged_lines": report.damaged_lines, "duplicates": report.duplicates,
            "torn_bytes": report.torn_bytes, "findings": report.findings[:50], "lost": report.lost,
            "rewrote_from": rewrote_from, "previous_end": last_valid,
        }
        new.append(encode_line(seq, now, journal.actor, ev.JOURNAL_REPAIRED, data, prev))
        payload = b"".join(new)
        try:
            os.ftruncate(fd, keep_len)
            _write_all(fd, payload, keep_len)
            os.fsync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, keep_len)
                _write_all(fd, blob[keep_len:], keep_len)  # put the original back
            except OSError:
                pass  # the copy saved first still has every byte
            raise JournalError(f"{path}: cannot write the repaired journal: {exc.strerror or exc};"
                               f" the original is kept in {report.saved_to}") from None
        final, _ = _check_line(new[-1][:-1], 0)
        assert final is not None
        report.seq = final.seq
        journal._tail = None
        journal._write_head(final)
        journal.witness.write(final.seq, final.h, journal.actor)
        _rewrite_checkpoints(journal, directory, stamp, keep_len, blob)
        journal._checkpoint(final.seq, final.h, required=False)
        return report


def _rewrite_checkpoints(journal: Journal, directory: Path, stamp: str, keep_len: int, old: bytes) -> None:
    """Keep the checkpoints the repaired journal still matches; move the rest aside."""
    sig = directory / SIG_NAME
    try:
        raw_lines = sig.read_bytes().split(b"\n")
    except FileNotFoundError:
        return
    hashes: dict[int, str] = {}
    for raw in old[:keep_len].split(b"\n"):
        e, problem = _check_line(raw, 0) if raw else (None, "empty")
        if e is not None and problem is None:
            hashes[e.seq] = e.h
    keep: list[bytes] = []
    checked = read_checkpoints(directory)
    by_line = {c.line: c for c in checked}
    for i, raw in enumerate(raw_lines, start=1):
        c = by_line.get(i)
        if c is not None and c.valid and c.incident == directory.name and hashes.get(c.seq) == c.h:
            keep.append(raw)
    os.replace(sig, directory / f"{SIG_NAME}.damaged-{stamp}")
    data = b"".join(r + b"\n" for r in keep)
    tmp = directory / f".{SIG_NAME}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        _write_all(fd, data, 0)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, sig)


def describe_repairs(events: list[Any]) -> list[tuple[int, int]]:
    """``(repair seq, first seq it rewrote)`` for every journaled repair that rewrote lines."""
    out = []
    for e in events:
        if e.type == ev.JOURNAL_REPAIRED and isinstance(e.data.get("rewrote_from"), int):
            out.append((e.seq, int(e.data["rewrote_from"])))
    return out

