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

import functools
import json
import math
import os
import re
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.config import SloConfig, default_slos
from warroom.drill.actions import ACTIONS_FILE, Action, append_actions, read_actions
from warroom.drill.model import Signals
from warroom.drill.promql import Catalog, Many, PromQLError, Sample, evaluate, evaluate_many
from warroom.drill.scenarios import Scenario, get_scenario
from warroom.drill.series import PANES, Series
from warroom.errors import NotFoundError, WarroomError
from warroom.sources.model import SloSample

DRILL_FILE = "drill.json"
SERIES_CACHE = "series.cache"
_CACHE_VERSION = 2        # v2: the held window, its newest rates and the checkpoints (Series.dump)
DRILLS_DIR = "drills"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


@functools.cache
def _code_fingerprint() -> str:
    """What the cached integration depends on besides the actions: the simulator's own code (the
    estate, the signals, the scenarios, the integration) and the float maths of this machine."""
    from warroom.drill import fleet, model, scenarios, series

    crc = 0
    for module in (fleet, model, scenarios, series):
        crc = zlib.crc32(Path(module.__file__ or "").read_bytes(), crc)
    return f"{crc:08x} py{sys.version_info[0]}.{sys.version_info[1]} {os.uname().machine}"


class DrillError(WarroomError):
    """A drill directory that cannot be created or read; the message names the file."""


# ------------------------------------------------------------------------------ simulator

