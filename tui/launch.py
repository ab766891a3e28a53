"""Building an ``AppContext`` for each way the dashboard is started (``tui.run`` runs the app).

Kept apart from ``tui.commands`` so tests can build the same contexts without argparse.
"""

from __future__ import annotations

import importlib.util
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from tui.context import AppContext, DrillInfo
from tui.library import load_runbooks as load_runbooks   # the in-process parse, kept importable here
from warroom.cli.common import drill_shell_hint
from warroom.config import Config
from warroom.runbook.model import Finding, Runbook
from warroom.paths import command, drills_store, id_neighbour


def load_library(cfg: Config) -> tuple[list[Runbook], list[Finding]]:
    """The library as the dashboard loads it: parsed by a child process (``tui.library``)."""
    from tui.library import load_in_child

    return load_in_child(cfg)


def open_source(cfg: Config) -> tuple[object | None, str | None]:
    if not cfg.prometheus.url:
        return None, f"no Prometheus configured: set prometheus.url, or try `{command('demo')}`"
    if importlib.util.find_spec("warroom.sources.factory") is None:
        return None, "the Prometheus source is not installed yet"
    from warroom.sources.factory import open_metric_source

    return open_metric_source(cfg), None


def extra_sources(cfg: Config, runbooks: list[Runbook]) -> dict[str, object]:
    """The cluster / provider / alert sources the config sets up (none of them connects here:
    their clients are made in the first poll, off the startup path).

    * alerts: an Alertmanager URL, or Prometheus' own alerts API when Prometheus is configured;
    * cluster: a kubeconfig (configured, ``$KUBECONFIG`` or ``~/.kube/config``) or a context,
      unless ``kubernetes.enabled = false`` (then no pane and no request at all);
    * providers: the configured status pages, polled only alongside a real Prometheus (so a
      bare ``warroom`` on a laptop does not reach out to public status pages).
    """
    import os

    out: dict[str, object] = {}
    if cfg.kubernetes.enabled and (cfg.kubernetes.kubeconfig or cfg.kubernetes.context
                                   or os.environ.get("KUBECONFIG")
                                   or (Path.home() / ".kube" / "config").is_file()):
        from warroom.sources.kubernetes import KubeSource

        out["cluster"] = KubeSource(cfg.kubernetes, context=cfg.kubernetes.context)
    if cfg.prometheus.url and cfg.providers:
        out["providers"] = list(cfg.providers)
    if cfg.alerts.alertmanager_url or (cfg.alerts.prometheus_alerts and cfg.prometheus.url):
        from warroom.sources.alerts import AlertSource, RunbookIndex

        alerts = AlertSource(cfg.alerts, cfg.prometheus, RunbookIndex.from_library(runbooks))
        if alerts.configured:
            out["alerts"] = alerts
    return out


def dashboard_context(cfg: Config) -> AppContext:
    source, why = open_source(cfg)
    ctx = AppContext(config=cfg, source=source, source_error=why,  # type: ignore[arg-type]
                     runbook_loader=partial(load_library, cfg))
    if cfg.alerts.alertmanager_url or (cfg.alerts.prometheus_alerts and cfg.prometheus.url):
        ctx.ensure_runbooks()  # the alert source maps alert names to runbooks from the start
    ctx.sources = extra_sources(cfg, ctx.runbooks)
    return ctx


def drill_context(cfg: Config, scenario: str, speed: float | None, *, new: bool = False,
                  relaunch: str | None = None, options: Sequence[str] = ()) -> AppContext:
    """A drill: its own state dir (drill incidents never mix with real ones), a simulated source.

    The unfinished drill of the scenario is continued (its own speed and world), a finished one
    (its incident resolved) is closed and a new one started; ``new`` always starts afresh
    (``warroom.drill.directory``). ``relaunch`` is the command that comes back to this drill;
    ``options``, the global options typed, which a command back to an incident repeats.
    """
    base = Path(cfg.state_dir())
    drills = drills_store(base)      # a --state-dir naming the drills' store (as resume lines do) is that store
    cfg.incident.state_dir = str(drills)
    info = DrillInfo(scenario=scenario, speed=speed or 1.0, relaunch=relaunch)
    if importlib.util.find_spec("warroom.drill.simulator") is None:
        from tui.fakesource import FakeSource

        return AppContext(config=cfg, source=FakeSource(), runbook_loader=partial(load_library, cfg),
                          drill=info, refresh=1.0)
    from warroom.drill.directory import choose_drill

    choice = choose_drill(drills, scenario, speed, new=new,
                          incident_resolved=partial(_incident_resolved, cfg, base),
                          incident_lost=partial(_incident_lost, cfg, base),
                          resume=lambda inc_id: resume_invocation(inc_id, drills, options))
    info.notice = "; ".join([choice.notice or "", *stranded(cfg, base, scenario)]).strip("; ") or None
    info.by_hand = drill_shell_hint(choice.drill.name, base)
    if relaunch and choice.drill.speed != 1.0:
        # the drill's own pace (the typed --speed is dropped: a continued drill ignores it), so the
        # line that starts it over after a resolve starts it at the pace it was worked at
        info.relaunch = shlex.join([*shlex.split(relaunch), "--speed", f"{choice.drill.speed:g}"])
    return _drill_world(cfg, choice.drill, info, base)


