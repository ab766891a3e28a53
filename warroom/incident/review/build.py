"""The whole review the PIR templates receive: every section built from one state at one
``now``, plus the footer naming the journal events it was generated from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom import scenario_time as stime
from warroom.durations import format_duration
from warroom.incident.review.approvals import approvals
from warroom.incident.review.commands import CommandRow, commands
from warroom.incident.review.decisions import decisions
from warroom.incident.review.facts import Facts, facts
from warroom.incident.md_text import Md
from warroom.incident.review.lines import HUMAN, Line, event_range
from warroom.incident.review.metrics import PaneEvidence, evidence, impact
from warroom.incident.review.response import ResponseRow, response
from warroom.incident.review.timeline import key_moments, timeline
from warroom.incident.review.written import notes, updates

if TYPE_CHECKING:
    from warroom.incident.state import IncidentState


def footer(state: IncidentState) -> Line:
    """What the draft was generated from. The journal head's hash (signed when a key is set) is
    added by the export itself (``pir.head_footer``): one place states it."""
    return Line(Md("_Generated from journal events {} of {}; `[#N]` cites event N._").format(
                    event_range(1, state.last_seq), state.id),
                (state.last_seq,) if state.last_seq else ())


@dataclass
class Review:
    facts: Facts
    timeline: list[Line]
    key_moments: list[Line]
    evidence: list[PaneEvidence]
    evidence_note: Line | None
    impact: list[Line]
    commands: list[CommandRow]
    response: list[ResponseRow]
    notes: dict[str, list[Line]]
    updates: list[Line]
    footer: Line
    metrics_seq: int | None = None
    decisions: list[Line] = field(default_factory=list)
    approvals: list[Line] = field(default_factory=list)
    human: str = HUMAN
    #: a drill's: its clock's zero (detection) and speed, for ``clock`` (None: a real incident)
    clock_start: datetime | None = None
    scale: float = 1.0

    @property
    def drill(self) -> bool:
        return self.clock_start is not None

    def clock(self, at: datetime | None) -> str:
        """``+31m56s``: a moment on the drill's clock, drill time since detection, as the drill report
        gives it (redteam39 F12: at x60 the Key Moments of a 2h18m drill read as four wall minutes).
        Empty for a real incident, whose wall time is its time, and for a moment that has none."""
        if self.clock_start is None or at is None:
            return ""
        secs = stime.drill_seconds((at - self.clock_start).total_seconds(), self.scale)
        return f"{'-' if secs < 0 else '+'}{format_duration(abs(secs))}"


def build_review(state: IncidentState, now: datetime, typed: Sequence[Any] = (), missed: Any = None,
                 sections: dict[tuple[str, str], str] | None = None,
                 decided: dict[tuple[str, str], list[tuple[str, Any]]] | None = None,
                 by_hand: Mapping[tuple[str, str], Sequence[datetime]] | None = None) -> Review:
    """``typed``: what was done outside the runbook's steps in the drill shell (``pir.drill_shell``); ``missed``:
    the stakeholder updates that fell due unsent (``cadence.missed_updates``); ``sections``: each step's runbook
    section (``timeline``); ``decided``: the steps each Go/No-Go decides (``decisions.decided_steps``); ``by_hand``:
    when each step credited done by hand in the drill shell was typed, by (runbook id, step id)."""
    rows = timeline(state, now, typed, sections)
    ev_rows, ev_note = evidence(state)
    return Review(facts=facts(state, now), timeline=rows, key_moments=key_moments(rows), evidence=ev_rows,
                  evidence_note=ev_note, impact=impact(state), commands=commands(state, now), response=response(state),
                  notes=notes(state), updates=updates(state, missed), footer=footer(state),
                  metrics_seq=(state.metric_summary or {}).get("seq"), decisions=decisions(state, decided, by_hand),
                  approvals=approvals(state),
                  clock_start=state.clock_start if state.drill is not None else None, scale=stime.scale_of(state))
