"""Stakeholder updates: how often (by severity), when the next is due, and what to say.

The seeds ask for an update every 15 minutes; a P1 wants them more often, a P4 less.
``incident.status_update_cadence`` maps severity to a duration (default P1 10m, P2 15m, P3 30m,
P4 60m); a severity it does not name uses ``status_update_every``. The due time counts from the
last update (or the declaration), so changing the severity changes the countdown at once.

``draft_update`` writes Conditions / Actions / Needs from the journal and the panes' readings, so
the IC edits a true draft rather than a blank page: each pane's value now beside when it breached or
recovered, and every action since the last update with what changed things (mitigations, Go/No-Go
verdicts) before the read-only checks.
"""

from __future__ import annotations

import re

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from warroom.durations import format_duration
from warroom import scenario_time as stime

if TYPE_CHECKING:
    from warroom.config import Config
    from warroom.incident.state import IncidentState


def update_asked(config: Config, severity: str) -> float:
    """Seconds between updates the configuration asks for ``severity`` (its one rule,
    ``IncidentConfig.update_cadence``, which lint also checks runbook text against)."""
    return config.incident.update_cadence(severity)[0]


def update_every(config: Config, severity: str, state: Any) -> float:
    """Seconds (incident time) between updates the team is given for ``severity``: the configured cadence, but in a
    drill never sooner than people can write one (``stime.for_people``: a drill speeds up the world, not the people;
    attack42 A13: at x60 a P1's 10 minutes were 10 wall seconds, 11 "fell due" in the 2 wall minutes a Go/No-Go
    gets). ``state`` gives the drill's scale. Every countdown, overdue line and count reads it, so they agree."""
    return stime.for_people(update_asked(config, severity), stime.scale_of(state))


def cadence_said(state: Any, every: float, asked: float, severity: str) -> str:
    """``one due every 2h00m00s drill time of a P1, raised from the configured cadence, 10m00s drill time (10s wall),
    so the team has time to write one`` (the raise said only when :func:`update_every` raised it)."""
    raised = stime.raised_said(state, every, asked, "the configured cadence", "so the team has time to write one")
    return f"one due every {stime.of_scenario(state, every).text(wall=False)} of a {severity}" + (
        f", {raised}" if raised else "")


def next_due(state: IncidentState, every: Callable[[str], float]) -> datetime | None:
    """When the next update is due (wall time; ``every(severity)`` is scenario seconds in a drill); None
    once resolved (or before the declaration)."""
    if state.resolved or state.declared_at is None:
        return None
    return state.next_update_due(state.declared_at, every)


def overdue_due_time(state: IncidentState, every: Callable[[str], float], now: datetime) -> datetime | None:
    """The due time that passed unsent and is not yet journaled as overdue, else None."""
    due = next_due(state, every)
    if due is None or due > now:
        return None
    if any(abs((o["due_at"] - due).total_seconds()) < 1 for o in state.overdue):
        return None
    return due


def overdue_line(state: IncidentState, every: Callable[[str], float],
                 now: datetime) -> tuple[str, dict[str, Any]] | None:
    """The ``status_update.overdue`` line due now (a due time passed unsent and not journaled
    yet), as the event to append (``Incident.append_once``), or None."""
    from warroom.journal import events as ev
    from warroom.journal.log import format_ts

    due = overdue_due_time(state, every, now)
    if due is None:
        return None
    return ev.UPDATE_OVERDUE, {"due_at": format_ts(due), "every": every(state.severity), "severity": state.severity}


#: Due times counted at most per stretch between two updates (a year of a 10-minute cadence is 52,560)
MISSED_MOST = 100_000