def _drill_world(cfg: Config, drill: Any, info: DrillInfo, home: Path) -> AppContext:
    """The context of one drill's world, however the dashboard came to it (``warroom demo``,
    ``warroom drill NAME``, ``warroom resume`` of a drill incident): the drill's simulator as
    the only metric source, its stand-ins on PATH, its own kubeconfig, its own speed. Nothing
    the config points at (Prometheus, Alertmanager, a cluster, status pages) is opened. ``home``
    is the state dir typed: its incidents and its drills' may both hold this drill's incidents."""
    from warroom import scenario_time as stime
    from warroom.errors import WarroomError

    stime.drill_now(drill.start, f"drill {drill.name}")     # a pin before it began: refused, never drawn
    try:
        drill.actions()     # a damaged record is said before a dashboard draws the world without it
    except WarroomError as exc:
        again = command("drill", drill.scenario.name, "--new")
        raise WarroomError(f"{exc}; nothing was opened (`{again}` starts the scenario over and leaves"
                           f" {drill.name} as it is)") from None
    info.also = tuple(r for r in incident_roots(home) if r != Path(cfg.state_dir()))
    info.scenario = drill.scenario.name
    info.speed = drill.speed
    info.title = drill.scenario.title
    info.runbook, info.severity, info.symptom = drill.scenario.runbook, drill.scenario.severity, drill.scenario.symptom
    info.extra["drill"] = drill
    info.extra["ended"] = partial(drill_ended, cfg, home)
    info.extra["start_over"] = partial(start_over, home)
    # the world's own panes, whatever [[slo]] the config sets, each naming what a declaration pre-fills
    cfg.as_drill(runbook=info.runbook, severity=info.severity)
    source = drill.source(cfg.slo, window=cfg.prometheus.window)
    from tui import drill_warmup
    from warroom.drill.simulator import SERIES_CACHE

    warmup = drill_warmup.start(drill.path, drill.path / SERIES_CACHE)
    env = drill.env()
    # The drill's own kubeconfig (an .invalid cluster, context "drill"): what the run dialog
    # names as the target, and all a k8s step could ever reach.
    cfg.kubernetes.kubeconfig = env.get("KUBECONFIG", cfg.kubernetes.kubeconfig)
    cfg.kubernetes.context = "drill"
    return AppContext(config=cfg, source=source, runbook_loader=partial(load_library, cfg),
                      drill=info, refresh=1.0, extra_env=env, source_warmup=warmup)


@dataclass(frozen=True)
class FoundIncident:
    """An incident found for ``warroom resume``: the state directory that holds it, and its state."""

    root: Path
    state: Any
    also: tuple[Path, ...] = ()        # other state dirs holding an incident of the same id

    @property
    def id(self) -> str:
        return str(self.state.id)


def reach_without_its_drill(incident_id: str, root: Path) -> str:
    """The ways to an open drill incident whose drill cannot be opened (drill.json damaged or gone):
    the CLI reads and ends it without the drill's world. Its panes cannot be read, which resolving
    says as a concern (``concern_reading``): ``--yes`` resolves with it said and journaled."""
    where = str(Path(root).resolve())
    return (f"`{command('incident', 'show', incident_id, '--state-dir', where)}` reads it,"
            f" `{command('incident', 'resolve', incident_id, '--state-dir', where, '--yes', '--summary', 'TEXT')}`"
            " ends it")


