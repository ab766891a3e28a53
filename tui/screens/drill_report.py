"""The end-of-drill report: response times against the targets, what was done and whether it
helped, how the panes ended (``warroom.incident.drill_report``). Shown after resolving a drill and on ``g``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.console import Group
from panes.safe import SafeText as Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.bindings import REPORT_BINDINGS
from tui.screens.modals.base import Dialog, ScrollsView
from warroom.durations import format_duration
from warroom.fit_table import FitTable, Kind
from warroom.incident.drill_report import path_brief, path_done
from warroom.units import format_value


def _hm(ts: float | None) -> str:
    return "—" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%H:%M:%S")


def _num(v: float | None, unit: str, against: tuple[float | None, ...] = ()) -> str:
    """A value of a pane's row; ``against``: the critical line it stands beside in the row, so a
    worst of 1.0019% beside crit 1% reads "1.002%" (``warroom.units``' one rule)."""
    return format_value(v, unit, against=against)


def _minutes(v: float | None) -> str:
    """A span of minutes as every other view writes one (``format_duration``: ``45s``, ``4m15s``,
    ``3h24m``): not m:ss, which past an hour read ``204:28`` beside a header saying 3:24:27."""
    return "—" if v is None else format_duration(v * 60)


def _response_times(responses: Any) -> FitTable:
    """Each milestone against its target: drill time first (what the target judges), the wall
    time beside, as in the PIR. A short verdict ("▲ clock only", "not measured") stays on one
    line; only the long one ("✔ met (declared first)") wraps at 66 columns (80x24). The spans'
    headers are the clocks' names alone ("drill", "wall"): a span past an hour is exact to the
    second (``1h06m40s``), and "took (drill)" over it left "▲ clock only" 11 columns at 66."""
    times = FitTable(title="Response times against the targets")
    times.add_column("milestone", "words")
    for col in ("at (UTC)", "drill", "wall", "target"):
        times.add_column(col, "figure")
    times.add_column("result", "words", phrase=len("▲ clock only"))
    for r in responses:
        # the verdict the summary and the PIR say (``warroom.incident.verdicts``): ✔ only for a plain met
        word, ok = r.verdict.mark, r.verdict.ok
        style = ("green" if ok else "bold red" if ok is False else "yellow" if r.verdict.state == "clock only"
                 else "dim")
        times.add_row(Text(r.label), _hm(r.at), _minutes(r.minutes), _minutes(r.wall_minutes),
                      Text(f"< {r.target_min:g} min"), Text(word, style=style))
    return times


def report_renderable(report: Any) -> Group:
    head = Text()
    head.append(f"Drill {report.scenario}", "bold")
    head.append(f" · {report.title} · runbook {report.runbook} · speed ×{report.speed:g}")
    if report.incident:
        head.append(f" · {report.incident}", "bold")
    # Every table fits the dialog at 80x24 (66 columns) and is a FitTable (``warroom.fit_table``):
    # the clocks, times, targets and figures whole on one line, the words (a milestone, an action,
    # its effect, its command, a pane's name and end) wrap or fold. With Rich choosing, CI (stop 25)
    # lost the whole milestone column to "✔ met (declared first)", a command got the leftovers
    # ('com…' over 'kub…') and a wide figure made the pane's name one letter wide and its state 's…'.
    times = _response_times(report.responses)
    acts = FitTable(title="What was done", expand=True)
    for col in ("drill clock", "at (UTC)"):
        acts.add_column(col, "figure")
    for col in ("action", "effect", "command"):
        acts.add_column(col, "words")
    for a in report.actions:
        effective, mitigation = a.judged    # None while the incident is open: what it did, never the judgement
        effect = (Text((f"{a.cause}: " if a.cause else "") + a.change + (f" — {a.why}" if a.why else ""),
                       style="yellow" if a.why else "green")
                  if effective or effective is None and (a.change or a.why)
                  else Text(a.why or "no effect yet", style="yellow") if mitigation
                  else Text(a.change, style="green") if a.change       # not a mitigation, yet it moved a pane
                  else Text("—", style="dim"))   # a page or an update: not meant to move a curve
        clock = "—" if a.clock is None else ("-" if a.clock < 0 else "+") + format_duration(abs(a.clock))
        acts.add_row(Text(clock), Text(_hm(a.at)), Text(a.description), effect, Text(a.command))
    if not report.actions:
        acts.add_row(Text("—"), Text("—"), Text("no mitigation reached the drill"), Text(""), Text(""))  # in the action column
    panes = FitTable(title="How the panes ended")
    panes.add_column("pane", "words")
    for col in ("crit", "at detection", "worst", "now"):
        panes.add_column(col, "figure")
    panes.add_column("state", "words")
    for p in report.panes:
        panes.add_row(Text(p.title), Text(_num(p.crit, p.unit)), Text(_num(p.at_detection, p.unit, (p.crit,))),
                      Text(_num(p.worst, p.unit, (p.crit,))), Text(_num(p.now, p.unit, (p.crit,))), _ended(p))
    paths = [_path_table(f"Runbook {rid}{why}: its steps in order", steps)
             for rid, steps, why in ((report.runbook, report.runbook_path, ""),
                                     *((rid, p, " (opened by the GO)") for rid, _, p in getattr(report, "opened", ())))
             if steps]
    # the drill shell worked in before the journal saw anything: said under the table, beside the Time to mobilise it
    # leaves "missed" (attack44 A14: only the text report said it), as the core words it (``by_hand.shell_unjournaled``)
    said = f"{report.shell}." if getattr(report, "shell", "") else ""
    shell = (Text(""), Text(said, style="yellow")) if said else ()
    summary = Text("\n".join(f"• {line}" for line in report.summary if line != said))
    return Group(head, Text(""), times, *shell, Text(""), acts, Text(""), panes, Text(""),
                 *(x for t in paths for x in (t, Text(""))), summary)


def _path_table(title: str, steps: Any) -> FitTable:
    """A runbook's steps in order with what happened to each (the checklist's words and rule)."""
    path = FitTable(title=title, expand=True)
    # the section's title wraps (a rollback runbook's are sentences); the state never is cut ("not d…")
    columns: tuple[tuple[str, Kind], ...] = (("section", "words"), ("step", "words"), ("what happened", "figure"),
                                             ("what it did in the drill", "words"))
    for col, kind in columns:
        path.add_column(col, kind)
    for section, label, status, did in steps:
        word, why = path_brief(status)      # a branch that did not apply: "not needed", why in the wide column
        path.add_row(Text(section), Text(label), Text(word, style="green" if path_done(status) else
                                                      "dim" if why and word == "not needed" else "yellow"),
                     Text(did or why or "—"))
    return path


def _ended(p: Any) -> Text:
    """The pane's end as the summary says it: "still breached" only past critical (a pane above
    warn, or below it and rising, was marked breached)."""
    past = p.now is not None and p.crit is not None and p.now > p.crit
    if p.recovered:
        return Text("✔ recovered", style="green")
    return Text(("✖ still breached" if past else "▲ not recovered") + (", rising" if p.worsening else ""),
                style="bold red" if past else "yellow")


class DrillReportScreen(ScrollsView, Dialog[None]):
    BINDINGS: ClassVar[list[Binding]] = REPORT_BINDINGS
    SCROLLED = "#drill-report"

    def __init__(self, report: Any) -> None:
        super().__init__()
        self.report = report

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="drill-report"):
            if getattr(self.report, "ended", True):
                yield Static("End of drill — response times against the targets · p PIR · e export · esc close",
                             classes="dialog-title")
            elif getattr(self.report, "incident", None):     # read mid-drill (``g``): nothing has ended yet
                yield Static("The drill so far (its incident is open) — response times against the targets"
                             " · p PIR · e export · esc close", classes="dialog-title")
            else:      # before any declaration: no incident, so no PIR to show or export
                yield Static("The drill so far (no incident declared yet) — response times against the"
                             " targets · esc close", classes="dialog-title")
            yield Static(report_renderable(self.report), id="drill-report-body")

    def action_pir(self) -> None:
        self.dismiss(None)
        self.app.dashboard.action_pir_preview()  # type: ignore[attr-defined]

    def action_export(self) -> None:
        self.dismiss(None)
        self.app.dashboard.action_export_pir()  # type: ignore[attr-defined]
