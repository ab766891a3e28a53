"""Which drill a `warroom demo` / `warroom drill NAME` opens: the unfinished one, or a new one.

A drill is a world with a clock (``warroom.drill.directory``). A team runs the same scenario again
and again, so the choice has to be predictable and said out loud:

* an unfinished drill of the scenario is continued — whatever ``--speed`` says, because its world
  and its clock were made at its own speed (re-scaling them would redraw every curve);
* a drill whose incident was resolved is finished: it is marked so, and a new drill starts at the
  scenario's beginning;
* ``--new`` always starts a new drill (the unfinished one stays on disk, resumable by nobody).

Every choice comes with a sentence for the screen (``DrillChoice.notice``), so the commander
knows whether the quota pane is about to climb from the start or continue where it was.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from warroom.drill.directory import Drill, create_drill, latest_drill
from warroom.durations import format_duration


@dataclass(frozen=True)
class DrillChoice:
    """The drill to open and what to tell the commander about it."""

    drill: Drill
    resumed: bool
    notice: str | None = None


def choose_drill(root: Path, scenario: str, speed: float | None, *, new: bool = False,
                 incident_resolved: Callable[[str], bool] | None = None,
                 now: float | None = None) -> DrillChoice:
    """Continue the scenario's unfinished drill under ``root``, or start a new one.

    ``incident_resolved(id)`` answers whether the incident declared on a drill has been resolved
    (from the CLI, another dashboard, or before a crash); such a drill is finished here, so the
    next run starts the scenario again instead of reopening an already-mitigated world.
    """
    now = time.time() if now is None else now
    finished_note = None
    if not new:
        current = latest_drill(root, scenario, active_only=True)
        if current is not None and current.incident and incident_resolved is not None \
                and incident_resolved(current.incident):
            current.finish(at=now)
            finished_note = f"the last {scenario} drill ended when {current.incident} was resolved"
            current = None
        if current is not None:
            age = format_duration(max(0.0, current.scenario_time(now)))
            said = (f"continuing the {scenario} drill {current.name} at scenario time {age}"
                    f" (×{current.speed:g})")
            if speed is not None and speed != current.speed:
                said += f"; it keeps its own speed ×{current.speed:g}, not ×{speed:g}"
            said += " — add --new to start it over"
            return DrillChoice(current, resumed=True, notice=said)
    drill = create_drill(root, scenario, speed or 1.0)
    said = f"new {scenario} drill {drill.name} (×{drill.speed:g})"
    if finished_note:
        said = f"{finished_note}; {said}"
    return DrillChoice(drill, resumed=False, notice=said)


def resume_command(argv: Sequence[str]) -> str:
    """The command that comes back to this dashboard: what was typed, less what starts afresh.

    ``--new`` would start another drill and ``--speed`` is ignored by a resumed one, so both are
    dropped; everything else (``--config``, ``--state-dir``, the scenario) is kept, so the
    command lands in the same state directory with the same config.
    """
    out: list[str] = []
    skip = False
    dsn_next = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if dsn_next:    # the shared store's DSN: printed with its password masked, never in clear
            dsn_next = False
            out.append(_masked_dsn(arg))
            continue
        if arg == "--shared":
            dsn_next = True
            out.append(arg)
            continue
        if arg.startswith("--shared="):
            out.append("--shared=" + _masked_dsn(arg.split("=", 1)[1]))
            continue
        if arg == "--new":
            continue
        if arg == "--speed":
            skip = True
            continue
        if arg.startswith("--speed="):
            continue
        out.append(arg)
    return shlex.join(["warroom", *out])


def _masked_dsn(text: str) -> str:
    """A DSN as it may be shown (password ``***``); a malformed one is shown as ``***``."""
    from warroom.errors import WarroomError
    from warroom.shared.dsn import MASK, make_dsn

    try:
        return make_dsn(text).safe
    except WarroomError:
        return MASK
