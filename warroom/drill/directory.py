"""A drill on disk, its clock, and the ``MetricSource`` the dashboard reads in drill mode.

A drill lives in its own directory (``<state_dir>/drills/<name>/``):

* ``drill.json``: scenario, ``start`` (unix time of scenario second 0), ``speed``; written once at
  creation (and when the drill is finished or tied to an incident), so a UI that quits and
  comes back with ``open_drill`` continues the very same drill;
* ``actions.jsonl``: what the stand-ins recorded (see ``warroom.drill.actions``);
* ``bin/``: wrapper scripts that run the stand-ins with this Python (see ``warroom.drill.env``).

Scenario time is ``(wall time - start) * speed``: ``--speed 10`` lives ten scenario seconds per
second. Values are pure functions of scenario time and the recorded actions, so the same drill
always draws the same lines, tests can run at high speed, and a resumed drill picks up exactly
where the clock says it is.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.config import SloConfig
from warroom.drill.actions import ACTIONS_FILE, Action, append_actions, read_actions
from warroom.drill.scenarios import Scenario, get_scenario
from warroom.drill.simulator import SERIES_CACHE, Simulator
from warroom.drill.source import DrillSource
from warroom.errors import NotFoundError, WarroomError


DRILL_FILE = "drill.json"
DRILLS_DIR = "drills"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


class DrillError(WarroomError):
    """A drill directory that cannot be created or read; the message names the file."""


@dataclass
class Drill:
    """One drill directory. Create with ``create_drill``, reopen with ``open_drill``."""

    path: Path
    name: str
    scenario: Scenario
    start: float
    speed: float
    created: float
    finished: float | None = None
    incident: str | None = None

    def __post_init__(self) -> None:
        self._sim: Simulator | None = None
        self._actions_key: tuple[int, int] | None = None
        self._actions_cache: list[Action] = []

    # -------------------------------------------------------------- clock

    def scenario_time(self, at: float | None = None) -> float:
        """Scenario seconds at unix time ``at`` (default: now)."""
        at = time.time() if at is None else at
        return (at - self.start) * self.speed

    def wall_time(self, t: float) -> float:
        """The unix time at which the drill reaches scenario second ``t``."""
        return self.start + t / self.speed

    # -------------------------------------------------------------- state

    @property
    def actions_path(self) -> Path:
        return self.path / ACTIONS_FILE

    def actions(self) -> list[Action]:
        """The recorded actions; re-read only when ``actions.jsonl`` changed on disk."""
        try:
            st = self.actions_path.stat()
            key: tuple[int, int] | None = (st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            key = None
        if key is None or key != self._actions_key:
            self._actions_cache = read_actions(self.path)
            self._actions_key = key
        return list(self._actions_cache)

    def record(self, action: str, *, tool: str = "warroom", argv: tuple[str, ...] = (),
               detail: dict[str, Any] | None = None, at: float | None = None) -> Action:
        """Record an action as if a stand-in had done it (the TUI's native actions use this)."""
        at = time.time() if at is None else at
        a = Action(action, self.scenario_time(at), at, tool, tuple(argv), dict(detail or {}))
        append_actions(self.path, [a])
        return a

    @property
    def simulator(self) -> Simulator:
        if self._sim is None:
            self._sim = Simulator(self.scenario, self.actions, self.wall_time, cache=self.path / SERIES_CACHE)
        return self._sim

    def source(self, slos: list[SloConfig] | None = None, window: float = 1800.0,
               points: int = 60) -> DrillSource:
        return DrillSource(self, slos=slos, window=window, points=points)

    def env(self, base_path: str | None = None) -> dict[str, str]:
        from warroom.drill.env import drill_env

        return drill_env(self.path, base_path=base_path)

    def finish(self, at: float | None = None) -> None:
        self.finished = time.time() if at is None else at
        self._save()

    def attach_incident(self, incident_id: str) -> None:
        """Remember the incident declared on this drill, so a resumed UI finds both."""
        self.incident = incident_id
        self._save()

    @property
    def active(self) -> bool:
        return self.finished is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1, "name": self.name, "scenario": self.scenario.name,
            "start": self.start, "speed": self.speed, "created": self.created,
            "finished": self.finished, "incident": self.incident,
            "start_utc": datetime.fromtimestamp(self.start, UTC).isoformat().replace("+00:00", "Z"),
        }

    def _save(self) -> None:
        _write_json(self.path / DRILL_FILE, self.to_dict())


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def drills_root(state_dir: Path) -> Path:
    return Path(state_dir) / DRILLS_DIR


