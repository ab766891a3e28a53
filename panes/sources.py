"""Cluster, providers and firing alerts, one line each, shown only for the sources configured.

Compact on purpose: at 120x40 the SLO panes, the checklist and the timeline need the room. Each
line names its state in words and icons, so it reads the same without colour.
"""

from __future__ import annotations

from typing import Any

from warroom import scenario_time as stime
from warroom.fit_table import FitTable, Kind
from panes.safe import SafeText as Text
from textual.widgets import Static

OK, WARN, BAD = ("✔", "green"), ("▲", "yellow"), ("✖", "bold red")
SEVERITY_STYLES = {"P1": "bold white on red", "P2": "bold red", "P3": "bold yellow", "P4": "bold"}


def cluster_line(snap: Any) -> Text:
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append("cluster ", "bold")
    if snap is None:
        return t.append("waiting for data", "dim")
    if snap.error:
        # The failure in place of the content: no deployment line it cannot vouch for.
        kind = getattr(snap, "error_kind", None)
        t.append(f"{BAD[0]} {KIND_WORDS.get(kind or '', 'UNKNOWN')} ", BAD[1])
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
        # Each pod its own reason: two pods failing differently are two problems.
        by_reason: dict[str, int] = {}
        for p in crash:
            by_reason[p.reason] = by_reason.get(p.reason, 0) + 1
        t.append(f"{BAD[0]} ", BAD[1])
        t.append(", ".join(f"{n} pod{'s' if n > 1 else ''} {reason}" for reason, n in by_reason.items()), BAD[1])
        t.append("  ")
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


#: How a failed source failed, in capitals so it reads without colour.
KIND_WORDS = {"unauthorized": "UNAUTHORIZED", "slow": "SLOW", "refused": "REFUSED", "down": "DOWN",
              "error": "ERROR"}


def _ago(seconds: float) -> str:
    from warroom.durations import format_duration

    return format_duration(max(0.0, seconds))


#: How far in the future a start time may lie before it is called out (clocks differ a little).
SKEW = 60.0


def _for(since: float, now: float) -> str:
    """How long an alert has fired; a start in the future (clock skew, a bad sender) says so
    rather than claiming "0s"."""
    if since > now + SKEW:
        return f"starts {_ago(since - now)} in the future?"
    return _ago(now - since)


def _silenced_note(result: Any) -> str:
    quiet = getattr(result, "silenced", ()) or ()
    return f"{len(quiet)} silenced/inhibited" if quiet else ""


def alert_label(a: Any, now: float) -> Text:
    """``P1 Name 1h36m → RB`` : severity (as mapped; the raw label when unknown), since-when, runbook."""
    t = Text()
    sev = a.priority or (f"?{a.severity}" if a.severity else "?")
    t.append(sev, SEVERITY_STYLES.get(a.priority or "", "bold"))
    t.append(" ")
    t.append(a.name, "bold")
    if a.since is not None:
        t.append(f" {_for(a.since, now)}", "dim" if a.since <= now + SKEW else "bold yellow")
    if a.runbook:
        t.append(f" → {a.runbook}", "bold reverse")
    return t


