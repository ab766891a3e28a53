"""Finding runs that never journaled an end, and recording them as ``interrupted``.

This is what a resume relies on: a supervisor that died (reboot, kill -9) leaves a
``step.started`` with no ``step.finished``, and the incident must not show that step as
running forever. It touches only the journal and the output lock, never the step's processes.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.execute.capture import read_tail
from warroom.execute.output_files import try_lock
from warroom.execute.run_spec import StepResult
from warroom.execute.watchdog import claim_held, claim_owner, claim_path, end_path_for, end_tree, read_end
from warroom.journal import events as ev
from warroom.journal.encoding import parse_ts
from warroom.journal.log import Event, Journal, JournalError, format_ts, read_journal


def clock_of(held: str | None) -> datetime:
    """The incident's "now" in a process that cannot ask the incident (the step's supervisor, its
    watchdog): ``held`` is where the incident's clock stands when it does not run with the wall (a
    pinned drill: ``RunSpec.clock_held``, in the journal's own format), None for the wall clock."""
    return parse_ts(held) if held else datetime.now(UTC)


def find_finished(incident_dir: Path, output_rel: str, events: Iterable[Event] | None = None) -> StepResult | None:
    """The journaled end of the run whose output file is ``output_rel``, if any."""
    if events is None:
        events = read_journal(incident_dir / "journal.jsonl").events
    found = None
    for e in events:
        if e.type == ev.STEP_FINISHED and e.data.get("output") == output_rel:
            found = e
    return StepResult.from_event(found) if found is not None else None


def _plain_excerpt(path: Path, n: int = 10) -> tuple[str, int, int]:
    try:
        lines, total, _ = read_tail(path, n)
        size = path.stat().st_size
    except OSError:
        return "", 0, 0
    return "\n".join(line.plain for line in lines), total, size


def mark_interrupted(incident_dir: str | os.PathLike[str], started: Mapping[str, Any],
                     reason: str | None = None, *, watchdog: bool = False,
                     at: datetime | None = None) -> StepResult | None:
    """Journal the end of a started step whose supervisor is gone. Returns the step's result (the
    existing one if it did finish), or None while it is still in progress. Safe against a
    concurrent supervisor, its watchdog or a second caller: it holds the output lock and checks
    the step's claim.

    * An end the supervisor kept in its reserved end record (the journal could not take it:
      disk full) is journaled as it was: the step's real status and exit code.
    * Otherwise the step is ``interrupted``. Processes of the step still running (found by the
      step's tag, so never someone else's process after a reboot) are ended first and named:
      the journal never says a step ended while its command tree runs on unsupervised.

    ``at``: the incident's "now" (its clock; default: where ``started['clock_held']`` says the
    incident's clock stands, else the wall clock), for the line's stamp and ``detected_at``.
    """
    if at is None:
        at = clock_of(started.get("clock_held"))
    incident_dir = Path(incident_dir)
    rel = str(started["output"])
    path = incident_dir / rel
    claim = claim_path(incident_dir, str(started.get("step_id")), started.get("seat") == "observer")
    if not watchdog and started.get("step_id") and claim_held(claim):
        owner = claim_owner(claim)
        if owner.get("output") in (None, rel):
            return None  # its supervisor, or the watchdog ending its processes, is still at work
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        fd = -1
    try:
        if fd >= 0:
            if not try_lock(fd, fcntl.LOCK_EX):
                return None
        done = find_finished(incident_dir, rel)
        end_file = end_path_for(incident_dir, rel)
        if done is not None:
            end_file.unlink(missing_ok=True)
            return done
        kept = read_end(end_file)
        if kept is not None and kept.get("output") == rel:
            data = {**kept, "journaled_late": True, "detected_at": format_ts(at)}
        else:
            tag = str(started.get("tag") or "")
            ended = end_tree(tag, 0, 2.0) if tag and not watchdog else []
            if reason is None:
                reason = ("its supervisor ended without recording the step's end"
                          + (f"; {len(ended)} process(es) of the step were still running unsupervised"
                             f" (pids {', '.join(map(str, ended))}) and were ended now" if ended
                             else "" if tag else f"; processes of group {started.get('pgid')} may still"
                             " be running if the machine was not restarted"))
            excerpt, lines, size = _plain_excerpt(path)
            data = {
                "step": started.get("step"), "step_id": started.get("step_id"),
                "status": "interrupted", "exit_code": None, "signal": None,
                "started_at": started.get("started_at"), "ended_at": None, "duration": None,
                "expect": None, "expect_met": None, "excerpt": excerpt, "output": rel,
                "lines": lines, "bytes": size, "reason": reason,
                "detected_at": format_ts(at),
            }
            if ended:
                data["ended_pids"] = ended
        try:
            event = Journal(incident_dir / "journal.jsonl").append(ev.STEP_FINISHED, data, ts=at)
        except JournalError as exc:
            if kept is None:
                raise
            code = "" if kept.get("exit_code") is None else f", exit {kept.get('exit_code')}"
            raise JournalError(f"{exc}; the step ended {kept.get('status')}{code}: its end is kept in"
                               f" {end_file} and is journaled by the next warroom that can write") from None
        end_file.unlink(missing_ok=True)
        return StepResult.from_event(event)
    finally:
        if fd >= 0:
            os.close(fd)


def find_unfinished(events: Iterable[Event]) -> list[dict[str, Any]]:
    """``step.started`` data of every run without a ``step.finished`` (by output file)."""
    started: dict[str, dict[str, Any]] = {}
    for e in events:
        out = e.data.get("output")
        if e.type == ev.STEP_STARTED and out:
            started[str(out)] = dict(e.data)
        elif e.type == ev.STEP_FINISHED and out:
            started.pop(str(out), None)
    return list(started.values())