class Simulator:
    """The drill world for one scenario, following the actions as they are recorded.

    ``actions`` is called before every question; when the list changed, the series are rebuilt
    but the integration before the earliest new action is kept (the past cannot change).
    Thread-safe: the dashboard fetches from worker threads.
    """

    def __init__(
        self,
        scenario: Scenario,
        actions: Callable[[], list[Action]] | None = None,
        unix: Callable[[float], float] | None = None,
        cache: Path | None = None,
    ) -> None:
        self.scenario = scenario
        self._actions_fn = actions or (lambda: [])
        self.unix = unix or (lambda t: t)
        self.cache = cache
        self._lock = threading.RLock()
        self._actions: tuple[Action, ...] | None = None
        self._series: Series | None = None
        self._catalog: Catalog | None = None
        self._loaded_rows = 0

    def refresh(self) -> Series:
        with self._lock:
            current = tuple(self._actions_fn())
            if self._series is None and self.cache is not None:
                self._load_cache(current)
            if self._series is None or current != self._actions:
                series = Series(Signals(self.scenario, current))
                if self._series is not None and self._actions is not None:
                    old = self._actions
                    same = 0
                    while same < min(len(old), len(current)) and old[same] == current[same]:
                        same += 1
                    changed = old[same:] + current[same:]
                    if changed:
                        series.adopt(self._series, min(a.t for a in changed))
                self._actions = current
                self._series = series
                self._catalog = Catalog(series, self.unix)
            return self._series

    @property
    def signals(self) -> Signals:
        return self.refresh().signals

    # ------------------------------------------------------------------ cache file
    #
    # Stand-ins are short-lived processes; integrating the counters from scratch in each one
    # costs a tenth of a second or more. The integration is deterministic, so it is kept in the
    # drill dir (raw doubles plus a JSON header naming the actions it was made with) and reused
    # up to the first action that differs.

    def _load_cache(self, current: tuple[Action, ...]) -> None:
        assert self.cache is not None
        try:
            raw = self.cache.read_bytes()
        except OSError:
            return
        head, sep, body = raw.partition(b"\n")
        try:
            header = json.loads(head)
            cached = [(str(a), float(t)) for a, t in header["actions"]]
            rows = int(header["rows"])
            if header.get("v") != _CACHE_VERSION or header.get("scenario") != self.scenario.name or not sep:
                return
            if header.get("code") != _code_fingerprint():
                return                # made by other simulator code (an upgrade): its rows may differ
        except (ValueError, KeyError, TypeError):
            return
        now = [(a.action, a.t) for a in current]
        same = 0
        while same < min(len(cached), len(now)) and cached[same] == now[same]:
            same += 1
        changed = [t for _, t in cached[same:] + now[same:]]
        series = Series(Signals(self.scenario, current))
        if float(header.get("t0", series.t0)) != series.t0 or int(header.get("width", -1)) != len(series.keys):
            return
        series.load(body, rows, min(changed) if changed else None)
        self._series = series
        self._actions = current
        self._catalog = Catalog(series, self.unix)
        self._loaded_rows = series.rows

    def save_cache(self) -> None:
        """Write the integration to the cache file if this process extended it."""
        with self._lock:
            series = self._series
            if self.cache is None or series is None or series.rows <= self._loaded_rows:
                return
            header = {"v": _CACHE_VERSION, "code": _code_fingerprint(), "scenario": self.scenario.name, "t0": series.t0, "width": len(series.keys),
                      "rows": series.rows, "actions": [[a.action, a.t] for a in series.signals.actions]}
            tmp = self.cache.with_name(f".{self.cache.name}.{os.getpid()}")
            try:
                tmp.write_bytes(json.dumps(header).encode() + b"\n" + series.dump())
                os.replace(tmp, self.cache)
            except OSError:
                tmp.unlink(missing_ok=True)
                return
            self._loaded_rows = series.rows

    def pane(self, pane_id: str, t: float) -> float | None:
        with self._lock:
            return self.refresh().pane(pane_id, t)

    def evaluate(self, expr: str, t: float) -> float | list[Sample]:
        """Evaluate PromQL at scenario time ``t``; raises ``PromQLError``."""
        with self._lock:
            self.refresh()
            assert self._catalog is not None
            return evaluate(self._catalog, expr, t)

    def evaluate_many(self, expr: str, times: list[float]) -> Many:
        """``evaluate`` at every scenario time in ``times``, in one pass (see ``evaluate_many``)."""
        with self._lock:
            self.refresh()
            assert self._catalog is not None
            return evaluate_many(self._catalog, expr, times)

    def first_crossing(self, pane_id: str, threshold: float, start: float, end: float,
                       step: float = 5.0) -> float | None:
        """First scenario time in [start, end] at which the pane is at or above ``threshold``."""
        with self._lock:
            series = self.refresh()
            n = int(max(0.0, end - start) // step)
            for i in range(n + 1):
                t = start + i * step
                v = series.pane(pane_id, t)
                if v is not None and v >= threshold:
                    return t
            return None


# ------------------------------------------------------------------------------ the drill

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


# ------------------------------------------------------------------------------ metric source

class DrillSource:
    """``MetricSource`` over a drill: the panes' own PromQL, evaluated on the simulated world.

    ``window`` (scenario seconds) and ``points`` shape the sparklines; their timestamps are wall
    times, so the panes' data age works as it does with Prometheus.
    """

    def __init__(self, drill: Drill, slos: list[SloConfig] | None = None, window: float = 1800.0,
                 points: int = 60) -> None:
        self.drill = drill
        self.name = f"drill:{drill.scenario.name}"
        self.window = float(window)
        self.points = max(2, int(points))
        self._slos = {s.id: s for s in (slos or default_slos())}
        self._polls = 0

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        at = time.time() if at is None else at
        out = [self._sample(slo, at) for slo in slos]
        sim = self.drill.simulator
        # lets stand-ins start from where the dashboard got to; not on the first poll, which the
        # dashboard's first frame waits for (no stand-in runs before the next one anyway)
        if self._polls and sim._series is not None and sim._series.rows - sim._loaded_rows > 120:  # noqa: SLF001
            sim.save_cache()
        self._polls += 1
        return out

    def _sample(self, slo: SloConfig, at: float) -> SloSample:
        sim = self.drill.simulator
        t = self.drill.scenario_time(at)
        step = self.window / (self.points - 1)
        times = [t - self.window + i * step for i in range(self.points)]
        series_expr = slo.range_query or slo.query
        try:
            if series_expr == slo.query:
                both = _values(sim.evaluate_many(slo.query, [t, *times]), len(times) + 1)
                (value, note), values = both[0], both[1:]
            else:
                value, note = _values(sim.evaluate_many(slo.query, [t]), 1)[0]
                values = _values(sim.evaluate_many(series_expr, times), len(times))
        except PromQLError as exc:
            return SloSample(slo.id, None, sample_time=at, fetched_at=time.time(),
                             error=f"drill cannot evaluate {slo.query!r}: {exc}")
        wall = self.drill.wall_time
        series = tuple((wall(ti), v) for ti, (v, _) in zip(times, values, strict=True) if v is not None)
        return SloSample(slo.id, value, series, sample_time=at, fetched_at=time.time(), note=note)

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        """Evaluate a PromQL expression (or a pane id such as ``quota``) at ``at``."""
        at = time.time() if at is None else at
        query = self._resolve(expr)
        try:
            value, note = _one(self.drill.simulator.evaluate(query, self.drill.scenario_time(at)))
        except PromQLError as exc:
            return SloSample(expr, None, sample_time=at, fetched_at=time.time(),
                             error=f"drill cannot evaluate {expr!r}: {exc}")
        return SloSample(expr, value, sample_time=at, fetched_at=time.time(), note=note)

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        """The full instant vector (labels, value) for ``expr``; raises ``PromQLError``."""
        at = time.time() if at is None else at
        result = self.drill.simulator.evaluate(self._resolve(expr), self.drill.scenario_time(at))
        if isinstance(result, float):
            return [({}, result)]
        return [(s.label_dict(), s.value) for s in result]

    def _resolve(self, expr: str) -> str:
        key = expr.strip()
        if key in self._slos:
            return self._slos[key].query
        return expr

    def close(self) -> None:
        return None


_NAN_NOTE = "result is NaN (nothing happened in the window)"


def _values(many: Many, n: int) -> list[tuple[float | None, str | None]]:
    """``_one`` at every time of a ``Many``, without building a Sample per series and time."""
    if many.points is not None:
        return [_one(v) for v in many.points]
    if many.scalar is not None:
        return [(None, "result is NaN") if math.isnan(v) else (v, None) for v in many.scalar]
    vector = many.vector or []
    if not vector:
        return [(None, None)] * n
    if len(vector) == 1:
        return [(None, _NAN_NOTE) if math.isnan(v) else (v, None) for v in vector[0][1]]
    note = f"{len(vector)} series returned; showing the highest"
    out: list[tuple[float | None, str | None]] = []
    for row in zip(*(col for _, col in vector), strict=True):
        values = [v for v in row if not math.isnan(v)]
        out.append((max(values), note) if values else (None, _NAN_NOTE))
    return out


def _one(result: float | list[Sample]) -> tuple[float | None, str | None]:
    """Reduce a PromQL result to the single number a pane shows, with a note when it had to choose."""
    if isinstance(result, float):
        return (None, "result is NaN") if math.isnan(result) else (result, None)
    values = [s for s in result if not math.isnan(s.value)]
    if not result:
        return None, None
    if not values:
        return None, _NAN_NOTE
    if len(result) == 1:
        return values[0].value, None
    best = max(values, key=lambda s: s.value)
    return best.value, f"{len(result)} series returned; showing the highest"


__all__ = [
    "PANES", "Drill", "DrillError", "DrillSource", "Simulator", "create_drill", "drills_root",
    "latest_drill", "list_drills", "open_drill",
]
