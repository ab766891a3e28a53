"""One drill as the rest of warroom sees it: on disk, its clock, the ``MetricSource`` the
dashboard reads, the stand-ins its steps run, and which drill a launch opens.

A drill lives in ``<state_dir>/drills/<name>/``: ``drill.json`` (scenario, ``start`` = unix time
of scenario second 0, ``speed``), ``actions.jsonl`` (what the stand-ins recorded), ``bin/`` (the
stand-in wrappers), ``kubeconfig`` and ``first_look`` (when its panes first showed a value).
Scenario time is ``(wall time - start) * speed``; values are pure functions of it and of the
recorded actions, so the same drill always draws the same lines and a resumed drill picks up where
its clock says.
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from warroom import paths, scenario_time as stime
from warroom.config import SloConfig, default_slos
from warroom.drill import STANDINS as STANDINS, fleet, simulator
from warroom.drill.actions import ACTIONS_FILE, Action, append_actions, read_actions
from warroom.drill.promql import PromQLError, shown
from warroom.drill.scenarios import Scenario, get_scenario
from warroom.drill.series import GRID, HISTORY, Series
from warroom.drill.simulator import SERIES_CACHE, Simulator, changed_from
from warroom.durations import format_duration
from warroom.errors import NotFoundError, WarroomError
from warroom.sources.model import SloSample

DRILL_FILE = "drill.json"
FIRST_LOOK = "first_look"
ENV_DIR = "WARROOM_DRILL_DIR"
#: Host programs a drill's bin/ shadows too: what they print depends on the clock (``date -d '15 minutes ago'``)
SHIMS: tuple[str, ...] = ("date", "promtool")
SHIPPED_BIN = Path(__file__).resolve().parent / "bin"
ACTION_SKEW = 1.0      # scenario seconds a record's time may differ from its stamp's (both kept to the ms)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
MAX_SPEED = stime.MAX_SPEED
#: An ``.invalid`` cluster: all a drill's kubectl could ever reach. JSON is YAML, so kubectl and
#: ``warroom.sources.kube_target`` read it as any kubeconfig.
_AWS_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
_AWS_ENV = {"AWS_PROFILE": "drill", "AWS_ACCESS_KEY_ID": "AKIADRILL0000NOTREAL",
            "AWS_SECRET_ACCESS_KEY": "drill-0000-not-a-real-secret", "AWS_ENDPOINT_URL": "https://aws.drill.invalid"}
"""The real aws CLI's fence, as the kubeconfig's .invalid cluster is kubectl's (attack38 F5): reached by a way
past the drill's PATH, it reads the drill's profile and fake keys and calls an endpoint that cannot resolve,
never the IC's own ~/.aws profile, keys or SSO cache. The drill's own aws stand-in reads none of these."""
READ_ONLY_ENV = "WARROOM_DRILL_READ_ONLY"
"""Set (to 1) in a read-only session's steps and drill shell: every stand-in refuses what would change the drill's
world (``standins.base.Context.writable``), whatever the command; a shell pasted without it unsets it."""
UNSET_ENV = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
"""Removed (not emptied) where a drill's environment is applied by hand: the IC's session token with the drill's
fake keys is no credential, but it is theirs and nothing of the drill's needs it."""

_KUBECONFIG = json.dumps({
    "apiVersion": "v1", "kind": "Config", "current-context": "drill",
    "clusters": [{"name": "drill", "cluster": {"server": "https://drill-cluster.invalid:6443"}}],
    "contexts": [{"name": "drill", "context": {"cluster": "drill", "namespace": fleet.NAMESPACE, "user": "drill"}}],
    "users": [{"name": "drill", "user": {"token": "drill-not-a-real-token"}}]}, indent=2)