def create_drill(state_dir: Path, scenario: str, speed: float = 1.0, *, name: str | None = None,
                 start: float | None = None) -> Drill:
    """Create a new drill directory (with its stand-in wrappers) and return it."""
    sc = get_scenario(scenario)
    if not (isinstance(speed, (int, float)) and math.isfinite(speed) and speed > 0):
        raise DrillError(f"drill speed must be a positive number, got {speed!r}")
    now = time.time()
    start = now if start is None else start
    if name is None:
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
        name = f"{sc.name}-{stamp}"
    if not _NAME.match(name):
        raise DrillError(f"drill name {name!r}: use letters, digits, '.', '_' or '-'")
    root = drills_root(state_dir)
    path = root / name
    n = 1
    while path.exists():
        n += 1
        path = root / f"{name}-{n}"
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.mkdir(mode=0o700)
    except OSError as exc:
        raise DrillError(f"{path}: cannot create the drill directory: {exc.strerror or exc}") from None
    drill = Drill(path, path.name, sc, float(start), float(speed), now)
    drill._save()
    (path / ACTIONS_FILE).touch(mode=0o600)
    from warroom.drill.env import install_wrappers

    install_wrappers(path)
    return drill


def open_drill(path: Path, *, wrappers: bool = True) -> Drill:
    """Reopen an existing drill directory (resume); ``wrappers`` refreshes its stand-in wrappers."""
    path = Path(path)
    file = path / DRILL_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFoundError(f"{file}: no drill here") from None
    except (OSError, ValueError) as exc:
        raise DrillError(f"{file}: cannot read the drill: {exc}") from None
    try:
        drill = Drill(
            path=path, name=str(data.get("name") or path.name),
            scenario=get_scenario(str(data["scenario"])),
            start=float(data["start"]), speed=float(data["speed"]),
            created=float(data.get("created", data["start"])),
            finished=None if data.get("finished") is None else float(data["finished"]),
            incident=data.get("incident"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DrillError(f"{file}: malformed drill file ({exc})") from None
    if not (drill.speed > 0):
        raise DrillError(f"{file}: speed must be positive, got {drill.speed}")
    from warroom.drill.env import install_wrappers

    if not wrappers:
        return drill
    try:
        install_wrappers(path)
    except OSError as exc:
        raise DrillError(f"{path / 'bin'}: cannot write the stand-in wrappers: {exc.strerror or exc}") from None
    return drill


def list_drills(state_dir: Path, *, wrappers: bool = False) -> list[Drill]:
    """Every readable drill under the state dir, newest first.

    Listing leaves the drills' stand-in wrappers alone (``wrappers=True`` refreshes them all);
    ``latest_drill`` refreshes only the one it returns, the one about to be used.
    """
    root = drills_root(state_dir)
    out = []
    if root.is_dir():
        for child in root.iterdir():
            if (child / DRILL_FILE).is_file():
                try:
                    out.append(open_drill(child, wrappers=wrappers))
                except WarroomError:
                    continue
    return sorted(out, key=lambda d: d.created, reverse=True)


def latest_drill(state_dir: Path, scenario: str | None = None, *, active_only: bool = True) -> Drill | None:
    """The newest drill (of ``scenario``), unfinished unless ``active_only`` is False; its stand-in
    wrappers are refreshed (it may be resumed under another interpreter)."""
    for d in list_drills(state_dir):
        if scenario is not None and d.scenario.name != scenario:
            continue
        if active_only and not d.active:
            continue
        return open_drill(d.path)
    return None
