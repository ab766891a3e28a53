"""Roles and commander handoff: the role vocabulary, the catch-up brief, the handoff reminder.

Roles are the four an incident needs (incident commander, ops lead, comms lead, scribe), stored
under the short words the journal has always used (``commander``, ``ops``, ``comms``,
``scribe``); the longer names and ``ic`` are accepted for them. Anything else is refused with the
list, so a typo never creates a role nobody looks at (older journals that hold other words
replay as written).

Handing over the commander role journals, with the ``role.assigned`` event, a *catch-up brief*
computed from the journal at that moment (:func:`catch_up_brief`): what happened (the PIR's key
moments), where things stand, open verify gates, steps running and not yet done, the stakeholder
update cadence, Go/No-Go decisions (taken or open) and approvals nobody answered. The incoming commander
acknowledges it (``handoff.acknowledged``, by that person); until then the handoff is pending and
the header says so.

The reminder (:func:`reminder_due`): after ``[roles] handoff_reminder`` (scenario time in a
drill, as the escalation tiers and the update cadence) of holding the role, and every period
after, the commander is reminded to hand over, journaled once per period.

Pure, like the reducers: the service passes the clock, the config and the runbooks in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.durations import format_duration
from warroom.incident.approvals import OPEN, status_at, step_word
from warroom.incident.roles import ROLE_SHORT, ROLES, canonical_role as canonical_role
from warroom.journal import events as ev

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.incident.state import IncidentState

BRIEF_MOMENTS = 8


# ------------------------------------------------------------------------------ the brief


@dataclass(frozen=True)
class Brief:
    """The catch-up brief: titled sections of lines, as journaled and shown."""

    sections: tuple[tuple[str, tuple[str, ...]], ...]

    def to_json(self) -> dict[str, Any]:
        return {"sections": [[t, list(lines)] for t, lines in self.sections]}

    @classmethod
    def from_json(cls, data: Any) -> Brief | None:
        if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
            return None
        out = []
        for item in data["sections"]:
            if isinstance(item, list) and len(item) == 2 and isinstance(item[1], list):
                out.append((str(item[0]), tuple(str(x) for x in item[1])))
        return cls(tuple(out))

    def text(self) -> str:
        parts = []
        for title, lines in self.sections:
            parts.append(f"{title}:")
            parts.extend(f"  - {ln}" for ln in lines) if lines else parts.append("  - none")
        return "\n".join(parts)


def _hm(at: datetime | None) -> str:
    return f"{at:%H:%M:%S} UTC" if at is not None else "?"


def _panes_now(state: IncidentState, now: datetime, latest: dict[str, tuple[str, float | None, str, datetime]],
               readings: Sequence[Any] | None) -> list[str]:
    """One line a pane: its value now (a reading, by the words the draft update uses) and, beside it, its
    newest journaled reading with its age in the incident's time; a pane journaled nothing of is listed
    only when it is past a threshold now."""
    from warroom.incident.cadence import NOW_WORDS
    from warroom.units import format_reading, format_stated

    shown = {r.slo.id: r for r in readings or ()}
    out = []
    for slo_id in sorted(set(latest) | {i for i, r in shown.items() if r.state in ("crit", "warn")}):
        said = ""
        if slo_id in latest:
            word, value, unit, at = latest[slo_id]
            said = f"{word}{f' {format_stated(value, unit)}' if value is not None else ''} at {_hm(at)}" \
                   f", {stime.text(state, max(0.0, (now - at).total_seconds()), wall=False)} ago"
        r = shown.get(slo_id)
        if r is None:
            out.append(f"SLO {slo_id}: {said}")
        elif r.state not in NOW_WORDS or r.value is None:
            out.append(f"SLO {slo_id}: no value now ({r.word}){f'; {said}' if said else ''}")
        else:
            out.append(f"SLO {slo_id}: {format_reading(r.value, r.slo)} now ({NOW_WORDS[r.state]})"
                       f"{f'; {said}' if said else ''}")
    return out


def open_gates(state: IncidentState) -> list[dict[str, Any]]:
    """``verify.started`` events with no outcome yet, from the state (``verify_events.open_gates``)."""
    from warroom.incident.verify_events import open_gates as still_open

    return still_open(state)


def catch_up_brief(state: IncidentState, now: datetime, *, update_every: float | Callable[[str], float],
                   config: Config, runbooks: Sequence[Any] = (), readings: Sequence[Any] | None = None,
                   typed: Sequence[Any] = (), by_hand: Mapping[tuple[str, str], Any] | None = None,
                   gates: Sequence[Any] | None = None) -> Brief:
    """What the incoming commander must know, from the journal (see the module docstring) and, when
    given, ``readings``: every pane read now (``SloReading``s, as ``draft-update`` reads them), so "Current
    state" is now's value with the journaled one beside it and its age (redteam42 R21: at x60 a breach
    journaled 20 wall seconds earlier is 20 drill minutes old). Without them (no source, the brief a
    handoff journals) the journaled readings alone, each with its age. ``config``: the incident's, whose update
    cadence judges a runbook's cadence item as the checklist, ``incident show``, the report and the PIR judge it
    (fix46r4b left the brief judging it with the default ``Config()``'s). ``typed``: what was typed in the drill
    shell (``pir.drill_shell(inc).typed``), merged into "What happened" as the PIR's timeline merges it, with its
    weights: the brief is written for the person who did not see it happen (redteam47 F12). ``by_hand``: the steps
    credited in the drill shell (``Incident.typed_by_hand``): not owed, as the report's path and ``incident show``
    count them (attack47 Y4: the brief owed a step the report said "done by hand"). ``gates``: each counted gate's
    measure read now (``gate_reading.read_gates``, with ``readings``): the status then says whether the mitigation
    holds as the header does, a relapse only the gate's measure shows too (attack51 A3: the routing undone, "P3
    mitigated" in the brief beside a header saying RELAPSED); without them, what the journal alone says
    (``journal_said``)."""
    from warroom.incident.go_opened import reversal      # the brief's alone: not the reminders'

    from warroom.incident.approvals import OPEN
    from warroom.incident.relapse import holding, journal_said
    from warroom.incident.review.timeline import timeline

    scale = state.time_scale
    drill = " drill time" if scale != 1 else ""
    happened = what_happened(timeline(state, now, typed=typed))
    esc = state.escalation_tier(now)
    held_now = holding(state, now, readings, gates) if gates is not None else None
    said = f", {q}" if held_now is not None and (q := held_now.qualifier(state.status)) else \
        "" if held_now is not None else journal_said(state, now)
    current = [f"{state.severity} {state.status}{said}; {stime.text(state, state.elapsed(now))}"
               f" since detection; escalation: {esc.label}"]
    breached = set(state.breached_now())
    # Each pane's newest reading, whichever recorded it: a step's evidence or a breach/recovery.
    # The word and the value are of the same reading: "recovered 1.06%" (evidence taken before
    # the recovery, under a 1% threshold) paired a state with a value that contradicted it.
    latest: dict[str, tuple[str, float | None, str, datetime]] = {}
    journaled = [(x.at, x.seq, x.slo_id, x.state or "seen", x.value, str(x.unit or "count")) for x in state.evidence]
    journaled += [(b["at"], b["seq"], b["slo_id"], "BREACHED" if b["kind"] == "breached" else "recovered",
                   b["value"], str(b["unit"] or "count")) for b in state.breaches]
    for at, _seq, slo_id, word, value, unit in sorted(journaled, key=lambda r: (r[0], r[1])):
        if word not in ("BREACHED", "recovered") and slo_id in {b["slo_id"] for b in state.breaches}:
            # evidence after a transition: the transition says whether it is breached now
            word = "BREACHED" if slo_id in breached else (word if word in ("warn", "crit") else "recovered")
        latest[slo_id] = (word, value, unit, at)
    panes = _panes_now(state, now, latest, readings)
    current += panes or [f"SLO panes: nothing journaled yet (no breach or evidence recorded)"
                         f"{'; none past a threshold now' if readings else ''}"]
    from warroom.incident.gate_evidence import held_gates, held_said
    from warroom.incident.gates import GateState
    from warroom.incident.verify_events import journaled_words, unsettled, window_end, window_ended

    held = held_gates(state) if state.first_verified_at is None else []
    if held:       # a gate passed, yet not mitigated: the incoming commander must not read it as a fix
        current.append(f"not mitigated by any verify gate: {held_said(held)}")

    gates = []
    for g in open_gates(state):
        name = state.step_name(str(g.get('runbook_id') or ''), g.get('step') or g.get('step_id'))
        ended = window_ended(g.get("deadline"), now)     # its watcher stopped: not open, not settled
        what = GateState(runbook_id="", step=None, step_id="", expr=str(g.get("expr") or ""), status="pending",
                         seq=0, at=None, deadline=None, value=None, reason=None, **journaled_words(g)).what
        end = window_end(g.get("deadline"))
        gates.append(f"{name}: {what} (window ends {end:%H:%M:%S} UTC)" if ended is None and end is not None else
                     f"{name}: {what} (until {g.get('deadline')})" if ended is None else
                     f"{name}: {what} (window ended {ended:%H:%M:%S} UTC with no outcome:"
                     f" {unsettled(state.id)})")
    running = []
    for st in state.running_steps():
        run = st.last_run
        who = f" by {run.actor} since {_hm(run.started_at)}" if run else ""
        running.append(f"RUNNING {state.step_name(st.runbook_id, st.step or st.step_id)} ({st.label}){who}")
    from warroom.incident.gates import gate_states
    from warroom.incident.marks import state_word

    # done as the checklist counts it (``progress``: the one rule and count): a run that exited 0 without giving
    # what the runbook expected, or whose verify gate FAILED, is not done; one whose gate still watches is under
    # "Open verify gates"; a step of a branch that did not apply, or an item the journal shows done (judged by the
    # incident's own update cadence, ``config``), is not owed
    step_gates = gate_states(state, now)
    # the runbooks being worked: the current one, then any a GO opened beside it (each step
    # named by ``step_name``: both have a step 4), up to six open steps of each
    pending = []
    from warroom.incident import branches, progress

    for book in runbooks:
        where = state.names_runbook(book.id)
        left = []
        steps = progress.of_runbook(state, book, config, now, step_gates, by_hand)
        for step in book.steps:
            shown, by = steps[step.id].state, steps[step.id].fulfilment
            if not progress.is_done(shown) and shown not in ("running", "verifying", branches.NOT_NEEDED):
                word = state_word(shown) + (f" ({steps[step.id].by_hand})" if steps[step.id].by_hand else
                                            f" ({steps[step.id].early})" if steps[step.id].early else
                                            f" ({by.text})" if by is not None and shown == "pending" else
                                            f" ({steps[step.id].observed})" if steps[step.id].observed else "")
                left.append(f"{state.step_name(book.id, step.number)} ({step.label}): {word}")
        ref = state.open_ref(book.id)
        undone = reversal(state, ref.get("opened_by")) if ref is not None else ""
        if undone:     # still open, but the GO that opened it no longer stands
            pending.append(f"{book.id} is open beside, but the GO that opened it was reversed ({undone}):"
                           f" what was done in it may need undoing")
        pending += left[:6] + ([f"... and {len(left) - 6} more{' of ' + book.id if where else ''}"]
                               if len(left) > 6 else [])
    from warroom.incident.closing import closed_now

    # a runbook closed beside: no longer worked, said so (its steps are not "not done")
    pending += [f"CLOSED {c.line()}" for c in closed_now(state)]
    steps = running + pending
    updates = []
    due = state.next_update_due(now, update_every)
    last = state.status_updates[-1] if state.status_updates else None
    if last is not None:
        updates.append(f"last update {_hm(last.at)} by {last.actor}")
    if due is not None:
        left = stime.left(state, due, now)
        updates.append(f"OVERDUE by {format_duration(-left)}{drill}" if left < 0
                       else f"next due in {format_duration(left)}{drill}")
    if state.overdue:
        updates.append(f"{len(state.overdue)} update(s) were late so far")
    from warroom.incident.decisions import standing
    from warroom.incident.decisions.journal_only import arose_words

    decisions, seen = [], set()
    views = [v for rb in runbooks for v in standing(rb, state, now)]
    views.sort(key=lambda v: not v.needed)    # a runbook where it arises speaks for it, not one where it does not
    for v in views:           # one line per decision, however many runbooks state it
        if v.key in seen:
            continue
        seen.add(v.key)
        if v.recorded:
            r = v.recorded
            decisions.append(f"{v.decision.question} {r.get('verdict')} by {r.get('by')} at "
                             f"{_hm(r.get('at'))}: {r.get('why')}")
        elif not v.needed:
            decisions.append(f"{v.decision.question}: {v.not_due_text(state.id)}"
                             + (f"; {early}" if (early := v.early_words()) else ""))
        else:
            late = "OVERDUE, " if v.overdue else ""
            arose = f"; {words}" if (words := arose_words(v)) else ""
            arose += f"; {early}" if (early := v.early_words()) else ""
            decisions.append(f"{v.decision.question} (no verdict yet; {late}deadline {v.due_text}{arose})"
                             if v.due_text else f"{v.decision.question} (no verdict yet{arose})")
    approvals = [f"{r.id} {step_word(state, r)} ({r.label}) requested by {r.who()}: {r.state_at(now)}"
                 for r in state.approvals.values() if r.state_at(now) in OPEN]
    return Brief((
        ("What happened", tuple(happened)),
        ("Current state", tuple(current)),
        ("Open verify gates", tuple(gates)),
        ("Steps running and not done", tuple(steps)),
        ("Stakeholder updates", tuple(updates)),
        ("Decisions (Go/No-Go)", tuple(decisions)),
        ("Approvals waiting", tuple(approvals)),
    ))


# what happened: the moments the incoming commander reads first

_DECLARED, _ACTED, _OTHER, _FILLER = range(4)
# what acted: a step that changes things and ran ok, a change typed in the drill shell that moved a pane, and
# what each verify gate said of them
_ACTS = {"run.acted", "typed.moved", ev.VERIFY_PASSED, ev.VERIFY_FAILED}
# dropped first: who holds a role, the tiers the clock reached, read-only checks (again and again), reminders
_FILLS = {ev.ROLE_ASSIGNED, ev.ESCALATED, "run.read", ev.HANDOFF_REMINDER, ev.HANDOFF_ACKNOWLEDGED,
          ev.UPDATE_OVERDUE, ev.STATUS_UPDATE, ev.RUNBOOK_ATTACHED, ev.STEP_TICKED, ev.STEP_UNTICKED, ev.STEP_DRY_RUN,
          ev.APPROVAL_USED, "typed.late"}
# how a moment left out is counted: (one, many)
_KIND_WORDS = {
    ev.ROLE_ASSIGNED: ("role change", "role changes"), ev.ESCALATED: ("escalation tier", "escalation tiers"),
    "run.read": ("read-only check", "read-only checks"), "run.acted": ("change made", "changes made"),
    "run.changes": ("change that did not run ok", "changes that did not run ok"),
    "typed.moved": ("drill shell command", "drill shell commands"), "typed": ("drill shell command",
                                                                          "drill shell commands"),
    "typed.late": ("drill shell command", "drill shell commands"),
    ev.VERIFY_PASSED: ("verify verdict", "verify verdicts"), ev.VERIFY_FAILED: ("verify verdict", "verify verdicts"),
    ev.SLO_BREACHED: ("SLO breach", "SLO breaches"), ev.SLO_RECOVERED: ("SLO recovery", "SLO recoveries"),
    ev.NOTE: ("note", "notes"), ev.TIMELINE_ENTRY: ("timeline entry", "timeline entries"),
    ev.STATUS_UPDATE: ("stakeholder update", "stakeholder updates"),
    ev.UPDATE_OVERDUE: ("overdue update", "overdue updates"),
    ev.HANDOFF_REMINDER: ("handoff reminder", "handoff reminders"),
    ev.HANDOFF_ACKNOWLEDGED: ("handoff acknowledged", "handoffs acknowledged"),
    ev.SEVERITY_CHANGED: ("severity change", "severity changes"), ev.ALERT_SEEN: ("alert seen", "alerts seen"),
    ev.PHASE_MARKED: ("milestone marked", "milestones marked"),
}


def _rank(row: Any) -> int:
    kind = row.kind
    if kind == ev.DECLARED:
        return _DECLARED
    if kind in _ACTS:
        return _ACTED
    if kind in _FILLS and row.weight < 72:      # a read-only check that failed is trouble (72), not filler
        return _FILLER
    return _OTHER


_CODE_OR_ESCAPE = re.compile(r"(`+).*?\1|\\([!-/:-@\[-`{-~])")


def _plain(text: str) -> str:
    """A moment's text as the brief's plain lines show it: markdown the PIR's timeline wrote (a row typed in the
    drill shell is ``Md``) without its backslash escapes; a command keeps its backticks, which set it apart."""
    from warroom.incident.md_text import Md

    if not isinstance(text, Md):
        return text
    return _CODE_OR_ESCAPE.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(0), str(text))


def what_happened(rows: list[Any]) -> list[str]:
    """The brief's "What happened": of the PIR's key moments (``key_moments`` of the timeline ``rows``, by its
    weights) the declaration, every change that acted (a step that changes things and ran ok, a change typed in
    the drill shell that moved a pane) and every verify verdict first, at most ``KEY_MOMENTS_MAX`` of them; then the
    heaviest of the rest up to ``BRIEF_MOMENTS`` in all, filler (role changes, escalation tiers, read-only checks,
    reminders) last; in time order, headed by how many were left out and of what kind. The last eight whatever they
    were cut the declaration, the breaker that mitigated and its gate passing, and kept "Role ops: bob" and a
    read-only check run twice (redteam47 F1)."""
    from warroom.incident.review.lines import NO_TIME
    from warroom.incident.review.timeline import KEY_MOMENTS_MAX, key_moments, story

    rows = story(rows)          # the response's moments: never a read-only seat's line (``observer_seat.lines``)
    chosen = key_moments(rows)
    # an act or verdict the PIR's fifteen had no room for is still the brief's to say
    chosen += [r for r in rows if _rank(r) <= _ACTED and not r.kind.startswith("typed") and r not in chosen]
    ranked = sorted(chosen, key=lambda r: (_rank(r), -r.weight, -(r.at or NO_TIME).timestamp()))
    must = [r for r in ranked if _rank(r) <= _ACTED][:KEY_MOMENTS_MAX]
    rest = [r for r in ranked if _rank(r) > _ACTED]
    shown = must + rest[:max(0, BRIEF_MOMENTS - len(must))]
    left = [r for r in chosen if r not in shown]
    shown.sort(key=lambda r: (r.at or NO_TIME, min(r.cites or (0,))))
    out = [f"{_hm(r.at)} {_plain(r.text)}{' (corrected)' if r.corrected else ''}" for r in shown]
    if left:
        counts: dict[tuple[str, str], int] = {}
        for r in left:
            words = _KIND_WORDS.get(r.kind, ("other moment", "other moments"))
            counts[words] = counts.get(words, 0) + 1
        kinds = ", ".join(f"{n} {words[n != 1]}" for words, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        first = min((r.at for r in shown if r.at is not None), default=None)
        earlier = " earlier" if first is not None and all(r.at is not None and r.at < first for r in left) else ""
        out.insert(0, f"{len(left)}{earlier} moment{'s' if len(left) != 1 else ''} not shown: {kinds}")
    return out


# ------------------------------------------------------------------------------ pending handoff / reminder


def commander_change(state: IncidentState) -> dict[str, Any] | None:
    """The latest ``role.assigned`` (or declaration) that gave the commander role."""
    return next((c for c in reversed(state.role_changes) if c["role"] == "commander"), None)


def pending_handoff(state: IncidentState) -> dict[str, Any] | None:
    """The commander handoff the incoming commander has not acknowledged yet (None: none)."""
    c = commander_change(state)
    if c is None or c.get("previous") is None or c.get("acknowledged_seq") is not None:
        return None
    return c


@dataclass(frozen=True)
class ReminderDue:
    commander: str
    since: datetime
    due_at: datetime
    period: int
    every: float


def reminder_line(state: IncidentState, every: float, now: datetime) -> tuple[str, dict[str, Any]] | None:
    """The ``handoff.reminder`` line due now, as the event to append (``Incident.append_once``
    journals it once however many watchers look), or None."""
    from warroom.journal.log import format_ts

    due = reminder_due(state, every, now)
    change = commander_change(state)
    if due is None or change is None:
        return None
    return ev.HANDOFF_REMINDER, {
        "commander": due.commander, "since": format_ts(due.since), "due_at": format_ts(due.due_at),
        "every": due.every, "period": due.period, "change_seq": change["seq"]} | (
        {"every_asked": every} if due.every != every else {})


def reminder_due(state: IncidentState, every: float, now: datetime) -> ReminderDue | None:
    """The handoff reminder whose time has come and that nobody journaled yet (None otherwise).

    ``every`` is ``[roles] handoff_reminder``, a span of the commander's own time: in a drill it is
    counted on the people's clock, never sooner than ``every`` wall seconds whatever the speed
    (``scenario_time.for_people``; at x60 an hourly reminder came every wall minute, redteam41 G5), and
    ``ReminderDue.every`` is that period in incident (scenario) seconds, as journaled. The commander's
    tenure counts from the last change of holder (the declaration for the first). Once resolved,
    nobody is reminded."""
    c = commander_change(state)
    if c is None or state.resolved or every <= 0:
        return None
    every = stime.for_people(every, stime.scale_of(state), wall=every)
    since = c["at"]
    held = stime.between(state, since, now).seconds
    period = int(held // every)
    if period < 1:
        return None
    if any(r["change_seq"] == c["seq"] and r["period"] >= period for r in state.handoff_reminders):
        return None
    from warroom.incident.escalation import past_resolution

    # a reminder whose time came while the incident was resolved is placed at the reopening, as a
    # tier is (``escalation.told_at``): never at a time nobody could be reminded (redteam38 F5)
    due_at = past_resolution(state, stime.after(state, since, every * period))
    return ReminderDue(commander=str(c["person"]), since=since, period=period, every=every, due_at=due_at)


def reminder_showing(state: IncidentState) -> dict[str, Any] | None:
    """The journaled reminder for the current commander's tenure, if any (the header shows it)."""
    c = commander_change(state)
    if c is None or state.resolved:
        return None
    return next((r for r in reversed(state.handoff_reminders) if r["change_seq"] == c["seq"]), None)