def stranded(cfg: Config, home: Path, scenario: str) -> list[str]:
    """A sentence for each open incident of ``scenario``'s drills whose drill cannot be opened: no
    drill dashboard offers it (``demo`` starts a new drill past an unreadable drill.json, ``resume``
    refuses), so a launch of that scenario names it, why, and how it is still reached (cycle-3)."""
    from warroom.drill.directory import open_drill
    from warroom.errors import WarroomError

    said = []
    for root in incident_roots(home):
        store = _store_at(root, cfg, home)
        for st in store.open_incidents() if store is not None else ():
            drill = st.drill or {}
            if drill.get("replay") or drill.get("scenario") != scenario or not drill.get("dir"):
                continue
            try:
                open_drill(Path(str(drill["dir"])), wrappers=False)
            except WarroomError:       # its reason is the "not read: FILE: …" choose_drill says
                said.append(f"{st.id} is still open in drill {Path(str(drill['dir'])).name}, which no dashboard"
                            f" can open: {reach_without_its_drill(st.id, root)}")
    return said


def incident_roots(state_dir: Path) -> list[Path]:
    """Where ``warroom resume`` looks: the state dir, then the drills' own (a dashboard drill's
    incidents live there, apart from real ones; ``incident new --drill`` declares among the real).
    Given the drills' store itself (the ``--state-dir`` a resume line names), it and its state dir:
    the pair numbers one id sequence (``warroom.paths.id_neighbour``)."""
    return [Path(state_dir), id_neighbour(state_dir)]


def find_incident(cfg: Config, incident_id: str | None) -> FoundIncident:
    """The incident ``warroom resume [ID]`` means, wherever it lives.

    An id is looked for in the state dir first, then in the drills' (both number one
    sequence now, but in a state dir made before, the same id can exist in both: the one in the
    state dir typed wins, and the other is named in the notice). No id: the most
    recently declared open incident of either (``NotFoundError`` when there is none).
    """
    from warroom.errors import NotFoundError

    roots = incident_roots(cfg.state_dir())
    if not incident_id or incident_id == "latest":
        newest: FoundIncident | None = None
        for root in roots:
            store = _store_at(root, cfg, roots[0])
            if store is None:
                continue
            for st in store.open_incidents():
                when = st.declared_at.timestamp() if st.declared_at else 0.0
                if newest is None or when > (newest.state.declared_at.timestamp()
                                             if newest.state.declared_at else 0.0):
                    newest = FoundIncident(root, st)
        if newest is None:
            raise NotFoundError(f"no open incident under {roots[0]} or its drills"
                                f" (`{command('incident', 'list')}` shows them all)")
        return _declared(cfg, newest)
    hits: list[FoundIncident] = []
    first_error: NotFoundError | None = None
    for root in roots:
        store = _store_at(root, cfg, roots[0])
        if store is None:
            continue
        try:
            inc = store.open(incident_id, work=False)      # which root holds it: a look-up
        except NotFoundError as exc:
            first_error = first_error or exc
            continue
        hits.append(FoundIncident(root, inc.state))
    if not hits:
        assert first_error is not None
        raise first_error
    return _declared(cfg, FoundIncident(hits[0].root, hits[0].state, also=tuple(h.root for h in hits[1:])))


def _declared(cfg: Config, found: FoundIncident) -> FoundIncident:
    """``found``, refused when its declaration cannot be read (``Incident.require_declared``): with nothing read it
    has no drill, and the dashboard opened it on the real sources and the drill shell called it a real incident
    (redteam41 X4, attack41 A19)."""
    if found.state.declared_at is None:
        from warroom.incident.store import IncidentStore

        IncidentStore(found.root, cfg).open(found.id, work=False).require_declared()
    return found


def _store_at(root: Path, cfg: Config, base: Path) -> Any:
    """The incident store at ``root``; None for the drills' dir when it has no incidents, or when
    a shared store is configured (it holds them all: looked at once, from the state dir)."""
    from warroom.incident.store import IncidentStore

    if root == base:
        return IncidentStore(root, cfg)
    if not (root / "incidents").is_dir():
        return None
    store = IncidentStore(root, cfg)
    return None if store.shared is not None else store


