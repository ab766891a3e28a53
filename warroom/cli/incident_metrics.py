"""The CLI's side of the metric history: each subcommand that changes or reads an incident first
brings the journal up to date with what the metrics did (breaches, recoveries, an overdue
stakeholder update, a Go/No-Go deadline passed with no verdict), from the incident's own source — a drill's
simulator for a drill, else the configured Prometheus. A source that is down costs a warning, never the command.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.errors import WarroomError
from warroom.paths import command

if TYPE_CHECKING:   # imported by the handlers that sync (with the incident they opened), never by the parser
    from warroom.cli.sources_down import SourcesDown
    from warroom.incident.metric_watch import SyncResult
    from warroom.incident.session import Incident


def metric_source(inc: Incident) -> tuple[Any, float]:
    """(source, speed): the service's choice (a drill's simulator, never a configured
    Prometheus, for a drill; else the configured Prometheus or None)."""
    from warroom.incident.live import metric_source_for

    return metric_source_for(inc)


def sync(inc: Incident, *, summary: bool = False, quiet: bool = False) -> SyncResult:
    """Journal breaches/recoveries (and with ``summary`` the PIR's numbers) and an overdue update;
    prints what was journaled to stderr."""
    from warroom.incident.metric_watch import SyncResult

    result = SyncResult()
    if inc.pinned_on_wall() is not None:
        return result          # a pinned look at a drill on the wall clock replays a moment and writes nothing
    try:
        source, speed = metric_source(inc)
    except (WarroomError, OSError) as exc:   # OSError: e.g. another account's drill directory
        print(f"warning: {inc.id}: metric history not read: {exc}", file=sys.stderr)
        source, speed = None, 1.0
    try:
        if source is not None:
            result = inc.sync_metrics(source, speed=speed, summary=summary)
        # before the source closes: a conditional decision's ``applies_when`` is a metric query
        late = inc.check_decisions_overdue(source)
        inc.check_branches(source)       # a runbook branch's condition, judged by the same look
    finally:
        close = getattr(source, "close", None)
        if callable(close):
            close()
    for err in result.errors:
        print(f"warning: {inc.id}: metric history: {err}", file=sys.stderr)
    if not quiet:
        for e in result.events:
            print(f"journaled (seq {e.seq}): {e.data.get('title')} {e.type.split('.')[1]} at {e.data.get('at')}",
                  file=sys.stderr)
    for e in inc.check_escalation():
        if not quiet:
            print(f"journaled (seq {e.seq}): escalated to tier {e.data['tier']} ({e.data['label']}),"
                  f" reached at {e.data['reached_at']}", file=sys.stderr)
    overdue = inc.check_update_overdue()
    if overdue is not None and not quiet:
        print(f"journaled (seq {overdue.seq}): stakeholder update overdue since {overdue.data['due_at']}",
              file=sys.stderr)
    reminder = inc.check_handoff_reminder()
    if reminder is not None and not quiet:
        hand_over = command('incident', 'role', inc.id, 'commander', 'PERSON')
        print(f"journaled (seq {reminder.seq}): {reminder.data['commander']} has been incident commander since"
              f" {reminder.data['since']}: time to hand over (`{hand_over}`)", file=sys.stderr)
    for view in late:
        if not quiet:
            said = f", {words}" if (words := view.open_words()) else ""
            print(f"journaled: Go/No-Go overdue: {view.decision.question} ({view.runbook_id}, due"
                  f" {view.due_at:%H:%M:%S} UTC{said}; `{command('incident', 'decide', inc.id)}`)", file=sys.stderr)
    for e in inc.approvals.expire_due():
        if not quiet:
            print(f"journaled (seq {e.seq}): approval {e.data['request']} expired", file=sys.stderr)
    return result


def panes_now(inc: Incident) -> tuple[list[Any] | None, tuple[Any, ...] | None]:
    """Every pane read once now, judged as ``warroom status`` and the dashboard judge it: the
    values a draft gives as now's; and with them each passed verify gate's measure
    (``gate_reading.read_gates``: whether the mitigation holds). (None, None) when there is no source
    (the draft then gives breach values, and says whether the mitigation holds is not known)."""
    from warroom.incident.gate_reading import read_gates
    from warroom.sources.evaluate import evaluate

    try:
        source, _speed = metric_source(inc)
    except (WarroomError, OSError) as exc:
        print(f"warning: {inc.id}: the panes were not read: {exc}", file=sys.stderr)
        return None, None
    if source is None:
        return None, None
    try:
        slos = inc.config.slo
        readings = evaluate(slos, source.fetch(slos), stale_after=inc.config.prometheus.stale_after)
        return readings, read_gates(inc.state, source, slos, inc.clock())
    finally:
        source.close()


LIST_LOOK_BEHIND = 4 * 3600.0
"""Drill seconds a list's look may simulate the world on (≈ 2,900 rows, ~2 s of CPU here): further, the gate is not
read for the list (attack53 A12: a drill incident left mitigated a day at x60 made every ``incident list`` simulate
sixty drill days, minutes of CPU, before it printed a row, the real incidents' too)."""


def _too_far_behind(source: Any, incident_id: str) -> str | None:
    """Why ``source`` is not looked at for a list (its drill world would be simulated on too far), else None."""
    unsimulated = getattr(source, "unsimulated", None)
    if not callable(unsimulated):
        return None               # a real source answers within its own timeout
    from warroom.durations import format_duration

    behind = unsimulated(stime.now())
    if behind <= LIST_LOOK_BEHIND:
        return None
    return (f"the drill's world is simulated only up to {format_duration(behind)} of drill time before its now, and a "
            f"list does not simulate more than {format_duration(LIST_LOOK_BEHIND)} (`"
            f"{command('incident', 'show', incident_id)}` looks, however long it takes)")


def listed_status(inc: Incident, down: SourcesDown | None = None) -> tuple[Any, list[str]]:
    """``incident list``'s status of an incident that claims its mitigation, after a look (attack52 F6: the list read
    the journal alone and said "mitigated" of a gate's measure past its line until some other command looked): each
    counted gate's measure read once now, one instant query each (bounded by the source's own timeout,
    ``prometheus.timeout``; a drill's simulator answers locally), a relapse or its end journaled as every look journals
    it, dated when the measure crossed its line (``MetricWatch.look_gates``; a read-only seat, a pinned replay or a
    damaged journal reads and writes nothing), then the status as the journal says it (``status_said``), or as the
    reading says it where nothing was journaled. Returns (the ``StatusSaid``, why each gate not read was not): a
    gate the look could not read leaves the status not checked, never "mitigated" as if it were. ``down``: what this
    list knows of its sources (``SourcesDown``): one found down is not asked again, nor is any once the list's budget
    is spent (no source is opened then); its incidents' gates say why."""
    from dataclasses import replace

    from warroom.cli.sources_down import AskedOnce, SourcesDown, where_of
    from warroom.incident.metric_watch import ReadNotJournaled
    from warroom.incident.gate_reading import read_gates
    from warroom.incident.relapse import holding
    from warroom.incident.status_said import StatusSaid, status_said

    st, now = inc.state, inc.clock()
    down = down if down is not None else SourcesDown()
    source, speed, problem = None, 1.0, down.spent(inc.id)      # the list's budget spent: no source opened
    if problem is None:
        try:
            source, speed = metric_source(inc)
        except (WarroomError, OSError) as exc:      # OSError: e.g. another account's drill directory
            problem = str(exc)
    opened = source                             # closed after the look, whoever stopped asking it
    where = where_of(source) if source is not None else None
    try:
        if source is not None and (behind := _too_far_behind(source, inc.id)) is not None:
            source, problem = None, behind
        if where is not None and source is not None:
            if (gone := down.why(where, inc.id)) is not None:
                source, problem = None, gone          # found down looking at another incident: not asked again
            else:
                source = AskedOnce(source, where, down, inc.id)
        if source is not None and inc.pinned_on_wall() is None and not st.journal_issues:
            declined: tuple[Any, ...] = ()
            try:
                gates, _, declined = inc.metrics.look_gates(source, inc.config.slo, stime.now(), speed=speed)
            except ReadNotJournaled as exc:     # read, and said as a seat that writes nothing says it (attack53 A7)
                gates = exc.gates
                print(f"warning: {inc.id}: its gates were read, but what they said was not journaled: {exc}",
                      file=sys.stderr)
            # a history read this list declined (its budget, a source slow for history): what the look read is
            # journaled, dated at the look, and said once for the list (attack56 A1/A7)
            for n in dict.fromkeys(n for n in declined if not down.undated(n.whose, inc.id, n.what)):
                print(f"warning: {inc.id}: its gates were read and journaled without all of their history: not read:"
                      f" {n.what}: {n.why}", file=sys.stderr)
        else:
            gates = tuple(replace(g, problem=problem or g.problem) for g in read_gates(st, source, inc.config.slo, now))
    finally:
        close = getattr(opened, "close", None)
        if callable(close):
            close()
    st = inc.refresh()
    said = status_said(st, now)
    if said.since is None and any(g.past for g in gates):     # read past its line, journaled nowhere (a seat's)
        held = holding(st, now, gates=gates)
        if held is not None and held.relapsed:
            said = StatusSaid(st.status, held.since, held.qualifier(st.status), held.since_seen)
    unread = [g for g in gates if g.past is None and not g.lifted]
    whys = [f"the verify gate of step {g.step or g.step_id} ({g.title or g.what}) was not read: {g.problem}"
            for g in unread]
    if where is not None and (gone := down.why(where, inc.id)) is not None and \
            (folded := [w for w, g in zip(whys, unread, strict=True) if g.problem == gone]):
        down.left_unchecked(where, inc.id, folded)
    if (spent := down.spent(inc.id)) is not None and \
            (folded := [w for w, g in zip(whys, unread, strict=True) if g.problem == spent]):
        down.left_unchecked(down.BUDGET, inc.id, folded)
    return said, whys
