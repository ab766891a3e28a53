"""Escalation tiers: when the incident reached each one, and the journal line that says so.

The tiers (``ESCALATION_TIERS``: on-call, page the TL at 15 minutes, IC and consider a
rollback at 30, stakeholders at 60) count on the incident clock, from detection, in the incident's
own time: scenario time in a drill (a ``--speed 10`` drill pages the TL 90 wall seconds after
detection). A commander reads "escalated to tier N at T" on the timeline and in the PIR, so each
tier reached is journaled once (``escalation.tier``) with the instant it was reached — not the
moment a watcher happened to look — by whichever watcher looks first (the dashboard's poll, a CLI
command, resolving): ``Incident.append_once`` ties the judgement to the journal's head, so two
dashboards and the CLI write it once. Every tier reached is journaled in order, so a watcher that
comes back after a kill journals the ones it missed and never skips one; a tier the incident never
reached before it was resolved is never journaled.

The header, ``incident show``, the brief and ``IncidentState.escalation_tier`` all read the tier
from here (:func:`instants`, :func:`current`): the tier on screen and the tier journaled are judged
by one rule, on the same instants, never by a second sum of minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from warroom import scenario_time as stime
from warroom.journal import events as ev
from warroom.journal.log import format_ts

# (from minute, tier, short label, what to do); ``warroom.incident.state`` re-exports it. This module
# reads the state it is handed (``IncidentState``) and never imports it: the state asks it for the tier.
ESCALATION_TIERS: tuple[tuple[float, int, str, str], ...] = (
    (0.0, 0, "on-call", "SRE on-call triages with the runbook"),
    (15.0, 1, "page TL", "page the tech lead if failures keep coming"),
    (30.0, 2, "IC + consider rollback", "incident commander joins; weigh a rollback"),
    (60.0, 3, "notify stakeholders", "notify stakeholders; plan the post-incident review"),
)
IncidentState = Any     # ``warroom.incident.state.IncidentState``, which imports this module


@dataclass(frozen=True)
class TierStart:
    """One tier and the wall instant the incident clock reaches it."""

    tier: int
    label: str
    action: str
    minutes: float          # incident minutes from detection (scenario minutes in a drill)
    at: datetime            # the wall instant: detection + minutes of the incident's own time
    reopened: bool = False  # its time came while resolved: reached when the incident was reopened
    known_late: str = ""    # its time came before the journal knew the detection time it counts from:
                            # "declared" (a detection before the declaration) or "marked" (back-dated)


def schedule(state: IncidentState) -> list[TierStart]:
    """Every tier with the instant it starts (tier 0 at detection); [] before a declaration.
    Detection back-dated (``mark detected --at``) moves every instant with it."""
    start = state.clock_start
    if start is None:
        return []
    return [TierStart(tier, label, action, minutes, stime.after(state, start, minutes * 60.0))
            for minutes, tier, label, action in ESCALATION_TIERS]


def resolved_spans(state: IncidentState) -> list[tuple[datetime, datetime]]:
    """(resolved, reopened) spans: while resolved, an incident escalates to nobody, and what is typed in its drill
    shell is no part of the response (``by_hand.Typed.paused``)."""
    out: list[tuple[datetime, datetime]] = []
    closed: datetime | None = None
    for t in sorted(state.timeline, key=lambda t: t.seq):
        if t.kind == ev.RESOLVED:
            closed = t.at
        elif t.kind == ev.REOPENED and closed is not None:
            out.append((closed, t.at))
            closed = None
    return out


def known_from(state: IncidentState) -> tuple[datetime | None, str]:
    """When the journal learned the detection time the tiers count from: the declaration, or the
    journaling of the last mark that moved detection earlier (``mark detected --at``), whichever is
    later (a mark that keeps or delays detection makes no tier due sooner). An
    incident detected 40 minutes before it was declared is at tier 2 on its clock, but nobody was
    paged at minute 15: those tiers are reached when it became known."""
    known = state.declared_at
    marked = state.mark_logged.get("detected")      # only a mark that moved detection earlier
    if marked is not None and (known is None or marked > known):
        return marked, "marked"
    return known, "declared"


def instants(state: IncidentState) -> list[TierStart]:
    """Every tier with the instant the journal, as it stands, has it reached (tier 0 at
    detection): its schedule instant, except that a tier whose time came while the incident was
    resolved is reached when it was reopened (``at`` is the reopening), and one whose time came
    before the detection it counts from was known (:func:`known_from`) is reached then. The one
    list every reader of the tier compares ``now`` with (the header gets it as ``HeaderInfo.tiers``)."""
    out = []
    for t in schedule(state):
        if t.tier == 0:
            out.append(t)
            continue
        at, why = told_at(state, t.at)
        out.append(t if at == t.at else TierStart(t.tier, t.label, t.action, t.minutes, at,
                                                  reopened=why == REOPENED, known_late="" if why == REOPENED else why))
    return out


REOPENED = "reopened"


def told_at(state: IncidentState, due: datetime) -> tuple[datetime, str]:
    """When someone could first be told of something due at ``due`` on the incident's clock (a
    tier, a Go/No-Go deadline), and why it is later than ``due`` ("" when it is not): a time that
    came while the incident was resolved is told at the reopening (``REOPENED``); one before the
    detection it counts from was known (:func:`known_from`) at that moment ("declared" or
    "marked"). The one rule the tiers and the decision reminders are placed by: neither is put at
    a time nobody could have been paged or reminded."""
    at = past_resolution(state, due)
    known, how = known_from(state)
    if known is not None and at < known:
        return known, how
    return at, "" if at == due else REOPENED


def past_resolution(state: IncidentState, due: datetime) -> datetime:
    """``due``, or the reopening when ``due`` came while the incident was resolved: the part of
    :func:`told_at` that holds for anything timed on the incident's clock (a handoff reminder
    counts from the commander's change, not from detection, so the rest of ``told_at`` is not its)."""
    return next((b for a, b in resolved_spans(state) if a <= due < b), due)


