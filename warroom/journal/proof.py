"""``verify``: what the journal's records prove about it, and what they cannot.

The hash chain shows the lines agree with each other; the witness (outside the incident dir),
``journal.head``, the signed checkpoints in ``journal.sig`` and the heads recorded in exports and
status updates show the lines are the ones that were written. Each of those is checked against
the chain, and the result says in words which lines are covered by what, so a person reading
``warroom incident verify`` knows exactly how far to trust the journal.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from warroom.journal.encoding import JournalIssue, JournalRead
from warroom.journal.reader import verify_journal
from warroom.journal.seal import (
    SIG_NAME,
    Witness,
    default_actor,
    read_checkpoints,
    signed_by_me,
    signer,
    unexplained_lines,
)

#: An export's footer (``pir.head_footer``): the head in a code span since stop 27, bare before.
FOOTER_RE = re.compile(r"journal head `?#(\d+) sha256:([0-9a-f]{64})", re.IGNORECASE)


@dataclass
class Proof(JournalRead):
    """A :class:`JournalRead` (``issues`` include every tamper finding) plus what was proven."""

    proved: list[str] = field(default_factory=list)
    unproved: list[str] = field(default_factory=list)
    checkpoints: int = 0
    signed_to: int = 0
    signed_by: str | None = None
    tamper: int = 0

    def summary(self, name: str) -> str:
        last = self.events[-1].seq if self.events else 0
        if self.ok:
            signed = (f"; signed checkpoint at #{self.signed_to} by key {self.signed_by}"
                      if self.signed_to else "; no signed checkpoint")
            torn = f"; line {self.torn_line}: incomplete last line (torn write) ignored" if self.torn else ""
            return f"{name}: ok, {len(self.events)} events, hash chain intact up to seq {last}{signed}{torn}"
        return (f"{name}: journal damaged or tampered with; {len(self.issues)} problem(s);"
                f" valid up to seq {last}")


def _issue(out: Proof, seq: int | None, line: int, message: str) -> None:
    out.issues.append(JournalIssue(line=line, seq=seq, message=message))
    out.tamper += 1


def prove_journal(path: str | os.PathLike[str], extra_exports: list[Path] | None = None,
                  incident_log: Path | None = None) -> Proof:
    """Check the chain and every record kept about it; never raises on a damaged journal."""
    p = Path(path)
    base = verify_journal(p)
    out = Proof(events=base.events, issues=list(base.issues), torn_line=base.torn_line)
    hashes = {e.seq: e.h for e in base.events}
    lines = {e.seq: e.line for e in base.events}
    last = base.events[-1].seq if base.events else 0
    incident = p.parent.name
    chain_broken = bool(base.issues)

    repairs = [(e.seq, int(e.data["rewrote_from"])) for e in base.events
               if e.type == "journal.repaired" and isinstance(e.data.get("rewrote_from"), int)]

    def check_mark(seq: int, h: str, what: str, made_at: int | None = None) -> bool:
        superseded = [r for r, start in repairs if start <= seq and (made_at is None or made_at < r)]
        if superseded and hashes.get(seq) != h:
            out.unproved.append(f"{what} records #{seq} from before the repair journaled at #{superseded[-1]},"
                                " which re-linked that line: it matches the copy the repair kept, not the journal")
            return False
        if seq > last:
            where = "the last valid line" if chain_broken else "the journal's end"
            _issue(out, seq, (lines.get(last, 0) + 1),
                   f"{what} records #{seq}, but {where} is #{last}: lines were removed or damaged")
            return False
        if hashes.get(seq) != h:
            _issue(out, seq, lines.get(seq, 0),
                   f"{what} records #{seq} with another hash: the journal was rewritten at or before #{seq}")
            return False
        return True

    if last:
        out.proved.append(f"hash chain intact from #1 to #{last} ({len(base.events)} events)")

    # --- the witness, outside the incident dir -------------------------------------------------
    witness = Witness(p)
    mark = witness.read()
    if mark is not None:
        if check_mark(mark.seq, mark.h, f"the witness kept outside the incident dir ({witness.path})"):
            out.proved.append(f"the witness outside the incident dir records #{mark.seq} with the same hash:"
                              " nothing written by this user was cut or rewritten up to there")
        if mark.seq < last and not (hashes.get(mark.seq) != mark.h):
            after = [(e.seq, e.h, e.actor) for e in base.events if e.seq > mark.seq]
            stray = unexplained_lines(mark, after, {a for a in (mark.actor, default_actor()) if a})
            if stray is not None:
                _issue(out, stray[0], 0,
                       f"line #{stray[0]} (actor {stray[1]}) was not written by this user's warroom: the"
                       f" witness outside the incident dir ends at #{mark.seq} (added by hand)")
            elif after:
                others = sorted({a for _s, _h, a in after})
                out.unproved.append(f"lines #{mark.seq + 1}..#{last} were written after this user's last write"
                                    f" (by {', '.join(others)}): this user's witness cannot speak for them")
    elif last and (witness.was_written() or signed_by_me(p.parent) is not None):
        _issue(out, None, 0, f"the witness outside the incident dir ({witness.path}) is missing or unreadable,"
                             " but this user's warroom kept one for this journal: it was deleted (or the"
                             " incident dir was moved)")
    else:
        out.unproved.append("no witness for this journal here (written on another machine or by another user):"
                            " a cut tail cannot be told from a short journal")

    # --- journal.head ------------------------------------------------------------------------
    head = p.with_name(p.name.replace(".jsonl", "") + ".head")
    if not head.exists() and last:
        _issue(out, None, 0, "journal.head is missing (every append writes it): it was deleted")

    # --- signed checkpoints ----------------------------------------------------------------------
    mine = signer()
    my_key = mine.fingerprint if mine is not None else None
    cps = read_checkpoints(p.parent)
    out.checkpoints = len(cps)
    for cp in cps:
        where = f"{SIG_NAME} line {cp.line}"
        if not cp.valid:
            _issue(out, cp.seq or None, 0, f"{where}: {cp.problem}")
            continue
        if cp.incident != incident:
            _issue(out, cp.seq, 0, f"{where}: a checkpoint of {cp.incident!r}, not of {incident!r} (copied in)")
            continue
        if check_mark(cp.seq, cp.h, f"signed checkpoint ({where}, key {cp.key})") and cp.seq >= out.signed_to:
            out.signed_to = cp.seq
            out.signed_by = cp.key
    if out.signed_to:
        whose = " (this user's key here)" if out.signed_by == my_key else " (not this user's key here)"
        out.proved.append(f"signed checkpoint at #{out.signed_to} by key {out.signed_by}{whose}:"
                          f" lines #1..#{out.signed_to} are exactly as signed")
        if last > out.signed_to:
            out.unproved.append(f"lines after the last checkpoint (#{out.signed_to + 1}..#{last}) are unsigned:"
                                " only the chain and the witness speak for them")
    elif last:
        out.unproved.append("no valid signed checkpoint: nothing proves the lines were not rewritten with"
                            " fresh hashes by someone who can write both this dir and the witness")

    # --- heads recorded in exports and status updates --------------------------------------------
    recorded = 0
    for e in base.events:
        jh = e.data.get("journal_head") if isinstance(e.data, dict) else None
        if isinstance(jh, dict) and "seq" in jh and "h" in jh:
            try:
                ok = check_mark(int(jh["seq"]), str(jh["h"]), f"{e.type} #{e.seq}", made_at=e.seq)
            except (TypeError, ValueError):
                continue
            recorded += ok
    files = sorted(p.parent.glob("*.md")) + list(extra_exports or [])
    for f in files:
        try:
            text = f.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for m in FOOTER_RE.finditer(text):
            if check_mark(int(m.group(1)), m.group(2), f"{f.name}'s footer"):
                recorded += 1
    recorded += _check_log(incident_log, incident, check_mark)
    if recorded:
        out.proved.append(f"{recorded} head(s) recorded in exports and status updates match the chain")
    if out.torn:
        out.unproved.append(f"line {out.torn_line}: an incomplete (torn or zero-filled) last line is set"
                            " aside: it was never acknowledged")
    return out


def _check_log(path: Path | None, incident: str, check: Callable[[int, str, str], bool]) -> int:
    """Heads recorded in the incident log's rows for this incident."""
    if path is None:
        return 0
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            rows = list(csv.DictReader(f))
    except (OSError, csv.Error):
        return 0
    n = 0
    for row in rows:
        if row.get("Incident ID") != incident:
            continue
        m = FOOTER_RE.search("journal head " + (row.get("Journal Head") or ""))
        if m and check(int(m.group(1)), m.group(2), f"{path.name}'s row"):
            n += 1
    return n