def resume_context(cfg: Config, incident_id: str | None, *, options: Sequence[str] = ()) -> AppContext:
    """The dashboard on an incident, in the world it belongs to.

    A drill incident reopens its own drill (simulator, speed, clock, stand-ins): the same world
    ``warroom demo`` continues, so its curves go on where they were; a rehearsal, the replay it was
    declared in. A real incident gets the configured sources and never a simulator. ``options`` are the global options typed
    (``--config`` …) that the quit dialog's command must repeat.
    """
    found = find_incident(cfg, incident_id)
    home = Path(cfg.state_dir())
    if found.root != Path(cfg.state_dir()):
        cfg.incident.state_dir = str(found.root)
    notice = None
    if found.also:
        notice = (f"{found.id} also names an incident under {found.also[0]}:"
                  f" `{resume_invocation(found.id, found.also[0])}` opens that one")
    if found.state.drill is None:
        from warroom import scenario_time as stime

        stime.work_on(found.id, drill=False)       # a real incident: never a pinned clock in this process
        ctx = dashboard_context(cfg)
        ctx.resume_id = found.id
        ctx.offer_resume = False
        ctx.options = list(options)
        if notice:
            ctx.notice = notice
        return ctx
    from warroom.errors import WarroomError
    from warroom.incident.drill_seat import other_seat
    from warroom.incident.store import IncidentStore
    from warroom.shared.dsn import resolve as resolve_dsn

    if found.state.drill.get("replay"):
        # a rehearsal declared in a replay: the same replay again (its recording, speed, runbook)
        rehearsal = found.state.drill
        ctx = _replay_world(cfg, found.root, _recording(cfg, found), float(rehearsal.get("speed") or 1.0),
                            start=rehearsal.get("replay_start"))     # its clock goes on where it was
        assert ctx.drill is not None
        ctx.drill.relaunch = resume_invocation(found.id, found.root, options)
        ctx.drill.notice = f"resumed {found.id}, a rehearsal: {ctx.drill.notice}"
        ctx.resume_id, ctx.offer_resume, ctx.options = found.id, False, list(options)
        return ctx
    recorded = str((found.state.drill or {}).get("dir") or "")
    drills = (found.root / "drills").resolve()
    if recorded and (elsewhere := other_seat(found.id, recorded, shared=resolve_dsn(cfg) is not None)):
        raise WarroomError(f"{elsewhere}; nothing was opened")        # another responder's world (redteam48 F5)
    if recorded and not Path(recorded).resolve().is_relative_to(drills):
        # The journal names the world; only a drill of this state dir may be opened (its stand-ins
        # go on PATH and its wrappers are rewritten), never a directory a journal line points at.
        raise WarroomError(f"{found.id} is a drill incident whose drill ({recorded}) is not under {drills};"
                           " nothing was opened")
    try:
        drill = IncidentStore(found.root, cfg).open(found.id).open_drill()   # gone: a clear error, no fallback
    except WarroomError as exc:       # unreadable or gone: no dashboard opens it; say what still reaches it
        raise WarroomError(f"{exc}; {found.id} is open but its drill cannot be opened:"
                           f" {reach_without_its_drill(found.id, found.root)}") from None
    info = DrillInfo(scenario=drill.scenario.name,
                     relaunch=resume_invocation(found.id, found.root, options))
    from warroom import scenario_time as stime

    said = (f"resumed {found.id} in its {drill.scenario.name} drill {drill.name} at scenario time"
            f" {stime.clock_said(drill.scenario_time())} (×{drill.speed:g})")
    if not drill.active or _incident_resolved(cfg, found.root, drill) is not None:   # ended: the rule demo follows
        said += (f"; that drill had ended (`{command('demo')}` / `{command('drill')}` start a new one),"
                  " its world goes on")
    info.notice = f"{said}; {notice}" if notice else said
    info.by_hand = drill_shell_hint(found.id, home)
    ctx = _drill_world(cfg, drill, info, home)
    ctx.resume_id = found.id
    ctx.offer_resume = False
    ctx.options = list(options)
    return ctx


def resume_invocation(incident_id: str, root: Path, options: Sequence[str] = ()) -> str:
    """``warroom resume ID --state-dir ROOT`` with the global options typed: exact even when the
    same id exists both among real incidents and among the drills'."""
    return command("resume", incident_id, "--state-dir", str(Path(root).resolve()), *options)


