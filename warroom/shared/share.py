"""``warroom incident share ID``: a local incident moved into the shared store, chain intact.

The local journal's lines are inserted as they are, byte for byte (their seq, prev and hash
unchanged: the database's trigger checks each one again), in one transaction, then the store
journals ``incident.shared`` on top and the local journal ``incident.moved``, after which the
local copy is read-only (two copies that both take new events would be a split brain).

Runbook snapshots named by the journal go into the store's files table (every host reads the
same copy); the local step outputs are copied beside the shared incident's local files on this
host. Safe to run again after a failure: lines already in the store are checked, not doubled,
and a store that holds *another* incident under the same id is refused with nothing changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.errors import WarroomError
from warroom.journal.encoding import _check_line, _split_lines
from warroom.shared.schema import SCHEMA


@dataclass
class ShareResult:
    incident: str
    copied: int          # lines inserted now
    already: int         # lines the store already had (a re-run)
    files: list[str]
    head: tuple[int, str]


def local_lines(journal_path: Path, upto: int) -> list[bytes]:
    """The raw lines 1..``upto`` of a local journal (the caller verified them)."""
    lines, _torn = _split_lines(journal_path.read_bytes())
    out = []
    for raw in lines[:upto]:
        ev, problem = _check_line(raw, len(out) + 1)
        if ev is None or problem is not None or ev.seq != len(out) + 1:
            raise WarroomError(f"{journal_path}: line {len(out) + 1} changed while it was being shared; nothing"
                               " was copied")
        out.append(raw)
    return out


def copy_lines(store: Any, inc_id: str, lines: list[bytes],
               files: dict[str, bytes] | None = None) -> tuple[int, int]:
    """Insert the lines into the store as ``inc_id``, with the runbook snapshots ``files``, in one
    transaction; returns (copied, already). A snapshot the store already holds under that name
    with other content (anyone allowed to insert could have planted it) refuses the whole share,
    nothing copied, rather than leave an incident whose runbook other hosts cannot use."""
    with store.conn(deadline=None) as conn, conn.transaction():
        conn.execute(f"INSERT INTO {SCHEMA}.incidents (id) VALUES (%s) ON CONFLICT DO NOTHING", (inc_id,))
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", (inc_id,))
        have = conn.execute(f"SELECT seq, h FROM {SCHEMA}.events WHERE incident = %s ORDER BY seq",
                            (inc_id,)).fetchall()
        parsed = []
        for n, raw in enumerate(lines, 1):
            ev, _ = _check_line(raw, n)
            assert ev is not None
            parsed.append((ev, raw))
        for (seq, h), (ev, _raw) in zip(have, parsed):
            if seq != ev.seq or h != ev.h:
                raise WarroomError(f"the shared store already holds another incident {inc_id} (its line #{seq}"
                                   " differs from the local one): nothing was copied")
        for name, data in (files or {}).items():
            digest = hashlib.sha256(data).hexdigest()
            row = conn.execute(f"SELECT sha256 FROM {SCHEMA}.files WHERE incident = %s AND name = %s",
                               (inc_id, name)).fetchone()
            if row is None:
                conn.execute(f"INSERT INTO {SCHEMA}.files (incident, name, sha256, content) VALUES (%s, %s, %s, %s)",
                             (inc_id, name, digest, data))
            elif row[0] != digest:
                raise WarroomError(f"the shared store already holds another {name} for {inc_id} (sha256"
                                   f" {str(row[0])[:12]}…, this incident's is {digest[:12]}…), written there by"
                                   " someone else: nothing was copied (ask the store's owner to look at"
                                   f" warroom.files)")
        copied = 0
        for ev, raw in parsed[len(have):]:
            text = raw.decode("utf-8")
            ts = text.split('"ts":"', 1)[1].split('"', 1)[0]
            conn.execute(
                f"INSERT INTO {SCHEMA}.events (incident, seq, prev, h, line, ts, actor, type, origin, origin_seq)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'share', %s)",
                (inc_id, ev.seq, ev.prev, ev.h, text, ts, ev.actor, ev.type, ev.seq))
            copied += 1
        return copied, min(len(have), len(parsed))


def snapshot_names(events: list[Any]) -> list[str]:
    """The runbook snapshot files the journal refers to (declaration and attachments)."""
    names: list[str] = []
    for e in events:
        rb = e.data.get("runbook") if e.type == "incident.declared" else (
            e.data if e.type == "runbook.attached" else None)
        if isinstance(rb, dict) and rb.get("snapshot"):
            name = str(rb["snapshot"])
            if "/" not in name and name not in names:
                names.append(name)
    return names


def copy_local_files(src: Path, dest: Path) -> None:
    """The local incident's outputs (and runbook copies) beside the shared incident's local files
    on this host, so paths in its events resolve here as before."""
    dest.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name in ("outputs",):
        if (src / name).is_dir():
            shutil.copytree(src / name, dest / name, dirs_exist_ok=True, symlinks=True)
    for f in src.glob("runbook*.md"):
        if f.is_file() and not f.is_symlink():
            shutil.copy2(f, dest / f.name)
            os.chmod(dest / f.name, 0o600)


def from_host() -> str:
    return socket.gethostname()
