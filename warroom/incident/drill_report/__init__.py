"""The end-of-drill report: response times against the targets, what was done, how the panes ended.

Built from two things that are already on disk: the drill (its clock, the simulator, the actions
the stand-ins recorded) and the incident declared on it (``warroom.incident.state``, rebuilt from
the journal). The result is plain data; the dashboard renders it and the CLI can print it.

Times are judged in drill time (wall minutes x speed: a drill run ten times faster than real
time lives ten scenario minutes per wall minute) against the seeds' targets (detect < 5,
mobilise < 10, root cause < 15, mitigate < 30, resolve < 60 minutes) and the runbook's own
``mttr_target``; wall minutes are given beside. Time to detect counts from the moment the
scenario's primary pane crossed its critical threshold, which only the drill knows; the other
milestones come from the incident state.

The panes' numbers (at impact start, at detection, worst and when, at resolution) come from
:mod:`warroom.incident.metric_history` over the incident's window — the same function and the
same window the PIR's SLO evidence is read with, so the two documents give the same numbers.
A pane is "recovered" only on the good side of its warn threshold and not getting worse.

One module per part: ``rows`` (the report's data), ``panes`` (the breach time and how each pane
ended), ``actions`` (what each action the stand-ins recorded did to the scenario, and the failed
flows), ``path`` (the runbook's steps in order and what their runs did), ``summary`` (the verdict
lines), ``text`` (the CLI's plain text) and ``build`` (``drill_report``, putting them together).
The names below are the report's public face (the dashboard and the CLI import them from here).
"""

from warroom.incident.drill_report.build import drill_report
from warroom.incident.drill_report.panes import breach_reading, breach_time, declared_source, impact_crossing
from warroom.incident.drill_report.rows import (ActionRow, DrillReport, PaneOutcome, ResponseRow, path_brief, path_done,
                                               path_word)
from warroom.incident.drill_report.text import report_lines

__all__ = ["ActionRow", "DrillReport", "PaneOutcome", "ResponseRow", "breach_reading", "breach_time", "declared_source",
           "drill_report", "impact_crossing", "path_brief", "path_done", "path_word", "report_lines"]