def as_said(opt: str, value: str) -> str:
    """An option's value as a printed command repeats it: a ``--shared`` DSN with its password masked
    (``warroom.shared.dsn.shown``), a ``--config`` or ``--state-dir`` path made absolute as the shell
    read it (``Path.absolute``, not ``os.path.abspath``: ``link/../c.toml`` is the file beside the
    link's target, which abspath folded to one beside the link), anything else as typed."""
    from warroom.shared.dsn import shown

    if opt == "--shared":
        return shown(value)
    return str(Path(value).absolute()) if opt in ("--config", "--state-dir") else value


def global_options(argv: Sequence[str]) -> list[str]:
    """The global options of a command line that say which config and how (``--config``,
    ``--read-only``, ``--context``, ``--shared``), to be repeated by a resume command; the state
    dir is left out (the resume command names it itself). The command is printed, so a
    ``--shared`` DSN's password is masked (``warroom.shared.dsn.shown``); a relative ``--config``
    is made absolute, so the command works from any directory (``as_said``)."""
    keep_value = {"--config", "--context", "--shared"}
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        opt = arg.split("=", 1)[0]
        if arg == "--":
            break
        if arg in keep_value and i + 1 < len(args):
            out += [arg, as_said(arg, args[i + 1])]
            i += 1
        elif opt in keep_value and "=" in arg:
            out.append(f"{opt}={as_said(opt, arg.split('=', 1)[1])}")
        elif arg == "--state-dir":
            i += 1
        elif arg == "--read-only":
            out.append(arg)
        i += 1
    return out + from_environment(argv)


def from_environment(argv: Sequence[str]) -> list[str]:
    """``--config FILE`` for a config the process read through ``$WARROOM_CONFIG`` rather than a typed
    ``--config``: a printed command must open the same file in a shell without that variable (a new
    login after a dropped connection), so it names it, made absolute as ``load_config`` read it."""
    import os

    from warroom.paths import expand

    args = list(argv)
    typed = any(a.split("=", 1)[0] == "--config" for a in (args[:args.index("--")] if "--" in args else args))
    env = os.environ.get("WARROOM_CONFIG")
    return ["--config", str(expand(env).absolute())] if env and not typed else []


def resume_command(argv: Sequence[str]) -> str:
    """The command that comes back to this dashboard: what was typed, less what starts afresh.

    ``--new`` would start another drill and a resumed drill ignores ``--speed``, so both go; the
    rest (``--config``, ``--state-dir``, the scenario) stays, so the command lands in the same
    state directory with the same config (their paths made absolute: it works after a ``cd``).
    A ``--shared`` DSN's password is masked, never printed (``as_said``).
    """
    said = ("--config", "--state-dir", "--shared")
    out: list[str] = []
    args = iter(argv)
    for arg in args:
        opt, eq, value = arg.partition("=")
        if arg == "--speed":
            next(args, None)           # and its value
        if arg == "--new" or opt == "--speed":
            continue
        if arg in said:
            out += [arg, *(as_said(arg, v) for v in islice(args, 1))]
        else:
            out.append(f"{opt}={as_said(opt, value)}" if eq and opt in said else arg)
    return command(*out, *from_environment(argv))


def replay_context(cfg: Config, incident_id: str, speed: float | None) -> AppContext:
    """A replay of a resolved incident: its recorded panes as the source and its own runbook (the
    snapshot it was worked with) on screen and in the declaration, read-only, in the drills' state
    dir (a rehearsal never mixes with real incidents); see ``warroom.incident.replay``. Refused,
    naming why, for an open incident, a missing or unreadable ``metrics.json`` or one with no points."""
    from warroom.errors import WarroomError
    from warroom.incident.store import IncidentStore

    found = find_incident(cfg, incident_id)
    if not found.state.resolved:
        resolve = command("incident", "resolve", found.id, "--state-dir", str(Path(found.root).resolve()),
                          "--summary", "TEXT")
        raise WarroomError(f"{found.id} is still open: a replay plays what a resolved incident recorded"
                           f" (its metrics are saved when it is resolved: `{resolve}`)")
    rehearsed = (found.state.drill or {}).get("replay")
    if rehearsed:      # its metrics are that recording resampled on its own wall clock: nothing new
        from warroom.incident.history import replay_command

        raise WarroomError(f"{found.id} is a rehearsal of {rehearsed}: it recorded nothing but that replay;"
                           f" replay {rehearsed} itself: `{replay_command(Path(str(found.state.drill.get('recording'))))}`")
    ctx = _replay_world(cfg, drills_store(cfg.state_dir()), IncidentStore(found.root, cfg).open(found.id, work=False),
                        speed)
    if found.also and ctx.drill is not None:     # ids were per state dir: say which one this is
        from warroom.incident.history import replay_command

        ctx.drill.notice += (f"; {found.id} also names an incident under {found.also[0]}:"
                             f" `{replay_command(found.also[0] / 'incidents' / found.id)}` replays that one")
    return ctx


