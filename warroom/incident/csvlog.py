"""The incident log: one CSV row per exported incident, in the seeds' columns.

Rows are appended under an exclusive lock with a single write that is fsynced, so two exports at
once never interleave, and a disk-full error leaves the file as it was. Values go through the
``csv`` module, so commas, quotes and newlines in a root cause stay inside their cell, and every
cell goes through ``csv_cell`` so no text acts on a terminal or runs as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import errno
import fcntl
import io
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.durations import stated_minutes
from warroom.journal.log import JournalError
from warroom.incident.files import make_private_dir
from warroom.safe_text import csv_cell

if TYPE_CHECKING:
    from datetime import datetime

    from warroom.incident.state import IncidentState

HEAD_COLUMN = "Journal Head"
"""The journal head (``#seq sha256:h``) the row was exported from: a copy of it outside the
incident dir, so a later rewrite of the journal no longer matches the log."""
WALL_COLUMN = "Wall Duration (min)"
"""``Duration (min)`` is incident time (drill minutes in a drill); this is the same span on the
wall clock, so a drill's row says both (they are equal for a real incident)."""
COLUMNS: tuple[str, ...] = (
    "Date", "Incident ID", "Severity", "Type", "Affected Repos", "Duration (min)",
    "Root Cause", "Resolution", "Rollback?", HEAD_COLUMN, WALL_COLUMN,
)


def row_for(state: IncidentState, now: datetime, head: dict[str, Any] | None = None) -> dict[str, str]:
    """The incident's row: date (UTC) of detection, severity now, duration to resolution."""
    res = state.resolution or {}
    start = state.clock_start
    root = "; ".join(n.text for n in state.notes if n.tag == "root-cause")
    return {
        "Date": start.strftime("%Y-%m-%d") if start else "",
        "Incident ID": state.id,
        "Severity": state.severity,
        # as given at resolve (--type), else blank like Affected Repos: the PIR asks a human for it,
        # and a guess (the runbook's or the incident's title) would read as the commander's word
        "Type": str(res.get("type") or ""),
        "Affected Repos": str(res.get("affected_repos") or ""),
        # the minutes the PIR's figure has completed (durations.stated_minutes); drill minutes in a drill
        "Duration (min)": str(stated_minutes(stime.span(state, state.impact_duration(now)).seconds)),
        WALL_COLUMN: str(stated_minutes(state.impact_duration(now).total_seconds())),
        "Root Cause": root,
        "Resolution": str(res.get("resolution") or ""),      # not said at resolve: blank, as the rollback's
        "Rollback?": "" if res.get("rollback") is None else ("Yes" if res.get("rollback") else "No"),   # not said: blank
        HEAD_COLUMN: f"#{head['seq']} sha256:{head['h']}" if head else "",
    }


def cells(row: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> list[str]:
    """The row's cells as written: every value through :func:`warroom.safe_text.csv_cell`
    (control characters shown visibly, a leading ``= + - @`` that a spreadsheet would run as a
    formula quoted away). The only way a row reaches the file."""
    return [csv_cell(row.get(c, "")) for c in columns]


def encode_row(row: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(cells(row, columns))
    return buf.getvalue()


def append_row(path: Path, row: dict[str, str]) -> bool:
    """Append ``row`` (header first if the file is new). Returns False when an identical row for
    the same incident is already there (re-exporting does not duplicate the log)."""
    make_private_dir(path.parent, tighten=False)
    fd = _open_log(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        existing = os.pread(fd, size, 0).decode("utf-8", errors="replace") if size else ""
        columns = COLUMNS
        if existing:
            rows = list(csv.reader(io.StringIO(existing)))
            if rows and "Incident ID" in rows[0]:
                columns = tuple(rows[0])  # a log started before a column existed keeps its shape
            # The same incident exported again unchanged is not a new row, whatever its head.
            key = [c for c in columns if c in COLUMNS and c not in (HEAD_COLUMN, WALL_COLUMN)]
            same = [csv_cell(row.get(c, "")) for c in key]
            if any([dict(zip(columns, r))[c] if len(r) == len(columns) else None for c in key] == same
                   for r in rows[1:]):
                return False
        text = ""
        if not existing.strip():
            text += encode_row(dict(zip(COLUMNS, COLUMNS, strict=True)))
        elif not existing.endswith("\n"):
            text += "\n"
        text += encode_row(row, columns)
        data = text.encode("utf-8")
        try:
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(28, "short write")
            os.fsync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, size)
            except OSError:
                pass  # reporting the original failure matters more than the cleanup's
            raise JournalError(f"{path}: cannot append to the incident log: {exc.strerror or exc};"
                               " nothing was written") from None
        return True
    finally:
        os.close(fd)


def _open_log(path: Path) -> int:
    """The log opened for appending: never through a symlink (``O_NOFOLLOW``), only a regular
    file (a FIFO could block, a device lie), and a file we create is 0600 whatever the umask."""
    flags = os.O_RDWR | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
            os.fchmod(fd, 0o600)
        except FileExistsError:
            fd = os.open(path, flags)
    except OSError as exc:
        why = "it is a symlink, which is never followed" if exc.errno == errno.ELOOP else exc.strerror or exc
        raise JournalError(f"{path}: cannot open the incident log: {why}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise JournalError(f"{path}: cannot open the incident log: not a regular file")
    return fd


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
