"""The drill report's verdict lines: each response milestone against its target (drill time, wall
time beside), a mitigation that bent the curves without the incident being marked mitigated, what
the scenario's resolution needed and was not done (and why), failed flows never retried, how far
the runbook got, actions outside it, and how each pane ended."""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.drill.actions import ACTIONS
from warroom.durations import format_duration
from warroom.incident.drill_report.actions import OFF, RETRIES
from warroom.incident.closing import progress_text
from warroom.incident import progress, verdicts
from warroom.incident.drill_report.panes import past_crit
from warroom.incident.drill_report.rows import (BY_HAND, JOURNALED, SPARED, UNJUDGED, ActionRow, DrillReport,
                                               counted, path_done, path_word)
from warroom.incident.marks import TROUBLE_MARKS
from warroom.scenario_time import Span
from warroom.units import format_stated, format_value


def with_summary(r: DrillReport, pir: tuple[float, float, float, int, int, int, int] | None = None,
                 updates: str = "") -> DrillReport:
    """``r`` with its summary lines written from what it holds, and ``pir``: (the PIR's Impact figure
    for failed flows, its window's start and end, unix; the drill's own count of that window, of the
    retries in it that failed again, and of its failed flows since retried that succeeded, or run again now);
    ``updates``: the stakeholder updates that fell due unsent (``cadence.Missed.count``), said after the decisions."""
    lines = []
    left_failed = r.unretried or ()      # None: not said while open (no retry taken: the answer), as none
    named = f"{', '.join(left_failed[:3])}{f' and {len(left_failed) - 3} more' if len(left_failed) > 3 else ''}"
    primary = r.panes[0] if r.panes else None
    broken = [p.title for p in r.panes if past_crit(p)] if r.ended else []
    for row in r.responses:       # each sentence is its row's verdict (``verdicts``): the table's mark agrees
        if row.minutes is None:     # the raise (``people_target``) is said after the target it raised
            up = f"; {row.verdict.raised}" if row.verdict.raised else ""
            head, _, tail = row.verdict.sentence.removesuffix(up).rpartition(": ")   # "declared before X …: met"
            lines.append(f"{row.label}: {head or tail} (target < {row.target_min:g} min){': ' + tail if head else ''}"
                         f"{up}.")
        else:
            took = Span((row.wall_minutes or 0.0) * 60, r.speed).text()   # drill time first, the wall time beside
            lines.append(f"{row.label}: {took} (target < {row.target_min:g} min): {row.verdict.sentence}.")
        if row.key == "mobilised" and r.shell:       # worked in the drill shell first: the journal never saw it
            lines.append(f"{r.shell}.")
        if row.minutes is None:
            continue
        if row.key == "resolved" and r.mttr_target_min is not None:
            said = verdicts.mttr(row.minutes < r.mttr_target_min, broken).sentence
            raised = f"; {r.mttr_raised}" if r.mttr_raised else ""       # the milestones' rule (``people_target``)
            lines.append(f"Runbook {r.runbook} MTTR target < {r.mttr_target_min:g} min: "
                         f"{said + ' (as above)' if said.startswith('met on the clock') else said}{raised}.")
    marked = next((row for row in r.responses if row.key == "mitigated"), None)
    # bent the curves = moved a pane (its own line says how), not only in force: one switched off before
    # any pane moved (its line "unchanged within 35s") is no mitigation the IC forgot to mark
    took = next((a for a in r.actions if all(a.judged) and a.moved and not a.action.endswith(OFF) and not a.late),
                None)      # one taken after the resolution is no part of the response (attack46 X9)
    if r.incident and marked is not None and marked.at is None and took is not None and took.clock is not None:
        why = marked.verdict.sentence != marked.verdict.word     # a gate that held before its step: said above
        lines.append(f"{took.description[:1].upper()}{took.description[1:]} bent the curves at "
                     f"{'+' if took.clock >= 0 else '-'}{format_duration(abs(took.clock))} drill time, "
                     f"but the incident was never marked mitigated{' (Time to mitigate says why)' if why else ''}.")
    if r.resolution_missing:
        def why(k: str) -> str:
            left = f"{len(left_failed)} of the {r.failed} flows the incident failed are still failed: {named}"
            tried = next((a.why for a in reversed(r.actions) if a.action == k and a.why), "") or next((
                f"{a.description} at {_clock(a)}: {a.why}" for a in reversed(r.actions) if a.meant == k and a.why), "")
            if not tried and any(a.action == k for a in r.actions):
                tried = "" if k in RETRIES and left_failed else "not in force when it ended"
            said = tried or ("never done" if not any(a.action == k for a in r.actions) else "")
            return "; ".join(x for x in (said, left if k in RETRIES and left_failed else "") if x)
        def name(k: str) -> str:      # while open, what the team's own command did (``ActionRow.description``)
            row = None if r.ended else next((a for a in reversed(r.actions) if k in (a.action, a.meant)), None)
            return ACTIONS.get(k, k) if row is None else row.description

        lines.append("Not done: " + "; ".join(f"{name(k)} ({why(k)})" for k in r.resolution_missing) + ".")
    for a in r.actions:     # a mitigation's why; while open any row's (mitigation or not is not said: ``judged``)
        if a.judged[1] is not False and a.why and r.resolution_missing and a.meant in r.resolution_missing \
                or a.with_first or a.late:
            continue        # said in what was not done; or its effect is an earlier row's, said there; or after the end
        if a.judged[1] is not False and a.why and a.action not in r.resolution_missing and a.why not in (
                "already in force", "it was not in force"):
            lines.append(f"{a.description[:1].upper()}{a.description[1:]}: {a.why}.")
    for a in r.actions:      # an action that took the scenario's panes the wrong way and none the right (R10)
        if a.worse and a.told and not a.late:
            lines.append(f"Made it worse: {a.description} at {_clock(a)} ({a.worse}).")
    for a in r.actions:      # never undone, and what it still did at the end is harm (attack47 Y8: a deny left on)
        if a.left and a.told and not a.late and r.ended:
            lines.append(f"Still in force when the incident was resolved, and harming then: {a.description} at "
                         f"{_clock(a)} ({a.left}).")
    if left_failed and not set(RETRIES) & set(r.resolution_missing):
        lines.append(f"Failed flows never retried: {len(left_failed)} of the {r.failed} the incident failed are still "
                     f"failed ({named}).")
    if pir is not None:
        lines.append(_pir_count_line(r, *pir))
    if r.harm:
        lines.append(f"{r.harm}.")
    lines += r.decisions
    if updates:
        lines.append(f"{updates[:1].upper()}{updates[1:]}.")
    if r.runbook_path:
        lines.append(_path_line(r.runbook, r.runbook_path))
    for rid, went, path in r.opened:     # what a GO opened is the response's path too
        lines.append(f"{went[:1].upper()}{went[1:]}.")
        if path:
            lines.append(_path_line(rid, path, "opened by the GO"))
    if r.outside:
        lines.append("Done outside the runbook's steps: " + "; ".join(r.outside) + ".")
    if late := [a for a in r.actions if a.late]:     # no part of the response: said apart (attack46 X9)
        lines.append("Done after the incident was resolved (no part of the response: no step or milestone counts it): "
                     + "; ".join(f"{a.description} ({a.command}) at {_clock(a)}, {a.late.removeprefix('taken ')}"
                                 for a in late) + ".")
    for pane in r.panes:
        if pane.recovered:
            state = "recovered (under its warn threshold, not on course to reach it soon)"
        elif pane.worsening:
            state = "still getting worse"
        elif past_crit(pane):
            state = "still above its critical threshold"
        elif pane.now is None:          # no value at its end: neither recovered nor above anything (attack48)
            state = "without a value at the end (no data), so not known to have recovered"
        else:
            state = "not recovered (above its warn threshold)"
        now = "" if pane.now is None or pane.crit is None else (
            f" ({format_stated(pane.now, pane.unit, against=(pane.crit,))} vs critical "
            f"{format_value(pane.crit, pane.unit)})")
        lines.append(f"{pane.title} is {state}{now}{pane.recent}.")
    if r.cause:       # the drill is over: the facilitator's answer, beside what the team wrote down
        lines.append(f"What caused it (the scenario, told now the drill is over): {r.cause}")
        lines.append("The team's root-cause note: " + " / ".join(f"“{_short(n)}”" for n in r.noted_causes) + "."
                     if r.noted_causes else "The team wrote no root-cause note: compare what was found with the cause above.")
    return DrillReport(**{**r.__dict__, "summary": tuple(lines)})