@dataclass(frozen=True)
class Missed:
    """The stakeholder updates that fell due, declaration to ``end``, and what became of each: every due time
    the cadence gave (counted from the last update, declaration or reopening, as the header's countdown,
    each one ``update_every`` of the severity in force at the one before it after it) that passed with the
    incident open. The journal holds one ``status_update.overdue`` per stretch and never another while it
    stays unsent, so the PIR read one late update where a P1 had gone unannounced for four hours (redteam41 G7).

    One rule, read by the resolve gate, the PIR and the drill report: in each stretch between two updates the
    first due time is the one the update that ends it filled, late (``late``: the header said "overdue by"
    until then), or, in the stretch still open, the one overdue now (``pending``: it can still be sent);
    every other due time is a slot skipped, never sent (``never``), as is every one of a stretch the
    resolution ended (redteam43 R2: an update sent 6m43s late was counted as "fell due and was never sent")."""

    due: tuple[datetime, ...]       # every due time that passed before an update filled it
    since: tuple[datetime, ...]     # of those, the ones after the last update sent (or the declaration)
    sent: int                       # updates sent by ``end``
    last: datetime | None           # the last of them
    start: datetime                 # the declaration
    end: datetime
    every: float                    # the cadence the team had at ``end`` (scenario seconds, ``update_every``)
    severity: str
    asked: float = 0.0              # the configured cadence at ``end`` (``update_asked``), said when raised
    late: tuple[tuple[datetime, datetime], ...] = ()    # (due time, the update sent for it, late) per stretch
    pending: datetime | None = None  # the due time overdue at ``end`` in the stretch still open, not sent yet

    @property
    def never(self) -> tuple[datetime, ...]:
        """The due times no update was ever sent for: every one but those filled late and the one pending."""
        filled = {d for d, _ in self.late} | ({self.pending} if self.pending is not None else set())
        return tuple(d for d in self.due if d not in filled)

    def late_for(self, due: datetime) -> datetime | None:
        """When the update for the due time ``due`` (a journaled overdue line's, within its second) was sent, late;
        None when it never was (or is not sent yet)."""
        return next((s for d, s in self.late if abs((d - due).total_seconds()) < 1), None)

    def _cadence(self, state: IncidentState) -> str:
        return cadence_said(state, self.every, self.asked, self.severity)

    def concern(self, state: IncidentState) -> str:
        """What the resolve gate says while updates fell due unsent since the last one (else ''): "no
        stakeholder update was sent in 4h13m41s drill time (4m14s wall) of a P1 (one due every 10m00s drill
        time): 25 fell due" / "the last stakeholder update was sent 1h02m00s ago (06:40:00 UTC): 6 fell due
        since, unsent (one due every …)". Resolving ends the stretch: each of them is then never sent."""
        n = len(self.since)
        if not n:
            return ""
        if self.last is None:
            span = stime.text(state, self.end - self.start)
            return f"no stakeholder update was sent in {span} ({self._cadence(state)}): {n} fell due"
        ago = stime.text(state, self.end - self.last)
        return (f"the last stakeholder update was sent {ago} ago ({self.last.astimezone(UTC):%H:%M:%S} UTC):"
                f" {n} fell due since, unsent ({self._cadence(state)})")

    def count(self, state: IncidentState) -> str:
        """The PIR's and the drill report's count, '' when every update went out on time: "25 stakeholder updates
        fell due and were never sent: none was sent in 4h13m41s drill time (4m14s wall) (one due every …)", "1
        stakeholder update was sent late (due 21:30:37 UTC, sent 6m43s drill time (40s wall) late) (one due
        every …)", and while open "… is overdue by 6m02s drill time (36s wall), not sent yet (due …)"."""
        never = self.never
        parts: list[tuple[int, str]] = []
        if never:
            none = f": none was sent in {stime.text(state, self.end - self.start)}" if self.last is None else ""
            parts.append((len(never), f"fell due and {'was' if len(never) == 1 else 'were'} never sent{none}"))
        if self.late:
            each = [f"due {d.astimezone(UTC):%H:%M:%S} UTC, sent {stime.text(state, s - d)} late"
                    for d, s in self.late[:LATE_SAID]]
            more = len(self.late) - LATE_SAID
            parts.append((len(self.late), f"{'was' if len(self.late) == 1 else 'were'} sent late ("
                          + "; ".join(each) + (f"; and {more} more" if more > 0 else "") + ")"))
        if self.pending is not None:
            overdue = stime.text(state, self.end - self.pending)
            parts.append((1, f"{'is' if not parts else 'more is'} overdue by {overdue}, not sent yet"
                             f" (due {self.pending.astimezone(UTC):%H:%M:%S} UTC)"))
        if not parts:
            return ""
        (n, first), rest = parts[0], parts[1:]
        head = f"{n} stakeholder update{'s' * (n != 1)} {first}"
        ticked = ticked_anyway(state) if never else []
        yet = "; yet " + " and ".join(f"{step} was ticked done" for step in ticked) if ticked else ""
        return "; ".join([head, *(f"{k} {said}" for k, said in rest)]) + f" ({self._cadence(state)}){yet}"


