"""The incident header: who, what, how bad, how long, and what is due next.

Two lines so it fits 80 columns: identity on the first (id, title, status, severity, flags),
clocks and data health on the second. Each line is its own ``Static`` and only repaints when
its text changes (the clocks change once a second, identity almost never).
"""

from __future__ import annotations

from panes.safe import SafeText as Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from panes.fmt import escalation_tier, format_clock
from panes.slo import set_text
from panes.view import HeaderInfo

SEVERITY_STYLES = {"P1": "bold white on red", "P2": "bold red", "P3": "bold yellow", "P4": "bold"}
# The word is always printed next to the mark, so each failure reads the same without colour:
# unauthorized (fix credentials), refused (nothing listens), down (unreachable), slow (no whole
# answer within the timeout), error (answers that are not data).
HEALTH_MARKS = {"ok": ("●", "green"), "stale": ("◌", "yellow"), "error": ("✖", "red"),
                "down": ("✖", "red"), "off": ("·", "dim"), "unauthorized": ("⊘", "bold red"),
                "refused": ("✖", "red"), "slow": ("◔", "yellow"),
                "poll failed": ("✖", "bold red")}


class IncidentHeader(Vertical):

    def __init__(self) -> None:
        super().__init__(id="header", classes="incident-header")
        self.info = HeaderInfo()

    def compose(self) -> ComposeResult:
        yield Static(classes="hdr-identity")
        yield Static(classes="hdr-clocks")

    def show(self, info: HeaderInfo, now: float) -> None:
        self.info = info
        set_text(self.query_one(".hdr-identity", Static), self.identity_text())
        self.tick(now)

    def tick(self, now: float) -> None:
        set_text(self.query_one(".hdr-clocks", Static), self.clocks_text(now))

    def identity_text(self) -> Text:
        i = self.info
        t = Text(no_wrap=True, overflow="ellipsis")
        if i.drill:
            t.append(" DRILL ", "bold black on yellow")
            t.append(" ")
        if i.read_only:
            t.append(" READ-ONLY ", "bold white on blue")
            t.append(" ")
        if i.incident_id is None:
            t.append("warroom", "bold")
            t.append("  no incident open — press ")
            t.append("d", "bold reverse")
            t.append(" to declare one, ")
            t.append("?", "bold reverse")
            t.append(" for keys")
            return t
        t.append(i.incident_id, "bold")
        t.append("  ")
        t.append(i.severity, SEVERITY_STYLES.get(i.severity, "bold"))
        t.append("  ")
        t.append(i.status.upper(), "bold green" if i.status == "resolved" else "bold cyan")
        t.append("  ")
        t.append(i.title)
        return t

    def clocks_text(self, now: float) -> Text:
        i = self.info
        t = Text(no_wrap=True, overflow="ellipsis")
        if i.incident_id is not None and i.declared_at is not None:
            end = i.resolved_at if i.resolved_at is not None else now
            # In a drill every clock here runs on scenario time (a --speed 10 drill reaches the
            # 15-minute tier after 90 s), the speed said beside it.
            elapsed = max(0.0, end - i.declared_at) * i.time_scale
            t.append("elapsed ", "dim")
            t.append(format_clock(elapsed), "bold")
            if i.time_scale != 1.0:
                t.append(f" ×{i.time_scale:g}", "dim")
            t.append("  ")
            t.append(escalation_tier(elapsed), "bold")
            if i.resolved_at is None and i.next_update_at is not None:
                due = (i.next_update_at - now) * i.time_scale
                t.append("  update ", "dim")
                if due < 0:
                    t.append(f"OVERDUE {format_clock(-due)}", "bold red")
                else:
                    t.append(f"in {format_clock(due)}", "bold")
            t.append("  ")
        if i.drill:
            t.append(f"scenario {i.drill}  ", "dim")
        for name, health in i.sources:
            mark, style = HEALTH_MARKS.get(health, ("?", ""))
            t.append(f"{name} ", "dim")
            t.append(f"{mark} {health}", style)
            t.append("  ")
        if i.gate:   # last: the longest part, so a narrow terminal cuts it rather than source health
            t.append(i.gate, "bold red" if "failed" in i.gate else "bold")
        t.rstrip()
        return t