def _clock(a: ActionRow) -> str:
    """When an action was taken, on the incident's clock (``+1h02m``) or else at its wall time."""
    if a.clock is not None:
        return f"{'+' if a.clock >= 0 else '-'}{format_duration(abs(a.clock))} drill time"
    return f"{datetime.fromtimestamp(a.at, UTC):%H:%M:%S} UTC"


def _short(text: str, most: int = 240) -> str:
    """A note quoted on one report line: its first ``most`` characters, whitespace folded."""
    flat = " ".join(text.split())
    return flat if len(flat) <= most else flat[:most - 1] + "…"


def _path_line(runbook: str, steps: tuple[tuple[str, str, str, str], ...], why: str = "") -> str:
    """How far the runbook got, by the one count (``progress.count``, what the checklist heading and a GO's
    progress count; a step typed by hand in the drill shell counts done, ``rows.counted``), worded by
    ``closing.progress_text``, then which
    steps were done by hand, skipped, in trouble and not done (in the runbook's order, each not simply
    pending with the mark's word)."""
    def named(states: frozenset[str] | set[str]) -> list[str]:      # by the count's state (``counted``)
        return [f"{label} ({section})" + ("" if s in ("pending", "skipped") else
                                          f": {path_word(s).removeprefix(UNJUDGED)}")
                for section, label, s, _ in steps if s in states or counted(s) in states & TROUBLE_MARKS]

    def listed(what: str, names: list[str]) -> str:
        more = f" and {len(names) - 6} more" if len(names) > 6 else ""
        return f"; {what}: {'; '.join(names[:6])}{more}" if names else ""

    got = progress.count(counted(s) for _, _, s, _ in steps)
    trouble = named(TROUBLE_MARKS)
    spared = {s for _, _, s, _ in steps if s.startswith(SPARED)}      # a branch that did not apply: not owed
    open_ = {s for _, _, s, _ in steps if not path_done(s) and counted(s) not in TROUBLE_MARKS} - spared
    hand = [f"{label} ({section}) at {s.removeprefix(BY_HAND).replace(' (drill shell)', '')}"
            for section, label, s, _ in steps if s.startswith(BY_HAND)]
    return (f"Runbook {runbook}{f' ({why})' if why else ''} path: {progress_text(got.done, got.failed, got.owed)}"
            + (f" (of {got.total}: {got.not_needed} not needed, their branch did not apply)" if got.not_needed
               else "")
            + listed("done by hand in the drill shell", hand)
            + listed("done by the journal", [f"{label} ({section}): {s.removeprefix(JOURNALED)}"
                                             for section, label, s, _ in steps if s.startswith(JOURNALED)])
            + listed("skipped", named({"skipped"})) + listed("failed or unmet", trouble)
            + listed("not done", named(open_))
            + listed("not needed", [f"{label} ({section}): {s.removeprefix(SPARED)}"
                                    for section, label, s, _ in steps if s in spared]) + ".")