def ticked_anyway(state: IncidentState) -> list[str]:
    """Each step ticked done whose words ask for updates at a cadence (``stated_cadences``: "Send a stakeholder
    update every 30 minutes … until resolved"), as ``step 16 ("label")``: said beside the updates never sent, which
    the tool counts itself (redteam43 R17: the tick counted the step done three lines under "17 … fell due and were
    never sent")."""
    from warroom.runbook.update_cadence import stated_cadences

    return [f'{state.step_name(st.runbook_id, st.step or st.step_id)} ("{st.label}")' for st in state.step_list()
            if st.ticked_at is not None and st.label and stated_cadences(st.label)]


#: Updates sent late the count names one by one (due time and how late); the rest are counted
LATE_SAID = 3


def missed_updates(state: IncidentState, config: Config, end: datetime) -> Missed | None:
    """:class:`Missed` from the journal and the severities' cadence (``update_every``), declaration to ``end``
    (the resolution, or now); None before a declaration. Time resolved (before a reopening) owes nothing."""
    from warroom.journal import events as ev

    if state.declared_at is None:
        return None
    sent = sorted(u.at for u in state.status_updates if u.at <= end)
    resolved = sorted(t.at for t in state.timeline if t.kind == ev.RESOLVED and t.at is not None)
    anchors = sorted(a for a in (state.declared_at, *sent, *(r["at"] for r in state.reopened)) if a <= end)

    def every(severity: str) -> float:
        return update_every(config, severity, state)

    due: list[datetime] = []
    late: list[tuple[datetime, datetime]] = []
    pending: datetime | None = None
    for i, anchor in enumerate(anchors):
        ended = [r for r in resolved if r > anchor]
        stop = min([*anchors[i + 1:], *ended, end])
        t: datetime | None = anchor
        stretch: list[datetime] = []
        for _ in range(MISSED_MOST):      # the header's rule (``first_update_owed``), open stretch or closed
            if (t := state.first_update_owed(t, every, stop)) is None:
                break
            stretch.append(t)
        due += stretch
        if not stretch or (ended and min(ended) <= stop):
            continue                         # the resolution ended the stretch: none of its due times was sent
        if stop in sent:
            late.append((stretch[0], stop))  # the update that ended the stretch, sent after it fell due
        elif stop == end and i == len(anchors) - 1:
            pending = stretch[0]             # overdue now: the header's "overdue by"
    last = sent[-1] if sent else None
    return Missed(tuple(due), tuple(d for d in due if last is None or d > last), len(sent), last,
                  state.declared_at, end, every(state.severity_at(end)), state.severity_at(end),
                  update_asked(config, state.severity_at(end)), tuple(late), pending)


DRILL_MARK = "DRILL"


def drill_marked(state: IncidentState, text: str) -> str:
    """A stakeholder update as a drill incident's goes out (posted, copied, journaled): ``DRILL`` first,
    unless the text already starts with it. The dashboard's draft began with it, but the draft is
    edited, the CLI's text is typed, and the webhook is the team's own (``[webhook]`` of the config a
    drill runs with): a P1 "flows failing across many repositories" posted to #incidents without it
    reads as a real outage. Added where the update is sent, so no edit can leave it out."""
    if state.drill is None or re.match(rf"{DRILL_MARK}\b", text.lstrip()):      # the word, not "DRILLDOWN: ..."
        return text
    return f"{DRILL_MARK} {text}"