def _recording(cfg: Config, rehearsal: FoundIncident) -> Any:
    """The recorded incident a rehearsal was declared in the replay of (its directory is journaled)."""
    from warroom.errors import NotFoundError
    from warroom.incident.store import IncidentStore

    where = Path(str(rehearsal.state.drill.get("recording") or ""))
    try:
        return IncidentStore(where.parent.parent, cfg).open(where.name, work=False)    # read, never worked
    except (NotFoundError, OSError):
        raise NotFoundError(f"{rehearsal.id} rehearses {rehearsal.state.drill['replay']}, whose recording"
                            f" ({where}) is gone; nothing was opened") from None


def _replay_world(cfg: Config, rehearsals: Path, inc: Any, speed: float | None,
                  start: float | None = None) -> AppContext:
    """The replay of ``inc``'s saved metrics, its rehearsal incidents kept under ``rehearsals``;
    ``start``: when the replay began (a resumed rehearsal's), else now."""
    from warroom.errors import WarroomError
    from warroom import scenario_time as stime
    from warroom.incident.history import HISTORY_FILE, load_history
    from warroom.incident.replay import ReplaySource, breach_ahead, first_breach

    history = load_history(inc.dir, state=inc.state, panes=[s.id for s in cfg.slo])
    if not any(p.points for p in history.panes):
        raise WarroomError(f"{inc.dir / HISTORY_FILE}: no pane recorded a single point over the incident's"
                           " window (the metric source answered nothing); nothing to replay")
    # A drill incident replays at its own speed unless told otherwise (its window is short in wall time).
    speed = speed or history.time_scale
    stime.check_replay_speed(speed)
    try:
        own = inc.runbook()          # the snapshot the incident was worked with, not today's library copy
    except (WarroomError, OSError):
        own = None
    cfg.incident.state_dir = str(rehearsals)
    cfg.read_only = True              # the past cannot be changed: nothing that changes things runs
    runbook = own.id if own is not None else history.runbook
    # the recording's panes, whatever [[slo]] says, each naming what a declaration pre-fills
    cfg.as_drill([p.slo for p in history.panes], runbook=runbook, severity=history.severity)
    source = ReplaySource.at(history, speed, cfg.prometheus.window, start)
    info = DrillInfo(scenario=f"replay {history.incident_id}", speed=speed,
                     title=history.title or history.incident_id,
                     runbook=runbook, severity=history.severity,
                     symptom=first_breach(history) or f"Rehearsal of {history.incident_id}", show_runbook=True,
                     extra={"replay": history.incident_id, "recording": str(Path(inc.dir).resolve()),
                            "replay_start": source.start},
                     notice=(f"replaying {history.incident_id} ({history.title}) from {_utc(history.start)}"
                             f" at ×{speed:g}, now at {_utc(source.recorded_time(stime.now()))}; read-only"
                             + (f"; {ahead}" if (ahead := breach_ahead(history, source, stime.now())) else "")))
    resolved = inc.state.resolved_at
    if resolved is not None and history.end < resolved.timestamp() - history.step:
        info.notice += (f"; the recording ends at {_utc(history.end)}, before its last resolution at"
                        f" {_utc(resolved.timestamp())} (reopened, and its source did not answer when resolved"
                        f" again: `{command('incident', 'export', inc.id)}` saves it once it does)")
    return AppContext(config=cfg, source=source, runbook_loader=partial(_library_with, cfg, own), drill=info,
                      refresh=1.0)


def _library_with(cfg: Config, own: Runbook | None) -> tuple[list[Runbook], list[Finding]]:
    """The library, with ``own`` (an incident's runbook snapshot) in place of its namesake."""
    runbooks, findings = load_library(cfg)
    return ([own, *(r for r in runbooks if r.id != own.id)] if own is not None else runbooks), findings