def alerts_line(result: Any, now: float | None = None) -> Text:
    """Firing alerts, most severe first, or the failure in their place.

    "none firing" only ever comes from every configured server answering with nothing firing;
    a server that failed shows how (UNAUTHORIZED / SLOW / REFUSED / DOWN / ERROR), its sentence and
    the age of its last good answer, before anything the others said.
    """
    now = stime.now() if now is None else now
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append("alerts ", "bold")
    if result is None:
        return t.append("waiting for the first answer", "dim")
    if result.alerts:
        counts = result.counts() if hasattr(result, "counts") else {}
        t.append(f"{BAD[0]} {len(result.alerts)} firing", BAD[1])
        if len(result.alerts) > 1 and counts:
            t.append(" (" + " ".join(f"{n}×{sev}" for sev, n in counts.items()) + ")", "bold")
        if _silenced_note(result):
            t.append(f" + {_silenced_note(result)}", "dim")
        t.append("  ")
    for where, err in result.errors.items():
        kind = getattr(result, "kinds", {}).get(where, "error")
        t.append(f"? {where} {KIND_WORDS.get(kind, 'ERROR')}", "bold yellow")
        good = getattr(result, "last_good", {}).get(where)
        if good is not None:
            at, then = good
            t.append(f" (last good answer {_ago(now - at)} ago: {len(then)} firing then)", "yellow")
        else:
            t.append(" (no good answer yet)", "yellow")
        t.append(f": {err}  ", "yellow")
    for where, note in (getattr(result, "notes", None) or {}).items():
        t.append(f"? {where}: {note}  ", "bold yellow")
    if not result.alerts:
        if result.errors or getattr(result, "notes", None):
            answered = [s for s in getattr(result, "servers", ()) if s not in result.errors]
            if answered and result.errors:
                t.append(f"nothing firing per {', '.join(answered)}; the rest unknown", "dim")
            elif answered:
                t.append("nothing readable firing; what was ignored may be", "dim")
            if _silenced_note(result):
                t.append(f" ({_silenced_note(result)})", "dim")
            t.rstrip()
            return t
        t.append(f"{OK[0]} none firing", OK[1])
        if _silenced_note(result):
            # Not firing (someone silenced them), but never invisible: the A view lists them.
            t.append(f" ({_silenced_note(result)})", "dim")
        return t
    for i, a in enumerate(result.alerts):
        if i:
            t.append(" · ", "dim")
        t.append_text(alert_label(a, now))
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


def alerts_table(result: Any, now: float | None = None) -> Any:
    """Every firing alert for the full view: severity, name, since when, runbook, title, labels;
    then each server that failed, how, and the age of its last good answer."""
    from datetime import datetime, timezone

    now = stime.now() if now is None else now
    # Every column stays in the dialog at 80x24 whatever Alertmanager sends (FitTable): with all
    # but "what" no-wrap, one long alert name or a runbook given as a URL made Rich drop sev, for
    # and what whole. The times are figures; names, links and server URLs are words and fold.
    table = FitTable(expand=True)
    columns: tuple[tuple[str, Kind], ...] = (("sev", "words"), ("alert", "words"), ("since (UTC)", "figure"),
                                             ("for", "figure"), ("runbook", "words"), ("what", "words"),
                                             ("from", "words"))
    for col, kind in columns:
        table.add_column(col, kind)
    if result is None:
        table.add_row("", Text("waiting for the first answer", "dim"), "", "", "", "", "")
        return table
    for a in result.alerts:
        sev = Text(a.priority or "?", SEVERITY_STYLES.get(a.priority or "", "bold"))
        if a.severity and a.severity != a.priority:
            sev.append(f" {a.severity}", "dim")
        since = (datetime.fromtimestamp(a.since, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
                 if a.since is not None else "?")
        age = _for(a.since, now) if a.since is not None else "?"
        labels = ", ".join(f"{k}={v}" for k, v in sorted(a.labels.items())
                           if k not in ("alertname", "severity"))
        what = Text(a.title if a.title != a.name else "")
        if labels:
            what.append(("\n" if what.plain else "") + labels, "dim")
        table.add_row(sev, Text(a.name, "bold"), Text(since), Text(age), Text(a.runbook or ""), what, Text(a.source))
    for a in getattr(result, "silenced", ()) or ():
        since = (datetime.fromtimestamp(a.since, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
                 if a.since is not None else "?")
        table.add_row(Text(a.priority or "?", "dim"), Text(a.name, "dim"), Text(since, "dim"),
                      Text(_for(a.since, now) if a.since is not None else "?", "dim"),
                      Text(a.runbook or "", "dim"),
                      Text(f"{a.state} in Alertmanager: not counted as firing", "dim"),
                      Text(a.source, "dim"))
    for where, err in result.errors.items():
        kind = getattr(result, "kinds", {}).get(where, "error")
        good = getattr(result, "last_good", {}).get(where)
        last = f"last good answer {_ago(now - good[0])} ago" if good else "no good answer yet"
        table.add_row(Text("?", "bold yellow"), Text(f"{where} {KIND_WORDS.get(kind, 'ERROR')}", "bold yellow"),
                      "", "", "", Text(f"{err} ({last})", "yellow"), Text(where))
    if not result.alerts and not result.errors:
        table.add_row(Text(OK[0], OK[1]), Text("none firing", OK[1]), "", "", "", "", "")
    return table