#: Read-only checks an update lists by name; older ones since the last update are counted ("and 4 more
#: checks"), never dropped unsaid. Mitigations and verdicts are never cut: they are what changed things.
UPDATE_CHECKS = 3


def draft_update(state: IncidentState, now: datetime, every: float, readings: Sequence[Any] | None = None,
                 gates: Sequence[Any] | None = None, sections: dict[tuple[str, str], str] | None = None) -> str:
    """A stakeholder update drafted from the journal: Conditions / Actions / Needs.

    ``readings``: what the panes show at ``now`` (``SloReading``s: the dashboard's on screen, the CLI's
    read once as ``warroom status`` does). With them each pane is given by its value now beside its
    breach or recovery (redteam39 F1: "Flow failure rate breached … (1.09%)" went out while every pane
    read 20%); without (no source) the breach values alone, as journaled. ``gates``: each passed gate's
    measure read with them (``gate_reading.read_gates``): a mitigation that did not hold is said so, in the
    status, beside "Mitigated at" and under Needs (redteam40 R1: "— MITIGATED … Mitigated at 03:31:24 …
    Nothing from stakeholders right now" went out under a 25.6% failure rate that began after it);
    without them, whether the gate's measure holds is said not known. ``sections``: each step's runbook section
    (``marks.step_sections``), what a run that changes things is called by (``marks.run_kind``), as the PIR does."""
    from warroom.incident.gates import run_gates
    from warroom.incident.marks import run_kind, run_state, state_word
    from warroom.incident.relapse import holding

    phases = state.phases
    # a drill's wall minute is 10-60 drill minutes: its times go to the second (redteam38 F13:
    # "Next update by 21:38 UTC" sent at 21:38:22, x60, due 21:38:52); a real update keeps the minute
    hm = "%H:%M:%S" if stime.scale_of(state) != 1.0 else "%H:%M"
    held = holding(state, now, readings, gates)
    relapsed = held is not None and held.relapsed
    status = state.status.upper() + (", RELAPSED" if relapsed and state.status in ("mitigated", "monitoring") else "")
    lines = [f"[{state.severity}] {state.id}: {state.title} — {status}"]
    lines.append("")
    lines.append("Conditions:")
    start = state.impact_start
    # mitigated and holding: the impact ran from its start to that recovery, never on to the sending beside "Mitigated
    # at" (redteam49 F7: "Impact since 14:38:00 UTC: 48m46s" in an update saying "Mitigated at 14:42:37")
    ended = phases.get("mitigated") if held is None or not held.relapsed else None
    if start is not None and ended is not None and start <= ended <= now:
        lines.append(f"- Impact from {start:{hm}} to {ended:{hm}} UTC:"
                     f" {stime.text(state, state.impact_duration(ended))}.")
    elif start is not None:
        lines.append(f"- Impact since {start:{hm}} UTC: {stime.text(state, state.impact_duration(now))}.")
    panes = _conditions(state, readings, hm)
    lines += panes
    if phases.get("mitigated"):
        lines.append(f"- Mitigated at {phases['mitigated']:{hm}} UTC" + _held_words(held, hm))
    if not panes and start is None:
        lines.append("- (describe what users see)")
    lines.append("")
    lines.append("Actions:")
    gates = run_gates(state, now)
    since = max([t for t in (state.declared_at, *(u.at for u in state.status_updates[-1:])) if t is not None],
                default=None)
    acted: list[tuple[datetime, int, str]] = []      # mitigations and verdicts, never cut
    checks: list[tuple[datetime, int, str]] = []
    for st, run in state.commands_run():
        if since is not None and max(run.started_at, run.known_at or run.started_at) < since:
            continue                                 # told in an earlier update
        book = st.runbook_id or str((state.runbook or {}).get("id") or "")
        kind = run_kind(run.mutating, (sections or {}).get((book, st.step_id)), read="check", phase=run.phase)
        # the checklist's word for the run (marks.step_state): a check whose output missed what
        # the runbook expected, or a mitigation whose verify gate failed, is never "ok" to stakeholders
        word = state_word(run_state(run, gates.get(run.seq)))
        (acted if run.mutating else checks).append(
            (run.started_at, run.seq, f"- {run.started_at:{hm}} {st.label or st.step_id} ({kind}): {word}."))
    for st in state.steps.values():
        # a checklist item ticked done is an action the team took outside the tool (the provider asked
        # for quota, the DBA asked to scale up): told with the mitigations, never dropped (attack39 U1)
        if st.ticked_at is not None and (since is None or st.ticked_at >= since):
            acted.append((st.ticked_at, st.updated_seq,
                          f"- {st.ticked_at:{hm}} {st.label or st.step_id} (ticked done)."))
    for d in state.decisions:
        if since is None or d["at"] >= since:
            acted.append((d["at"], int(d["seq"]), f"- {d['at']:{hm}} {_verdict_said(state, d, hm)}"))
    checks.sort()
    cut = len(checks) - UPDATE_CHECKS
    # one timeline: checks among the mitigations and verdicts at their times (redteam49 F7: the checks came after
    # the mitigations, under no heading, and a reader takes the list as a timeline)
    lines += [text for _at, _seq, text in sorted(acted + checks[max(0, cut):])]
    if cut > 0:
        lines.append(f"- and {cut} more {'check' if cut == 1 else 'checks'} since {checks[0][0]:{hm}} UTC"
                     f" (the incident log lists {'it' if cut == 1 else 'them'}).")
    if not acted and not checks and state.status_updates:
        lines.append(f"- Nothing run or decided since the last update ({state.status_updates[-1].at:{hm}} UTC).")
    cause = False
    for n in state.notes:
        if n.tag == "root-cause":
            lines.append(f"- Suspected cause: {n.text.splitlines()[0] if n.text else ''}")
            cause = True
    if not acted and not checks and not cause and not state.status_updates:
        lines.append("- Investigating with the runbook.")
    lines.append("")
    lines.append("Needs:")
    # every action note, the oldest too: a need stays a need until done, and no note marks one done; the
    # last three alone lost "Legal must approve the customer notice" behind four minor asks (attack39 U3)
    needs = [n.text.splitlines()[0] for n in state.notes if n.tag == "action" and n.text]
    if relapsed:      # never "nothing" with nothing said of the relapse: the need is the team's to state
        lines.append(f"- The mitigation of {phases['mitigated']:{hm}} UTC did not hold; what is needed to restore"
                     " service is being worked out (say it here).")
    lines.extend(f"- {t}" for t in needs) if needs or relapsed else lines.append(
        "- Nothing from stakeholders right now.")
    lines.append("")
    drill = f" (in {stime.of_scenario(state, every)})" if stime.scale_of(state) != 1.0 else ""
    lines.append(f"Next update by {stime.after(state, now, every):{hm}} UTC{drill}.")
    return "\n".join(lines)


