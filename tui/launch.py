"""Building an ``AppContext`` for each way the dashboard is started, and running the app.

Kept apart from ``tui.commands`` so tests can build the same contexts without argparse.
"""

from __future__ import annotations

import importlib.util
from functools import partial
from pathlib import Path

from tui.context import AppContext, DrillInfo
from tui.library import load_runbooks as load_runbooks   # the in-process parse, kept importable here
from warroom.config import Config
from warroom.runbook.model import Finding, Runbook


def load_library(cfg: Config) -> tuple[list[Runbook], list[Finding]]:
    """The library as the dashboard loads it: parsed by a child process (``tui.library``)."""
    from tui.library import load_in_child

    return load_in_child(cfg)


def open_source(cfg: Config) -> tuple[object | None, str | None]:
    if not cfg.prometheus.url:
        return None, "no Prometheus configured: set prometheus.url, or try `warroom demo`"
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
                  relaunch: str | None = None) -> AppContext:
    """A drill: its own state dir (drill incidents never mix with real ones), a simulated source.

    The unfinished drill of the scenario is continued (its own speed and world), a finished one
    (its incident resolved) is closed and a new one started; ``new`` always starts afresh
    (``warroom.drill.lifecycle``). ``relaunch`` is the command that comes back to this drill.
    """
    base = Path(cfg.state_dir())
    cfg.incident.state_dir = str(base / "drills")
    info = DrillInfo(scenario=scenario, speed=speed or 1.0, relaunch=relaunch)
    env: dict[str, str] = {}
    if importlib.util.find_spec("warroom.drill.simulator") is not None:
        from warroom.drill.lifecycle import choose_drill

        choice = choose_drill(base / "drills", scenario, speed, new=new,
                              incident_resolved=partial(_incident_resolved, cfg))
        drill = choice.drill
        info.speed = drill.speed
        info.title = drill.scenario.title
        info.notice = choice.notice
        info.extra["drill"] = drill
        source = drill.source(cfg.slo, window=cfg.prometheus.window)
        env = drill.env()
        # The drill's own kubeconfig (an .invalid cluster, context "drill"): what the run dialog
        # names as the target, and all a k8s step could ever reach.
        cfg.kubernetes.kubeconfig = env.get("KUBECONFIG", cfg.kubernetes.kubeconfig)
        cfg.kubernetes.context = "drill"
    else:
        from tui.fakesource import FakeSource

        source = FakeSource()
    return AppContext(config=cfg, source=source, runbook_loader=partial(load_library, cfg),
                      drill=info, refresh=1.0, extra_env=env)


def replay_context(cfg: Config, incident_id: str, speed: float | None) -> AppContext:
    """A replay of a resolved incident: its recorded panes as the source, read-only, in the drills'
    state dir (a rehearsal never mixes with real incidents); see ``warroom.incident.replay``."""
    from warroom.incident.replay import ReplaySource
    from warroom.errors import NotFoundError
    from warroom.incident.history import load_history
    from warroom.incident.store import IncidentStore

    base = Path(cfg.state_dir())
    history = None
    for root in (base, base / "drills"):
        try:
            inc = IncidentStore(root, cfg).open(incident_id)
        except NotFoundError:
            continue
        history = load_history(inc.dir)
        break
    if history is None:
        raise NotFoundError(f"no incident {incident_id!r} under {base} or its drills")
    cfg.incident.state_dir = str(base / "drills")
    cfg.read_only = True              # the past cannot be changed: nothing that changes things runs
    cfg.slo = [p.slo for p in history.panes]
    # A drill incident replays at its own speed unless told otherwise (its window is short in wall time).
    speed = speed or history.time_scale
    source = ReplaySource(history, speed=speed / history.time_scale, window=cfg.prometheus.window / history.time_scale)
    info = DrillInfo(scenario=f"replay {history.incident_id}", speed=speed,
                     title=history.title or history.incident_id,
                     notice=(f"replaying {history.incident_id} ({history.title}) from "
                             f"{_utc(history.start)} at ×{speed:g}; read-only"))
    return AppContext(config=cfg, source=source, runbook_loader=partial(load_library, cfg),
                      drill=info, refresh=1.0)


def _utc(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _incident_resolved(cfg: Config, incident_id: str) -> bool:
    """Whether a drill's incident was resolved (a missing or unreadable one counts as not)."""
    from warroom.errors import WarroomError
    from warroom.incident.store import IncidentStore

    try:
        return bool(IncidentStore(cfg.state_dir(), cfg).open(incident_id).state.resolved)
    except (WarroomError, OSError):
        return False


def run_app(ctx: AppContext) -> int:
    from tui.app import WarroomApp

    app = WarroomApp(ctx)
    result = app.run()
    return int(result or 0)