@dataclass(frozen=True)
class PeopleAlert:
    """What the people line says needs someone, sayable at any later instant (:meth:`text`).

    The dashboard's header is redrawn every second but handed a new view only when the journal
    changes, and a quiet incident may journal nothing for an hour: "IC for 2h22m" or "1 approval
    waiting" worked out when the view was built stayed on screen while the same header's elapsed
    clock ran on and the approval expired. So the parts that move with time are kept as the
    instants they are measured from (the tenure's start, each open request's end), never as text.
    Immutable: a worker thread builds it, the event loop reads it."""

    handoff_to: str | None = None           # a commander handoff nobody acknowledged yet
    tenure_since: datetime | None = None    # a reminder showing: when the commander's tenure began
    every: float = 0.0                      # the reminder's period, scenario seconds
    time_scale: float = 1.0                 # the incident's (``stime.between`` reads it)
    approvals: tuple[tuple[str, str, datetime], ...] = ()   # (id, status, end) of each open request

    @classmethod
    def of(cls, state: IncidentState) -> PeopleAlert:
        pend = pending_handoff(state)
        rem = reminder_showing(state) if pend is None else None
        return cls(
            handoff_to=str(pend["person"]) if pend is not None else None,
            tenure_since=rem["since"] if rem is not None else None,
            every=float(rem["every"]) if rem is not None else 0.0,
            time_scale=stime.scale_of(state),
            approvals=tuple((r.id, r.status, r.expires_at()) for r in state.approvals.values()
                            if r.status in OPEN))

    def text(self, now: datetime) -> str:
        """The alert as of ``now``: a handoff not acknowledged, else a reminder with the tenure
        and how late the handover is; then approvals waiting and approved, expired ones gone."""
        alerts = []
        if self.handoff_to is not None:
            alerts.append(f"HANDOFF to {self.handoff_to} not acknowledged")
        elif self.tenure_since is not None:
            # the commander's own time, wall in a drill (the reminder's period is on the people's clock)
            span = stime.between(self, self.tenure_since, now)
            held, said = (span.wall_seconds, "IC {} wall") if span.drill else (span.seconds, "IC for {}")
            late = held - (stime.wall_seconds(self.every, span.scale) if span.drill else self.every)
            alerts.append(f"hand over? {said.format(format_duration(held))}"
                          + (f", due {format_duration(late)} ago" if late >= 60 else ""))
        shown = [(rid, status_at(status, end, now)) for rid, status, end in self.approvals]
        waiting = [rid for rid, st in shown if st == "pending"]
        ready = [rid for rid, st in shown if st == "approved"]
        if waiting:
            alerts.append(f"{len(waiting)} approval{'s' if len(waiting) > 1 else ''} waiting"
                          f" ({', '.join(waiting[:3])}{'…' if len(waiting) > 3 else ''})")
        if ready:
            alerts.append(f"approved: {', '.join(ready[:3])}")
        return " · ".join(alerts)


def roles_line(state: IncidentState) -> str:
    """Who holds each role: ``IC alice · Ops bob · Comms — · Scribe —``."""
    return " · ".join(f"{ROLE_SHORT[r]} {state.roles.get(r) or '—'}" for r in ROLES)


def header_text(state: IncidentState, now: datetime) -> str:
    """One line for ``incident show``: who holds each role, then what needs someone now."""
    alert, roles = PeopleAlert.of(state).text(now), roles_line(state)
    return f"{roles} · {alert}" if alert else roles