def _held_words(held: Any, hm: str) -> str:
    """What follows "- Mitigated at 03:31:24 UTC": ``.``, ``; it did not hold: Flow failure rate
    breached again at …`` (``relapse.Holding``), or what of it is not known now."""
    if held is None:
        return "."
    if held.relapsed:
        again = [a.lifted or f"{a.title} breached again at {a.since:{hm}} UTC ({a.then})" + (f", {a.now} now" if a.now
                                                                                                 else "")
                 for a in held.again]
        past = [f"{g.title or g.what} is {g.value} now, past {g.wanted} (its verify gate passed at {g.passed_value})"
                for g in held.gates if g.past]
        return f"; it did not hold: {'; '.join(again + past)}."
    if held.unknown:
        return "; whether it holds now is not known: " + "; ".join(
            f"{g.title or g.what} {g.now_words()}" for g in held.unknown) + "."
    return "."


def _verdict_said(state: IncidentState, d: dict[str, Any], hm: str) -> str:
    """A Go/No-Go verdict as stakeholders read it: the verdict, the question, who decided and why.

    One recorded before its decision arose answers nothing (``decisions.model.before_it_arose``): every
    other view says so, and "Decided GO" told stakeholders a decision was taken that was not (attack39 U2).
    It is said as what it is: recorded, and before it arose or while it has not arisen. One on a decision
    that arose again after it answered the earlier time only: said so, the new question is not decided."""
    from warroom.incident.decisions import answered_of, arose_after, arose_for

    whose = f" ({d['runbook_id']})" if d.get("runbook_id") else ""
    why = f": {d['why']}" if d.get("why") else ""
    what = f"{d.get('verdict')} on \"{d.get('question')}\"{whose} by {d.get('by') or d.get('actor')}{why}"
    answered = answered_of(state, d)
    if answered is not None and answered.again is not None:     # asked again since: a new question, undecided
        return (f"Decided {what}. The question arose again at {answered.again:{hm}} UTC: this decision does not"
                " answer it.")
    if d.get("not_needed"):
        if (arose := arose_after(state, d)) is not None:
            return (f"Recorded {what}. Not a decision: taken before the question arose ({arose:{hm}} UTC),"
                    " it answers nothing.")
        if arose_for(state, d) is None:
            return f"Recorded {what}. Not a decision: taken while the question had not arisen, it answers nothing yet."
    return f"Decided {what}."


