"""The drill report as plain text, for ``warroom incident drill-report``: what the dashboard's
screen shows, in the same order and words."""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.durations import format_duration
from warroom.incident.drill_report.rows import ActionRow, DrillReport, path_word


def report_lines(r: DrillReport) -> list[str]:
    """The report as plain text (``warroom incident drill-report``): what the screen shows."""
    def clock(a: ActionRow) -> str:
        return "" if a.clock is None else f"{'-' if a.clock < 0 else '+'}{format_duration(abs(a.clock))} "

    lines = [f"Drill {r.scenario} · {r.title} · runbook {r.runbook} · ×{r.speed:g}"
             + (f" · {r.incident}" if r.incident else ""), "", "Summary:"]
    lines += [f"  - {line}" for line in r.summary]
    lines += ["", "What was done (drill clock since detection, wall UTC):"]
    for a in r.actions:
        effective, mitigation = a.judged       # neither is said while the incident is open (the answer)
        effect = (f"{a.cause + ': ' if a.cause else ''}{a.change}" if effective
                  else a.change or "(moved none of the scenario's panes)" if not mitigation else "did nothing")
        lines.append(f"  {clock(a)}{datetime.fromtimestamp(a.at, UTC):%H:%M:%S} {a.description}: {effect}"
                     + (f" — {a.why}" if a.why else "") + f"  [{a.command}]")
    if not r.actions:
        lines.append("  nothing reached the drill")
    for rid, path, why in ((r.runbook, r.runbook_path, ""), *((rid, p, " (opened by the GO)")
                                                               for rid, _, p in r.opened)):
        if path:
            lines += ["", f"Runbook {rid}{why}, its steps in order:"]
            lines += [f"  [{path_word(s)}] {sec}: {label}"
                      + (f" -> {did}" if did else "") for sec, label, s, did in path]
    return lines