def _utc(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def drill_ended(cfg: Config, home: Path, drill: Any) -> str | None:
    """Why no incident may be declared on ``drill`` any more, None while one may. Resolving its
    incident finished it, whoever resolved it and in whichever process, so it is read from disk, not
    from this process's copy: a declaration on it (the same dashboard after the end-of-drill report,
    or another one left open on the drill) tied a new incident to the worked world, mid-scenario, and
    the next ``warroom demo`` continued that world instead of starting the scenario over (redteam30-8)."""
    from warroom.drill.directory import open_drill

    fresh = open_drill(Path(drill.path), wrappers=False)
    tied = _tied_incident(cfg, home, fresh) if fresh.incident else None
    pace = _again_options(home, fresh)
    if fresh.active and tied is not None and tied[1].resolved_at is None:
        # One incident a drill: a second one took the drill's tie from the first, so resolving the
        # second ended the drill, and the first, still open, was named by no launch nor offered again.
        return (f"{fresh.incident} is still open on the {fresh.scenario.name} drill {fresh.name} (a drill has one"
                f" incident): `{resume_invocation(fresh.incident, tied[0])}` resumes it;"
                f" `{command('drill', fresh.scenario.name, '--new', *pace)}` starts another drill")
    if fresh.active and tied is None and (lost := _incident_lost(cfg, home, fresh)):
        # its incident lives where this launch does not look: it may be resolved there, and a second incident
        # here would take over its world, the first's finished report changing with it (redteam48 F6)
        return (f"{lost}, which this warroom does not read (a drill has one incident):"
                f" `{command('drill', fresh.scenario.name, '--new', *pace)}` starts another drill")
    if fresh.active and tied is None:
        return None
    return (f"the {fresh.scenario.name} drill {fresh.name} has ended"
            + (f" ({fresh.incident} was resolved)" if fresh.incident else "")
            + f": `{start_over(home, fresh)}` starts the scenario over for a new incident")


def _again_options(home: Path, drill: Any) -> list[str]:
    """What ``warroom drill SCENARIO`` needs to start ``drill``'s scenario again in this very state dir
    (``home``), at its pace: without ``--state-dir`` a drill run under one opened the default one, where
    the scenario's drill is another (or none)."""
    from warroom.paths import default_state_dir

    where = [] if Path(home).resolve() == default_state_dir().resolve() else ["--state-dir", str(Path(home).resolve())]
    return [*where, "--speed", f"{drill.speed:g}"] if drill.speed != 1.0 else where


def start_over(home: Path, drill: Any) -> str:
    """The exact command that starts ``drill``'s scenario over once it has ended (its incident resolved),
    however the dashboard came to it (a resume's own line comes back to the incident, not to a new drill)."""
    return command("drill", drill.scenario.name, *_again_options(home, drill))


def _incident_resolved(cfg: Config, home: Path, drill: Any) -> float | None:
    """When the drill's incident was resolved (unix time), wherever it was declared; None while it is
    open, missing or unreadable (``_tied_incident``)."""
    tied = _tied_incident(cfg, home, drill) if drill.incident else None
    return tied[1].resolved_at.timestamp() if tied is not None and tied[1].resolved_at is not None else None


def _incident_lost(cfg: Config, home: Path, drill: Any) -> str | None:
    """Why ``drill``'s incident cannot be seen from here: it records one that no incident store this launch reads
    holds (declared on a shared store this configuration does not name, or its directory gone), so whether it was
    resolved is not known here; None when it is found, or the drill has none (redteam48 F6)."""
    if not drill.incident or _tied_incident(cfg, home, drill) is not None:
        return None
    where = drill.incident_store or "no incident store this warroom reads"
    return f"the {drill.scenario.name} drill {drill.name} is {drill.incident}'s, on {where}"


def _tied_incident(cfg: Config, home: Path, drill: Any) -> tuple[Path, Any] | None:
    """The state dir and state of the drill's incident, wherever it was declared (a dashboard drill's
    among the drills' incidents, ``incident new --drill``'s among the real ones). Only an incident
    recorded on this very drill counts: ids were numbered per state dir (before redteam37 F10),
    so a real incident of the same id is another incident. None when it is missing or unreadable."""
    from warroom.errors import WarroomError

    for root in reversed(incident_roots(home)):
        store = _store_at(root, cfg, home)
        try:
            state = store.open(drill.incident, work=False).state if store is not None else None
        except (WarroomError, OSError):
            continue
        where = (state.drill or {}).get("dir") if state is not None else None
        if where and Path(str(where)).resolve() == Path(drill.path).resolve():
            return root, state
    return None