NOW_WORDS = {"crit": "critical", "warn": "in warning", "ok": "within its thresholds"}


def _conditions(state: IncidentState, readings: Sequence[Any] | None, hm: str) -> list[str]:
    """Each pane that breached, recovered or is past a threshold now: its value as the pane shows it
    (``format_reading``, the pane's own writer) beside when and at what it breached or recovered.
    A pane whose reading is not a value now (stale, no data) says so, never its old value as now's."""
    from warroom.units import format_reading, format_stated

    last: dict[str, dict[str, Any]] = {}
    for b in sorted(state.breaches, key=lambda b: (b["at"], b["seq"])):
        last[b["slo_id"]] = b
    shown = {r.slo.id: r for r in readings or ()}
    out = []
    for slo_id, b in last.items():
        was = "breached" if b["kind"] == "breached" else "recovered"
        value = format_stated(b["value"], b["unit"], against=(b.get("threshold"),))
        r = shown.get(slo_id)
        if r is None:            # no reading to give (no source): the transition as journaled
            out.append(f"- {b['title']} {was} at {b['at']:{hm}} UTC ({value}).")
            continue
        if r.state not in NOW_WORDS or r.value is None:
            out.append(f"- {b['title']}: no value now ({r.word}); {was} at {b['at']:{hm}} UTC at {value}.")
            continue
        now_text = format_reading(r.value, r.slo)
        steady = (r.state == "crit") == (was == "breached") and r.state != "warn"
        if steady:               # still as the transition left it: since then
            out.append(f"- {b['title']} {now_text} now ({NOW_WORDS[r.state]} since {b['at']:{hm}} UTC,"
                       f" {was} at {value}).")
        else:
            out.append(f"- {b['title']} {now_text} now ({NOW_WORDS[r.state]}; {was} at {b['at']:{hm}} UTC"
                       f" at {value}).")
    for r in readings or ():
        if r.slo.id in last or r.state not in ("crit", "warn") or r.value is None:
            continue
        since = ""
        if r.state == "crit" and getattr(r, "breach_since", None) is not None:
            since = f" since {datetime.fromtimestamp(r.breach_since, tz=UTC):{hm}} UTC"
        out.append(f"- {r.slo.title} {format_reading(r.value, r.slo)} now ({NOW_WORDS[r.state]}{since}).")
    return out
