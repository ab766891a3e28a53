"""Cluster, providers and firing alerts, one line each, shown only for the sources configured.

Compact on purpose: at 120x40 the SLO panes, the checklist and the timeline need the room. Each
line names its state in words and icons, so it reads the same without colour.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.widgets import Static

OK, WARN, BAD = ("✔", "green"), ("▲", "yellow"), ("✖", "bold red")


def cluster_line(snap: Any) -> Text:
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append("cluster ", "bold")
    if snap is None:
        return t.append("waiting for data", "dim")
    if snap.error:
        t.append(f"{BAD[0]} ", BAD[1])
        return t.append(snap.error, "red")
    if snap.target is not None:
        t.append(f"{snap.target.describe().removeprefix('cluster ')}  ", "dim")
    for d in snap.deployments:
        mark, style = OK if d.healthy else (WARN if d.rolling_out else BAD)
        t.append(f"{mark} {d.name} {d.ready}/{d.desired} ready", style)
        t.append(f" ({'rolling out: ' + d.rollout if d.rolling_out else 'rollout ' + d.rollout})  ", "dim")
    crash = [p for p in snap.pods if p.reason]
    restarts = sum(p.restarts for p in snap.pods)
    if crash:
        t.append(f"{BAD[0]} {len(crash)} pod(s) {crash[0].reason}  ", BAD[1])
    t.append(f"restarts {restarts}", "bold" if restarts else "dim")
    return t


def providers_line(statuses: list[Any] | None) -> Text:
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append("providers ", "bold")
    if statuses is None:
        return t.append("waiting for data", "dim")
    for s in statuses:
        if s.error or s.indicator == "unknown":
            mark, style, word = "?", "yellow", "unknown"
        elif s.degraded:
            mark, style, word = BAD[0], BAD[1], s.description
        else:
            mark, style, word = OK[0], OK[1], "operational"
        t.append(f"{mark} {s.name} ", style)
        t.append(f"{word}", style if s.degraded else "dim")
        if s.degraded and s.runbook:
            t.append(f" → {s.runbook}", "bold reverse")
        t.append("  ")
    return t


def alerts_line(result: Any) -> Text:
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append("alerts ", "bold")
    if result is None:
        return t.append("waiting for data", "dim")
    if not result.alerts:
        t.append(f"{OK[0]} none firing", OK[1])
    else:
        t.append(f"{BAD[0]} {len(result.alerts)} firing: ", BAD[1])
        for a in result.alerts[:4]:
            t.append(a.name, "bold")
            if a.runbook:
                t.append(f" → {a.runbook}", "bold reverse")
            t.append("  ")
    for where, err in result.errors.items():
        t.append(f" ? {where}: {err}", "yellow")
    return t


class SourcesPane(Static):
    """Lines for the configured extra sources, in a fixed order: cluster, providers, alerts."""

    def __init__(self, kinds: list[str]) -> None:
        super().__init__("", id="sources")
        self.kinds = kinds
        self.data: dict[str, Any] = {}
        self.display = bool(kinds)

    def on_mount(self) -> None:
        self.redraw()

    def show(self, kind: str, data: Any) -> None:
        self.data[kind] = data
        self.redraw()

    def redraw(self) -> None:
        makers = {"cluster": cluster_line, "providers": providers_line, "alerts": alerts_line}
        lines = [makers[k](self.data.get(k)) for k in self.kinds]
        self.update(Text("\n").join(lines))