def _pir_count_line(r: DrillReport, estimate: float, start: float, end: float, exact: int, again: int = 0,
                    healed: int = 0, rerun: int = 0) -> str:
    """The PIR's count of failed flows beside the drill's, for the same window. Two numbers for one
    thing must say why: the PIR's is Prometheus' ``increase()`` over FlowEngine's failure counter,
    which extrapolates from the counter's samples to the window's edges (an estimate, also in a real
    incident), over a counter that in a drill integrates the simulator's rates (its expected count) while the tasks
    table holds the flows drawn from them, every one: its count is exact (redteam44 T4's addendum: the line blamed
    increase() alone). ``again``: retries in
    the window that failed again, each a second failure on the counter of a flow the table lists once
    (without them, "6 in the tasks table, where the PIR says 7" blamed the estimate for a retry).
    The report's own "the incident failed" counts from the causes' onset and leaves out everyday
    background errors. ``healed``, ``rerun``: of the ``exact``, those a retry since took to succeeded or running,
    as their rows now say: "5 in the drill's tasks table" where psql's failed rows were 4 (redteam38 F12)."""
    def at(t: float) -> str:
        return f"{datetime.fromtimestamp(t, UTC):%H:%M:%S}"

    shown = f"{estimate:.0f}"
    failures = exact + again
    same = shown == str(failures)
    since = ", ".join(x for x in (f"{healed} since retried and succeeded" if healed else "",
                                   f"{rerun} being retried" if rerun else "") if x)
    rows = (f"{exact} flows failed in it (the drill's tasks table: {exact - healed - rerun} still failed, {since})"
            if since else f"{exact} in the drill's tasks table")
    counted = (rows if not again else
               f"{rows} and {again} {'retry' if again == 1 else 'retries'} that"
               f" failed again, {failures} failures as FlowEngine's failure counter counts them")
    return (f"Failed flows in the PIR's impact window ({at(start)}–{at(end)} UTC): {counted}, "
            f"{'and' if same else 'where'} the PIR's Impact {'also says' if same else 'says'} {shown}"
            + ("." if same else " (Prometheus' increase() over the failure counter estimates between samples, and"
               " in a drill the counter follows the simulator's failure rate while the tasks table lists the flows"
               " drawn from it; the table's count is exact).")
            + (f" The {r.failed} the incident failed count from its cause's onset, without everyday"
               " background errors." if r.failed != exact else ""))