_WRAPPER = """#!/bin/sh
# stand-in for {tool} in warroom's drill: runs the shipped stand-in with the Python warroom runs on
# (rewritten whenever the drill is reopened). Nothing here touches a real system.
[ -n "${{{env}-}}" ] || {env}={drill}
export {env}
exec {python} {script} "$@"
"""


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
    incident: str | None = None        # declared on this drill: resolving it finishes the drill
    # where that incident lives when not in this machine's state dir: "the shared store host:5432/warroom"; a launch
    # that reads no such store cannot see it resolved, and must not continue the drill (redteam48 F6)
    incident_store: str | None = None
    on_wall: bool = False               # made on the wall clock (not pinned, no start given): its now is the wall's
    ids: str | None = None              # the seed of its flows' task ids (``drill_ids``); None: a drill made before
                                        # drills had one, whose ids were its scenario's (kept so on resume)

    def __post_init__(self) -> None:
        self._actions: tuple[tuple[int, int] | None, list[Action]] = (None, [])
        self._file: tuple[Path | None, str] = (None, "")         # (path, its actions file's name): ``actions``
        stime.work_on(str(self.path), drill=True)      # a drill's world: its clock may be pinned

    def scenario_time(self, at: float | None = None) -> float:
        """Scenario seconds at unix time ``at`` (default: now)."""
        return ((stime.now() if at is None else at) - self.start) * self.speed

    def wall_time(self, t: float) -> float:
        """The unix time at which the drill reaches scenario second ``t``."""
        return self.start + t / self.speed

    def actions(self) -> list[Action]:
        """The recorded actions; re-read only when ``actions.jsonl`` changed on disk."""
        if self._file[0] is not self.path:          # its name made once: the panes ask for the actions ten times a poll
            self._file = (self.path, os.fspath(self.path / ACTIONS_FILE))
        try:
            st = os.stat(self._file[1])
            key: tuple[int, int] | None = (st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            key = None
        if key is None or key != self._actions[0]:
            read = read_actions(self.path)
            for n, a in enumerate(read, 1):
                skew = ACTION_SKEW + 0.002 * self.speed          # each time kept to the ms: at x3600, 3.6 s apart
                if abs(self.scenario_time(a.ts) - a.t) > skew or a.t < -skew:
                    # a record warroom wrote has the drill time of the moment it wrote it, never before the drill
                    # began: one that does not rewrote the world's past without a word (redteam41 X6)
                    raise WarroomError(f"{self.path / ACTIONS_FILE}: record {n} ({a.action} at scenario time {a.t:g}"
                                       f" s, recorded at {a.ts:.3f}) is not one warroom wrote: its times disagree with"
                                       " the drill's clock; repair or delete that line (nothing was changed)")
            self._actions = (key, read)
        return list(self._actions[1])

    def record(self, action: str, *, tool: str = "warroom", argv: tuple[str, ...] = (),
               detail: dict[str, Any] | None = None, at: float | None = None) -> Action:
        """Record an action as if a stand-in had done it (how tests script what responders did)."""
        at = stime.now() if at is None else at
        a = Action(action, self.scenario_time(at), at, tool, tuple(argv), dict(detail or {}))
        append_actions(self.path, [a])
        return a

    def looked(self, at: float) -> None:
        """Record ``at`` as the moment the drill's panes first showed a value, unless one is recorded (the first
        writer wins): before it the commander could see nothing, so detection cannot be timed from earlier."""
        try:
            fd = os.open(self.path / FIRST_LOOK, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{at:.3f}\n")

    @property
    def first_look(self) -> float | None:
        """Unix time the drill's panes first showed a value (:meth:`looked`), None before any did."""
        try:
            return float((self.path / FIRST_LOOK).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    @cached_property
    def simulator(self) -> Simulator:
        return Simulator(self.scenario, self.actions, self.wall_time, cache=self.path / SERIES_CACHE,
                         now=self.scenario_time, ids=self.ids)

    def source(self, slos: list[SloConfig] | None = None, window: float = 1800.0, points: int = 60) -> DrillSource:
        return DrillSource(self, slos=slos, window=window, points=points)

    def env(self, base_path: str | None = None) -> dict[str, str]:
        """What the command runner adds for a drill step: the wrappers first on PATH (``base_path``,
        default this process's PATH, after them), the drill dir, and targets that cannot reach
        production (an ``.invalid`` cluster and database host, fake API keys), so a step can never
        touch a real system or leak a real credential even if it calls a tool by absolute path."""
        check_drill_path(self.path)
        base = os.environ.get("PATH", os.defpath) if base_path is None else base_path
        return {"PATH": str(self.path / "bin") + (os.pathsep + base if base else ""), ENV_DIR: str(self.path),
                "WARROOM_DRILL": "1", "KUBECONFIG": str(self.path / "kubeconfig"), "PGHOST": "taskdb.drill.invalid",
                "PGPORT": "5432", "PGDATABASE": "flowengine_db", "PGUSER": "flowengine_user", "AWS_PAGER": "",
                "AWS_DEFAULT_REGION": "eu-west-1", "ANTHROPIC_API_KEY": "sk-ant-drill-0000-not-a-real-key",
                "OPENAI_API_KEY": "sk-drill-0000-not-a-real-key", **_AWS_ENV,
                "AWS_CONFIG_FILE": str(self.path / "aws" / "config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(self.path / "aws" / "credentials")}

    @property
    def active(self) -> bool:
        return self.finished is None

    def finish(self, at: float | None = None) -> None:
        self.finished = stime.now() if at is None else at
        self._save()

    def attach_incident(self, incident_id: str, store: str | None = None) -> None:
        """Remember the incident declared on this drill, so a resumed UI finds both; ``store``: where it lives when
        that is a shared store (``IncidentStore.where``), None for this machine's state dir."""
        self.incident, self.incident_store = incident_id, store
        self._save()

    def _save(self) -> None:
        """Write ``drill.json`` whole (a temporary file of this write's own, fsync, rename): a crash never
        half-writes it, and two processes writing at once (the dashboard finishing it, the CLI tying an
        incident to it) never rename each other's half-written file."""
        data = {"version": 1, "name": self.name, "scenario": self.scenario.name, "start": self.start,
                "speed": self.speed, "created": self.created, "finished": self.finished, "incident": self.incident,
                **({"incident_store": self.incident_store} if self.incident_store else {}),
                "on_wall": self.on_wall, **({"ids": self.ids} if self.ids else {}),
                "start_utc": datetime.fromtimestamp(self.start, UTC).isoformat().replace("+00:00", "Z")}
        import tempfile      # here: shutil, bz2, lzma and random are ~4 ms of every stand-in's start

        fd, tmp = tempfile.mkstemp(prefix=f".{DRILL_FILE}.", suffix=".tmp", dir=self.path)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path / DRILL_FILE)


def check_drill_path(path: Path) -> None:
    """Refuse a drill path holding ``os.pathsep`` (attack38 F6): it splits PATH and KUBECONFIG, so the
    drill's bin/ is no entry of PATH and a real kubectl answers a step or a drill shell."""
    for text in {str(path), str(Path(path).absolute())}:
        if os.pathsep in text:
            raise DrillError(f"{text}: a drill cannot live under a path with {os.pathsep!r} (it would split PATH"
                             " and KUBECONFIG, and the real kubectl would answer); use another --state-dir")


def drill_ids(scenario: str, start: float) -> str:
    """The seed of a new drill's task ids: its scenario and the moment it starts. Every drill of a scenario drew
    the same ids (``tsk_4e75a03d`` failed in each timeout drill), so a team running it again could retry the last
    run's ids without any triage, and two PIRs read as the same flows failing again (redteam48 F8); only the ids
    move, the world's curves are the scenario's. A drill started at a pinned moment (``$WARROOM_DRILL_AT``: a test,
    a golden, a facilitator's replay) draws the same ids each time."""
    return f"{scenario}@{start:.3f}"


def create_drill(state_dir: Path, scenario: str, speed: float = 1.0, *, name: str | None = None,
                 start: float | None = None, ids: str | None = None) -> Drill:
    """Create a new drill directory (with its stand-in wrappers) and return it; ``ids``: the seed of its task ids
    (default :func:`drill_ids`), kept in ``drill.json`` for every later opening."""
    sc = get_scenario(scenario)
    try:
        speed = stime.check_drill_speed(speed)
    except WarroomError as exc:
        raise DrillError(str(exc)) from None
    root = Path(state_dir) / "drills"
    check_drill_path(root)
    stime.work_on(str(root), drill=True)    # it starts at the drill's "now"
    now = stime.now()
    name = f"{sc.name}-{datetime.fromtimestamp(now, UTC):%Y%m%d-%H%M%S}" if name is None else name
    if not _NAME.match(name):
        raise DrillError(f"drill name {name!r}: use letters, digits, '.', '_' or '-'")
    path, n = root / name, 1
    while path.exists():
        n += 1
        path = root / f"{name}-{n}"
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.mkdir(mode=0o700)
    except OSError as exc:
        raise DrillError(f"{path}: cannot create the drill directory: {exc.strerror or exc}") from None
    begin = float(now if start is None else start)
    drill = Drill(path, path.name, sc, begin, float(speed), now, on_wall=start is None and stime.held_of(True) is None,
                  ids=drill_ids(sc.name, begin) if ids is None else ids)
    drill._save()
    (path / ACTIONS_FILE).touch(mode=0o600)
    install_wrappers(path)
    simulator.plant_seed(path / SERIES_CACHE, sc.name)   # the two hours before any action, when a drill drew them
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
        drill = Drill(path=path, name=str(data.get("name") or path.name), scenario=get_scenario(str(data["scenario"])),
                      start=float(data["start"]), speed=float(data["speed"]),
                      created=float(data.get("created", data["start"])), incident=data.get("incident"),
                      finished=None if data.get("finished") is None else float(data["finished"]),
                      on_wall=data.get("on_wall") is True,
                      incident_store=str(data["incident_store"]) if data.get("incident_store") else None,
                      ids=str(data["ids"]) if data.get("ids") else None)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise DrillError(f"{file}: malformed drill file ({exc})") from None
    if not (math.isfinite(drill.start) and 0 < drill.speed <= MAX_SPEED):
        raise DrillError(f"{file}: start must be a finite unix time and speed a positive number up to {MAX_SPEED:g},"
                         f" got {drill.start}, {drill.speed}")
    try:
        if wrappers:
            install_wrappers(path)
    except OSError as exc:
        raise DrillError(f"{path / 'bin'}: cannot write the stand-in wrappers: {exc.strerror or exc}") from None
    return drill


def list_drills(state_dir: Path, unreadable: list[str] | None = None) -> list[Drill]:
    """Every readable drill under the state dir, newest first (wrappers left alone); why each one with a
    drill.json that cannot be read was left out goes to ``unreadable``."""
    root = Path(state_dir) / "drills"
    out = []
    for child in root.iterdir() if root.is_dir() else ():
        try:
            out.append(open_drill(child, wrappers=False))
        except WarroomError as exc:
            if unreadable is not None and (child / DRILL_FILE).exists():
                unreadable.append(str(exc))
    return sorted(out, key=lambda d: d.created, reverse=True)


def latest_drill(state_dir: Path, scenario: str | None = None, *, active_only: bool = True,
                 unreadable: list[str] | None = None) -> Drill | None:
    """The newest drill (of ``scenario``), unfinished unless ``active_only`` is False; its wrappers refreshed."""
    return next((open_drill(d.path) for d in list_drills(state_dir, unreadable)
                 if (scenario is None or d.scenario.name == scenario) and (d.active or not active_only)), None)


# ------------------------------------------------------------------ the MetricSource the dashboard reads


class DrillSource:
    """The panes' own PromQL evaluated on a drill's world, answered as the Prometheus source does
    (``SloSample``: value, sparkline with wall-time stamps, notes): panes cannot tell a drill from
    production. Like a real source it holds nothing after the drill's now, and before its world began
    the reading says why rather than a bare "no data". A pane's sparkline is reused until one step of
    it has passed (it cannot gain a point before then; evaluating it every poll was two thirds of the
    dashboard's CPU); an action recorded drops every cached sparkline."""

    exact_history = True    #: ranges are exact at any step (no scrape interval): a sub-second grid is fine

    def __init__(self, drill: Drill, slos: list[SloConfig] | None = None, window: float = 1800.0,
                 points: int = 60) -> None:
        self.drill = drill
        self.name = f"drill:{drill.scenario.name}"
        self.window = float(window)
        self.points = max(2, int(points))
        self._slos = {s.id: s for s in (slos or default_slos())}
        self._polls, self._looked = 0, False    # _looked: the drill's first look is recorded (``Drill.looked``)
        # _sparklines: series expression -> (scenario time, world evaluated on, points)
        self._sparklines: dict[str, tuple[float, object, tuple[tuple[float, float], ...]]] = {}

    @property
    def step(self) -> float:
        """Scenario seconds between two points of a sparkline."""
        return self.window / (self.points - 1)

    def unknown(self, at: float) -> str | None:
        """Why nothing is known at unix time ``at``: after the drill's now, or before its world began; else None.
        In a drill that runs on the wall clock, ``$WARROOM_DRILL_AT`` may pin its now back, never ahead of the wall:
        a pinned moment after the wall is refused here as its stand-ins refuse it (attack60 F1)."""
        if (t := self.drill.scenario_time(at)) < -HISTORY:
            return stime.before_world(t, HISTORY)
        if at <= (now := min(stime.now(), stime.wall()) if self.drill.on_wall else stime.now()):
            return None
        ahead = format_duration(t - self.drill.scenario_time(now))
        return (f"no data at {stime.utc_said(at)}: that is {ahead} of drill time after the drill's now "
                f"({stime.utc_said(now)}); a source holds nothing from the future")

    def unsimulated(self, at: float) -> float:
        """Drill seconds the world must still be simulated (integrated on from its cache) to answer at unix time
        ``at``: a look that must not take long (``incident list``, attack53 A12: a drill left open a day at x60 is
        sixty days behind, minutes of CPU) asks this first. Reads the cache file, integrates nothing."""
        with self.drill.simulator.holding() as series:
            return max(0.0, self.drill.scenario_time(at) - (series.t0 + GRID * max(0, series.rows - 1)))

    @staticmethod
    def said(reading: tuple[float | None, str | None], t: float) -> tuple[float | None, str | None]:
        """``reading`` (value, note), saying why it has no value at scenario time ``t`` before the start."""
        return reading if reading[0] is not None or t >= 0 else (None, stime.before_world(t, HISTORY))

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        # Sparklines are reused only for "now" (the dashboard's polls), never for a fetch as of a
        # given time (evidence back-filled later), as with the Prometheus source.
        cache = at is None
        at = stime.now() if at is None else at
        if (why := self.unknown(at)) is not None:
            return [SloSample(slo.id, None, sample_time=at, fetched_at=stime.now(), error=why, error_kind="error")
                    for slo in slos]
        out = [self._sample(slo, at, cache) for slo in slos]
        # lets stand-ins start from where the dashboard got to; not on the first poll, which the
        # dashboard's first frame waits for (no stand-in runs before the next one anyway)
        if self._polls:
            self.drill.simulator.save_cache(new_rows=121)
        if cache and not self._looked and any(s.value is not None for s in out):
            self._looked = True
            self.drill.looked(stime.now())      # the panes' first values, once they are ready to draw
        self._polls += 1
        return out

    def _sample(self, slo: SloConfig, at: float, cache: bool) -> SloSample:
        sim, t = self.drill.simulator, self.drill.scenario_time(at)
        series_expr = slo.range_query or slo.query
        world = sim.refresh() if cache else None
        hit = self._sparklines.get(series_expr) if cache else None
        if hit is not None and hit[1] is world and 0 <= t - hit[0] < self.step:
            times: list[float] = []      # the cached sparkline cannot have gained a point yet
        else:
            hit = None
            times = [t - self.window + i * self.step for i in range(self.points)]
        # value and history in one evaluation (not with an @: start() and end() are the history's)
        own = hit is None and series_expr == slo.query and "@" not in slo.query
        try:
            many = sim.evaluate_many(slo.query, [t, *times] if own else [t])
            history = sim.evaluate_many(series_expr, times) if times and not own else many
        except PromQLError as exc:
            return SloSample(slo.id, None, sample_time=at, fetched_at=stime.now(),
                             error=f"drill cannot evaluate {slo.query!r}: {exc}")
        value, note = self.said(shown(many.at(0)), t)
        if hit is not None:
            series = hit[2]
        else:
            values = [shown(history.at(j + own))[0] for j in range(len(times))]
            series = tuple((self.drill.wall_time(ti), v) for ti, v in zip(times, values, strict=True) if v is not None)
            if cache:
                self._sparklines[series_expr] = (t, world, series)
        return SloSample(slo.id, value, series, sample_time=at, fetched_at=stime.now(), note=note)

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        """Evaluate a PromQL expression (or a pane id such as ``quota``) at ``at``."""
        at = stime.now() if at is None else at
        if (why := self.unknown(at)) is not None:
            return SloSample(expr, None, sample_time=at, fetched_at=stime.now(), error=why, error_kind="error")
        try:
            t = self.drill.scenario_time(at)
            value, note = self.said(shown(self.drill.simulator.evaluate(self._resolve(expr), t)), t)
        except PromQLError as exc:
            return SloSample(expr, None, sample_time=at, fetched_at=stime.now(),
                             error=f"drill cannot evaluate {expr!r}: {exc}")
        return SloSample(expr, value, sample_time=at, fetched_at=stime.now(), note=note)

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        """The full instant vector (labels, value) for ``expr``; raises ``PromQLError`` (after now, too)."""
        at = stime.now() if at is None else at
        if (why := self.unknown(at)) is not None:
            raise PromQLError(why)
        result = self.drill.simulator.evaluate(self._resolve(expr), self.drill.scenario_time(at))
        return [({}, result)] if isinstance(result, float) else [(dict(s.labels), s.value) for s in result]

    def query_range(self, expr: str, start: float, end: float,
                    step: float) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """Every series of ``expr`` from unix ``start`` to ``end`` every ``step`` s (values and ±Inf,
        no NaN, none after the drill's now), as the Prometheus source answers it; raises ``PromQLError``."""
        return self.query_at(expr, self.walls(start, end, step))

    def walls(self, start: float, end: float, step: float) -> list[float]:
        """The unix times a range query from ``start`` to ``end`` every ``step`` s is answered at
        (none after the drill's now): the one grid, read by ``query_range`` and by whoever keeps
        its answers (``warroom.incident.history_memo``). From a multiple of the step (``metric_history.align``)
        each is ``k * step``, so a doubled step's grid is every other time of the finer one, bit for bit."""
        n, k, now = max(1, int((end - start) // step) + 1), round(start / step), stime.now()
        times = (start + i * step for i in range(n)) if k * step != start else ((k + i) * step for i in range(n))
        return [w for w in times if w <= now]

    @property
    def batch_span(self) -> float:
        """Wall seconds of drill one question over the past should cover: the hour of rows the
        simulator integrates and holds at a time (``Series.CHUNK``); wider, it integrates again."""
        return Series.CHUNK * GRID / self.drill.speed

    def world(self) -> dict[str, Any]:
        """What an answer depends on besides the query and its time: the simulator's code, the
        scenario, the clock (start, speed) and every action recorded so far."""
        d = self.drill
        return {"code": simulator._code_fingerprint(), "scenario": d.scenario.name, "start": d.start, "speed": d.speed,
                "actions": [[a.t, a.to_json()] for a in d.actions()]}

    def unchanged_until(self, old: dict[str, Any], new: dict[str, Any]) -> float:
        """The unix time before which every answer given on world ``old`` is world ``new``'s
        answer too (inf: the same world). An action changes the world only from the scenario time
        it was taken, and a point reads no sample after its own time; a minute's margin."""
        if any(old.get(k) != new.get(k) for k in ("code", "scenario", "start", "speed")):
            return -math.inf
        since = changed_from(*([(said, t) for t, said in w.get("actions") or []] for w in (old, new)))
        return math.inf if since is None else self.drill.wall_time(float(since) - 60.0)

    def query_at(self, expr: str, walls: list[float]) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """Every series of ``expr`` at each of the unix times ``walls`` (``query_range``'s answer
        for exactly those points); raises ``PromQLError``. Each is read at its scenario time to 1/128 s:
        a unix time's float error (x3600: 1.3 ms of drill time) never decides which scrape it reads."""
        if not walls:
            return []
        many = self.drill.simulator.evaluate_many(self._resolve(expr),
                                                  [round(self.drill.scenario_time(w) * 128) / 128 for w in walls])
        if many.scalar is not None:
            return [({}, [(w, v) for w, v in zip(walls, many.scalar, strict=True) if not math.isnan(v)])]
        return [(dict(labels), [(w, v) for w, v in zip(walls, col, strict=True) if v is not None and not math.isnan(v)])
                for labels, col in many.vector or []]

    def _resolve(self, expr: str) -> str:
        """A pane id (``quota``) stands for the pane's own query."""
        return slo.query if (slo := self._slos.get(expr.strip())) is not None else expr

    def close(self) -> None:
        """A drill holds no connection; the integration this source extended (at least ten drill
        minutes of it) is written for the next command, which then integrates from there, never
        again from where the drill was last watched (``incident show`` five hours into a x60
        drill integrated those five hours on every run)."""
        self.drill.simulator.save_cache(new_rows=121)


# ------------------------------------------------------------------ the stand-ins a step runs


def install_wrappers(drill_dir: Path) -> None:
    """Write the drill's ``bin/<tool>`` wrappers, ``kubeconfig`` and aws profile (those that changed).

    A wrapper execs the shipped stand-in with *this* interpreter (``#!/usr/bin/env python3`` on a
    bastion is rarely warroom's venv) and defaults ``$WARROOM_DRILL_DIR`` to its drill; a reopened
    drill may run under another venv or checkout, so reopening rewrites them."""
    (Path(drill_dir) / "bin").mkdir(mode=0o700, exist_ok=True)
    files = {f"bin/{tool}": (0o755, _WRAPPER.format(
        tool=tool, env=ENV_DIR, drill=shlex.quote(str(drill_dir)), python=shlex.quote(sys.executable),
        script=shlex.quote(str(SHIPPED_BIN / tool)))) for tool in STANDINS + SHIMS}
    files["kubeconfig"] = (0o600, _KUBECONFIG)
    (Path(drill_dir) / "aws").mkdir(mode=0o700, exist_ok=True)
    files["aws/config"] = (0o600, "[profile drill]\nregion = eu-west-1\noutput = json\n")
    files["aws/credentials"] = (0o600, "[drill]\n" + "".join(f"{k.lower()} = {_AWS_ENV[k]}\n" for k in _AWS_KEYS))
    for name, (mode, text) in files.items():
        path = Path(drill_dir) / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(mode)
        os.replace(tmp, path)


# ------------------------------------------------------------------ which drill a launch opens


@dataclass(frozen=True)
class DrillChoice:
    """The drill ``warroom demo`` / ``warroom drill NAME`` opens, and what to tell the commander."""

    drill: Drill
    resumed: bool
    notice: str | None = None


def choose_drill(root: Path, scenario: str, speed: float | None, *, new: bool = False,
                 incident_resolved: Callable[[Drill], float | None] | None = None,
                 now: float | None = None, resume: Callable[[str], str] | None = None,
                 incident_lost: Callable[[Drill], str | None] | None = None) -> DrillChoice:
    """Continue the scenario's unfinished drill under ``root``, or start a new one, and say which (a team
    runs a scenario again and again). The unfinished drill keeps its own speed whatever ``speed`` says
    (re-scaling would redraw every curve); one whose incident was resolved (``incident_resolved(drill)``
    says when, whoever resolved it) is finished at that instant and a new one starts at the scenario's
    beginning; ``new`` always starts afresh, the notice naming the exact command back to the old drill's
    open incident (``resume(id)``, else ``warroom resume ID --state-dir ROOT``). An unreadable drill is named.
    ``incident_lost(drill)``: why its incident cannot be seen from here (on a shared store this launch does not read):
    such a drill is not continued, as it may have ended there, and never takes a second incident (redteam48 F6)."""
    stime.work_on(str(root), drill=True)
    now = stime.now() if now is None else now
    unreadable: list[str] = []
    current = latest_drill(root, scenario, unreadable=unreadable)
    ended, unread = "", "".join(f"; not read: {why}" for why in unreadable)
    if current is not None and current.incident and incident_resolved and (resolved_at := incident_resolved(current)):
        current.finish(at=resolved_at)
        ended = f"the last {scenario} drill ended when {current.incident} was resolved; "
        current = None
    if current is not None and current.incident and incident_lost and (lost := incident_lost(current)):
        ended = f"{lost}: it is not continued here; "
        current = None
    resumed = current is not None and not new
    drill = current if current is not None and resumed else create_drill(root, scenario, speed or 1.0)
    back = resume or (lambda inc: paths.command("resume", inc, "--state-dir", str(Path(root).resolve())))
    # every launch names each other drill of the scenario with an open incident (reopened too) and what --new leaves
    kept = [d for d in list_drills(root) if d.scenario.name == scenario and d.path != drill.path and (
        d.path == getattr(current, "path", None) or d.incident and not (incident_resolved and incident_resolved(d)))]
    lost = {d.path: incident_lost(d) if incident_lost and d.incident else None for d in kept}
    left = "".join(f"; {d.name} is left as it was" + (f" ({lost[d.path]})" if lost[d.path] else
                                                      f" ({d.incident} still open: `{back(d.incident)}`)"
                                                      if d.incident else "") for d in kept)
    if not resumed:
        return DrillChoice(drill, False, notice=f"{ended}new {scenario} drill {drill.name} (×{drill.speed:g}){left}{unread}")
    said = (f"continuing the {scenario} drill {drill.name} at scenario time {stime.clock_said(drill.scenario_time(now))}"
            f" (×{drill.speed:g})" + (f"; it keeps its own speed ×{drill.speed:g}, not ×{speed:g}" if speed not in (None, drill.speed) else ""))
    return DrillChoice(drill, resumed=True, notice=f"{said} — add --new to start it over{left}{unread}")