LATE_WORDS = {REOPENED: " (its time came while resolved: {verb} on reopening)",
              "declared": " (due before the incident was declared: {verb} at the declaration)",
              "marked": " (due before detection was back-dated: {verb} at the back-dating)"}
"""What a line placed later than its due time (:func:`told_at`) adds, with its verb."""


def reached(state: IncidentState, now: datetime) -> list[TierStart]:
    """The tiers above the first reached by ``now``, or by the resolution for a resolved incident
    (a tier it would have reached after being resolved never was), at their :func:`instants`."""
    end = state.phases.get("resolved") or now
    return [t for t in instants(state) if t.tier > 0 and t.at <= end]


def current(state: IncidentState, now: datetime) -> tuple[TierStart | None, TierStart | None]:
    """(the tier reached by ``now``, the next one to come) — None before a declaration / after
    the last tier or once resolved. What the header, ``incident show`` and the brief say."""
    ticks = instants(state)
    if not ticks:
        return None, None
    done = reached(state, now)
    here = done[-1] if done else ticks[0]
    nxt = None if state.resolved else next((t for t in ticks if t.tier > here.tier), None)
    return here, nxt


def journaled_tiers(state: IncidentState) -> set[int]:
    return {int(e["tier"]) for e in state.escalations}


def due(state: IncidentState, now: datetime) -> tuple[str, dict[str, Any]] | None:
    """The lowest tier reached and not yet journaled, as the event to append (``append_once``)."""
    done = journaled_tiers(state)
    for t in reached(state, now):
        if t.tier not in done:
            start = state.clock_start
            assert start is not None
            return ev.ESCALATED, {"tier": t.tier, "label": t.label, "action": t.action,
                                  "minutes": t.minutes, "reached_at": format_ts(t.at),
                                  "detected_at": format_ts(start), "time_scale": stime.scale_of(state)} | (
                                      {"on_reopen": True} if t.reopened else {}) | (
                                      {"known_late": t.known_late} if t.known_late else {})
    return None


def tier_text(state: Any, tier: int, label: str, minutes: float) -> str:
    """``tier 1 (page TL), 15m00s drill time (1m30s wall) after detection``."""
    return f"tier {tier} ({label}), {stime.of_scenario(state, minutes * 60.0)} after detection"

