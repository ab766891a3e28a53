"""Polling the extra sources (cluster, provider status pages, firing alerts) dolphie-style:
fetch in a thread worker → post the result → render → ``set_timer`` for the next one, so polls
never overlap and a slow server only delays its own line. Workers and timers live on the App
(see ``DashboardScreen.poll_metrics``); results reach the dashboard through ``SourceFetched``.

Which sources are polled is decided in ``tui.launch`` (``AppContext.sources``): only what the
config sets up, never the providers' public status pages in a drill or a test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.messages import SourceFetched

if TYPE_CHECKING:
    from tui.host import WarroomHost


def refresh_of(app: WarroomHost, kind: str) -> float:
    cfg = app.ctx.config
    if kind == "cluster":
        return cfg.kubernetes.refresh
    if kind == "providers":
        return min((p.refresh for p in cfg.providers), default=60.0)
    return cfg.alerts.refresh


def fetch(app: WarroomHost, kind: str) -> Any:
    """Blocking: one poll of one source (each fetcher reports failures as data, never raises)."""
    src = app.ctx.sources[kind]
    if kind == "cluster":
        return src.snapshot()
    if kind == "providers":
        from warroom.sources.statuspage import fetch_providers

        return fetch_providers(src)
    return src.fetch()


def poll(app: WarroomHost, kind: str) -> None:
    def work() -> None:
        app.post_message(SourceFetched(kind, fetch(app, kind)))

    app.run_worker(work, thread=True, group=f"source-{kind}", name=f"{kind} poll", exclusive=True,
                   exit_on_error=False)


def fetched(app: WarroomHost, message: SourceFetched) -> None:
    """Render, then (in a ``finally``: a failed render never ends the loop) schedule the next
    poll of the same source."""
    try:
        app.dashboard.on_source_fetched(message)
    finally:
        schedule(app, message.kind)


def failed(app: WarroomHost, kind: str, error: str = "unknown error") -> None:
    """The poll's worker raised (the App's failure handler also says what): its failure replaces
    the line's content, so the previous answer ("✔ none firing", a healthy deployment) is never
    left standing as if current; then poll again later."""
    try:
        if app.dashboard.alive():
            app.dashboard.on_source_fetched(SourceFetched(kind, failure_data(app, kind, error)))
    finally:
        schedule(app, kind)


def failure_data(app: WarroomHost, kind: str, error: str) -> Any:
    """What a poll that raised looks like to the line and the header: the source's own failed
    result (with the age of its last good answer where the source keeps one), kind "error"."""
    why = f"poll failed: {error}"
    if kind == "cluster":
        from warroom.sources.kube_snapshot import ClusterSnapshot

        return ClusterSnapshot(None, error=why, error_kind="error")
    if kind == "providers":
        from warroom.sources.statuspage import ProviderStatus

        return [ProviderStatus(p.name, "unknown", "unknown", p.url, p.runbook, error=why)
                for p in app.ctx.config.providers]
    src = app.ctx.sources.get(kind)
    if hasattr(src, "failed_result"):
        return src.failed_result(why)
    from warroom.sources.alerts import AlertsResult

    return AlertsResult(errors={kind: why}, kinds={kind: "error"}, servers=(kind,))


def schedule(app: WarroomHost, kind: str) -> None:
    interval = app.ctx.source_refresh if app.ctx.source_refresh is not None else refresh_of(app, kind)
    if interval > 0:
        app.set_timer(interval, lambda: poll(app, kind))
