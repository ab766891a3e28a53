"""Whether the journal fulfils a runbook's manual item, and what every view says of it.

A checklist item may state what in the journal does it (``warroom.runbook.fulfil``: a ``fulfilled_by`` fence, one
of a note's tag, a stakeholder update or the update cadence, a role, the severity, a phase). Such an item is
judged here from the journal alone, over the incident while it was open (declaration to resolution; an event
journaled after the resolution fulfils nothing):

* ``note = TAG`` — done by the first note of that tag (the Go/No-Go criteria's ``note`` reads the same notes);
* ``update = "sent"`` — done by the first stakeholder update sent;
* ``update = "cadence"`` — judged by the cadence's own count (``cadence.missed_updates``, what the PIR's and the
  drill report's update line says): done only when at least one was sent and no update fell due unsent (never
  sent, sent late or overdue now); else "not done" with how many were sent and what fell due, never "done";
* ``role = ROLE`` — done by the first time the role was given; ``severity = "set"`` — by the declaration's
  severity (or the first change); ``phase = PHASE`` — by the incident reaching it, by the phases' own rule
  (``IncidentState.phase_sources``: a mark, else what it is derived from, e.g. the first root-cause note).

An item so fulfilled is shown done **by what fulfilled it** ("done: root-cause note at +41m00s [#43]"): the
checklist's state ``fulfilled`` (its own mark, never the ✔ of a run nor the ☑ of a tick), counted done like a tick.
An item not fulfilled keeps its own state (a person can still tick it: a tick is the person's word and stays a
tick), and says what the journal lacks instead of "no journal event". A step ticked, skipped or run keeps what it
did: the rule only names an item nobody touched (``step_shown``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom.durations import format_duration
from warroom import scenario_time as stime
from warroom.runbook.fulfil import Fulfil

FULFILLED = "fulfilled"       # the checklist's state of an item nobody ticked that the journal shows done


@dataclass(frozen=True)
class Fulfilment:
    """A manual item as the journal has it: ``done`` or not, what did it or what is lacking (``said``, without
    cites) and the journal events it rests on (``cites``)."""

    item: Fulfil
    done: bool
    said: str
    cites: tuple[int, ...] = ()

    @property
    def text(self) -> str:
        """``root-cause note at +41m00s [#43]``: the words with their cites, for the report and the checklist."""
        return self.said + (" [" + ", ".join(f"#{s}" for s in self.cites) + "]" if self.cites else "")

    @property
    def shown(self) -> str:
        """``done: …`` or ``not done: …`` as a report's line says the item."""
        return ("done: " if self.done else "not done: ") + self.text


def _at(state: Any, at: datetime) -> str:
    """``+41m00s`` after detection on the incident's clock (drill time in a drill)."""
    start = state.clock_start
    return "+" + format_duration(max(0.0, stime.between(state, start, at).seconds)) if start is not None else (
        f"{at:%H:%M:%S} UTC")


def _open(state: Any, at: datetime | None) -> bool:
    """Whether a journal event at ``at`` happened while the incident was open (declared, not resolved yet)."""
    if at is None or state.declared_at is None or at < state.declared_at:
        return False
    resolved = getattr(state, "resolved_at", None)
    return resolved is None or at <= resolved


def judge(state: Any, item: Fulfil, config: Any = None, now: datetime | None = None) -> Fulfilment:
    """One item by the module's rule, from the journal (``config``: the cadence's, default when None; ``now``: the
    end of a still-open incident)."""
    kind, value = item.kind, item.value
    if kind == "note":
        from warroom.journal.events import NOTE_TAG_LABELS

        notes = [n for n in state.notes if n.tag == value and _open(state, n.at)]
        if notes:
            return Fulfilment(item, True, f"{value} note at {_at(state, notes[0].at)}", (notes[0].seq,))
        return Fulfilment(item, False, f"no {NOTE_TAG_LABELS.get(value, value)} note was journaled while open")
    if kind == "update":
        sent = [u for u in state.status_updates if _open(state, u.at)]
        if value == "sent":
            if sent:
                return Fulfilment(item, True, f"stakeholder update at {_at(state, sent[0].at)}", (sent[0].seq,))
            return Fulfilment(item, False, "no stakeholder update was sent while open")
        return _cadence(state, item, sent, config, now)
    if kind == "role":
        given = [c for c in state.role_changes if c.get("role") == value and _open(state, c.get("at"))]
        if given:
            c = given[0]
            return Fulfilment(item, True, f"{value} given to {c.get('person')} at {_at(state, c['at'])}",
                              (int(c["seq"]),) if c.get("seq") is not None else ())
        return Fulfilment(item, False, f"the {value} role was never given while open")
    if kind == "severity":
        if state.severity_changes:
            c = state.severity_changes[0]
            if _open(state, c.get("at")):
                return Fulfilment(item, True, f"severity set to {c.get('to')} at {_at(state, c['at'])}",
                                  (int(c["seq"]),) if c.get("seq") is not None else ())
        if state.initial_severity and state.declared_at is not None:
            return Fulfilment(item, True, f"severity {state.initial_severity} set at the declaration",
                              (state.declared_seq,) if state.declared_seq is not None else ())
        return Fulfilment(item, False, "no severity was set")
    at, seq, how = state.phase_sources().get(value, (None, None, ""))
    name = value.replace("_", " ")
    if at is not None and (value == "resolved" or _open(state, at)):
        return Fulfilment(item, True, f"{name} at {_at(state, at)} ({_HOW.get(how, how)})",
                          (seq,) if seq is not None else ())
    return Fulfilment(item, False, f"the incident never reached {name} while open (no mark, nothing it is read from)")


#: how a phase was reached (``IncidentState.phase_sources``), in words
_HOW = {"mark": "marked", "note": "a root-cause note", "action": "the first action", "declared": "the declaration",
        "verify": "a verify gate passed", "status": "status set to mitigated", "recovered": "the panes recovered",
        "breach": "the breach", "harm": "the harm's onset",
        "alert": "the alert", "given": "given at the declaration", "resolved": "resolved"}


def _cadence(state: Any, item: Fulfil, sent: list[Any], config: Any, now: datetime | None) -> Fulfilment:
    """The cadence item by ``missed_updates``' count: done only when no update fell due unsent."""
    from warroom.config import Config
    from warroom.incident.cadence import missed_updates

    end = state.resolved_at or now or stime.utcnow_of(getattr(state, "drill", None) is not None)
    missed = missed_updates(state, config if config is not None else Config(), end)
    n = len(sent)
    count = f"{n} stakeholder update{'s' * (n != 1)} sent while open" if n else \
        "no stakeholder update was sent while open"
    if missed is None:
        return Fulfilment(item, False, "the incident was never declared")
    late = missed.count(state)
    cites = tuple(u.seq for u in sent)
    if late:
        return Fulfilment(item, False, f"{count}; {late}", cites)
    every = missed._cadence(state)
    if not n:       # nothing owed yet is not "done" either: the item asks for updates, and none was sent
        return Fulfilment(item, False, f"no stakeholder update was sent while open; none fell due ({every})")
    return Fulfilment(item, True, f"{count}, none fell due unsent ({every})", cites)


def of_steps(state: Any, runbook: Any, config: Any = None, now: datetime | None = None) -> dict[str, Fulfilment]:
    """Each step of ``runbook`` that states what fulfils it -> its judgement (others: absent)."""
    if runbook is None or state is None:
        return {}
    return {f.step: judge(state, f, config, now) for f in getattr(runbook, "fulfils", None) or ()}


def step_shown(shown: str, fulfilment: Fulfilment | None) -> str:
    """The checklist's state of a step: ``FULFILLED`` for an item nobody touched (``pending`` / ``manual``) that the
    journal shows done, else its own (a tick stays a tick, a skip a skip)."""
    return FULFILLED if shown in ("pending", "manual") and fulfilment is not None and fulfilment.done else shown
