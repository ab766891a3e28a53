"""The incident header: who, what, how bad, how long, and what is due next.

Lines so it fits 80 columns: identity on the first (id, title, status, severity, flags),
clocks and data health on the second, people on the third while an incident is open (who holds
each role, and first what needs someone: a handoff not acknowledged, a reminder to hand over,
approvals waiting). A third line appears while a verify gate is open (and
keeps its outcome after): the README's headline loop must never be cut off by a narrow
terminal, so the gate has a line of its own, with what changes (value now, hold, time left)
before the gate's text, which the ellipsis may cut. Each line is its own ``Static`` and only
repaints when its text changes (the clocks change once a second, identity almost never).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from panes.safe import SafeText as Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from panes.fmt import escalation_tier, format_clock, tier_at
from panes.slo import set_text
from panes.view import GateView, HeaderInfo, SharedView
from warroom import scenario_time as stime
from warroom.durations import format_duration
from warroom.incident.gate_evidence import HELD
from warroom.runbook.gate import span_words

SEVERITY_STYLES = {"P1": "bold white on red", "P2": "bold red", "P3": "bold yellow", "P4": "bold"}
# The word is always printed next to the mark, so each failure reads the same without colour:
# unauthorized (fix credentials), refused (nothing listens), down (unreachable), slow (no whole
# answer within the timeout), error (answers that are not data).
HEALTH_MARKS = {"ok": ("●", "green"), "stale": ("◌", "yellow"), "error": ("✖", "red"),
                "down": ("✖", "red"), "off": ("·", "dim"), "unauthorized": ("⊘", "bold red"),
                "refused": ("✖", "red"), "slow": ("◔", "yellow"),
                "poll failed": ("✖", "bold red")}


class IncidentHeader(Vertical):

    def __init__(self) -> None:
        super().__init__(id="header", classes="incident-header")
        self.info = HeaderInfo()
        self._now: float | None = None

    def compose(self) -> ComposeResult:
        yield Static(classes="hdr-identity")
        yield Static(classes="hdr-clocks")
        yield Static(classes="hdr-people")
        yield Static(classes="hdr-gate")
        yield Static(classes="hdr-shared")

    def show(self, info: HeaderInfo, now: float) -> None:
        self.info = info
        set_text(self.query_one(".hdr-identity", Static), self.identity_text())
        self.set_class(info.shared is not None, "-shared")
        if info.shared is not None:
            line = Text(no_wrap=True, overflow="ellipsis")
            shared_text(line, info.shared)
            line.rstrip()
            set_text(self.query_one(".hdr-shared", Static), line)
        self.set_class(info.incident_id is not None, "-people")
        self.tick(now)

    def on_resize(self) -> None:
        """The gate line chooses its form for the width it has (``gate_text``): choose again."""
        if self._now is not None:
            self.tick(self._now)

    def tick(self, now: float) -> None:
        self._now = now
        width = self.content_size.width       # each line chooses its form for it (0: not laid out yet)
        set_text(self.query_one(".hdr-clocks", Static), self.clocks_text(now, width))
        set_text(self.query_one(".hdr-people", Static), self.people_text(now, width))
        gate = self.info.gate
        self.set_class(gate is not None, "-gate")
        if gate is not None:
            # the header's own width: the gate line is hidden (no size yet) until its first gate
            set_text(self.query_one(".hdr-gate", Static), gate_text(gate, now, width))

    def identity_text(self) -> Text:
        i = self.info
        t = Text(no_wrap=True, overflow="ellipsis")
        if i.drill:
            t.append(" DRILL ", "bold black on yellow")
            t.append(" ")
        if i.read_only:
            t.append(" READ-ONLY ", "bold white on blue")
            t.append(" ")
        if i.shared is not None and i.shared.down is not None:
            t.append(" SHARED STORE DOWN ", "bold white on red")
            t.append(" last state kept, new actions refused, reconnecting ", "bold red")
        if i.incident_id is None:
            t.append("warroom", "bold")
            t.append("  no incident open — press ")
            t.append("d", "bold reverse")
            t.append(" to declare one, ")
            t.append("?", "bold reverse")
            t.append(" for keys")
            return t
        t.append(i.incident_id, "bold")
        t.append("  ")
        t.append(i.severity, SEVERITY_STYLES.get(i.severity, "bold"))
        t.append("  ")
        t.append(i.status.upper(), "bold green" if i.status == "resolved" else "bold cyan")
        if i.holding:    # the mitigation did not hold (or is not known to): said before the title, which may be cut
            t.append(" · ")
            t.append(i.holding, "bold white on red" if i.relapsed else "bold yellow")
        t.append("  ")
        t.append(i.title)
        return t

    def people_text(self, now: float, width: int = 0) -> Text:
        """Who holds which role; what needs a person now comes first, so a narrow terminal's
        ellipsis cuts a role name, never "HANDOFF … not acknowledged" or "approval waiting".
        The alert is said as of ``now`` (``HeaderInfo.people``), like the clocks beside it.
        Given ``width`` and no room for every role, the roles nobody holds share one dash
        ("IC root · Ops/Comms/Scribe —"), so "hand over? …" beside them no longer cuts them off."""
        i = self.info
        alert = i.people.text(datetime.fromtimestamp(now, UTC)) if i.people is not None else ""
        forms = []
        for roles in (i.roles, vacant_together(i.roles)):
            t = Text(no_wrap=True, overflow="ellipsis")
            if alert:
                t.append(f" {alert} ", "bold black on yellow")
                t.append("  ")
            t.append(roles)
            forms.append(t)
        return next((form for form in forms if width <= 0 or form.cell_len <= width), forms[-1])

    def clocks_text(self, now: float, width: int = 0) -> Text:
        """Line 2: the incident's clocks, a replay's place in its recording, the drill, the sources.
        A drill's speed is said once, always: beside the first clock that runs on drill time (the
        incident's elapsed), else beside the scenario's name, so a continued ×30 drill never reads
        as ×1 before its declaration (the launch toast that said it is gone by then).

        Given ``width``, the richest form that fits (redteam38 F3: at 80 columns "… scenario
        timeout  drill…" cut the source's health, whose error state the commander must see): the
        scenario's name gives way first (the DRILL badge stays on line 1), then the tier's words
        ("T2 IC+rollback?" is T2), then a source that answers ok gives its place to one that does
        not, then the update's wall time (the drill time stays); what still does not fit is cut with an
        ellipsis, never wrapped out of sight."""
        if width <= 0:
            return self._clocks(now, 0)
        # built one at a time, richest first, until one fits: the header's clocks are written on every beat
        # (five a second in a fast drill), and all five forms were built each time though the first fits a
        # wide terminal
        for lean in range(5):
            form = self._clocks(now, lean)
            if form.cell_len <= width:
                return form
        return form

    def _clocks(self, now: float, lean: int) -> Text:
        """Line 2 in one of its forms: ``lean`` 0 whole, 1 without the scenario's name, 2 also the
        tier without its words and the sources not ok first, 3 also a replay's place said short
        ("rec 03:30:48", UTC as the header's other times) and after the sources: at 80x24 a
        rehearsal with an overdue update cut the source's health, which the header promises, and
        an error's words are longer than "ok" (redteam40 R9c); 4 also the update's wall time."""
        i = self.info
        t = Text(no_wrap=True, overflow="ellipsis")
        speed_said = i.time_scale == 1.0        # ×1 is never said: no mark is the world's own pace
        if i.incident_id is not None and i.declared_at is not None:
            end = i.resolved_at if i.resolved_at is not None else now
            # In a drill every clock here runs on scenario time (a --speed 10 drill reaches the
            # 15-minute tier after 90 s), the speed said beside it.
            elapsed = stime.between(i, i.declared_at, end).seconds
            t.append("elapsed ", "dim")
            t.append(format_clock(elapsed), "bold")
            if not speed_said:
                t.append(f" ×{i.time_scale:g}", "dim")
                speed_said = True
            t.append("  ")
            # the tier the core has reached (escalation.instants); a view without one, by the table
            tier = tier_at(i.tiers, end) if i.tiers else escalation_tier(elapsed)
            t.append(tier.split(" ", 1)[0] if lean >= 2 else tier, "bold")
            if i.resolved_at is None and i.next_update_at is not None:
                # a duration in the words show, the handoff brief and the PIR use (13m21s), never
                # mm:ss, which beside the timeline's 13:11 stamps reads as a time of day
                due = stime.left(i, i.next_update_at, now)
                t.append("  update ", "dim")
                if due < 0:
                    t.append(f"overdue by {format_duration(-due)}", "bold red")
                else:
                    t.append(f"in {format_duration(due)}", "bold")
                t.append("" if lean >= 4 else wall_beside(due, i.time_scale), "dim")
            t.append("  ")
        place = Text(no_wrap=True, overflow="ellipsis")
        if i.recording is not None:
            # where the replay is in the recording, in the recording's own (UTC) time
            began, recorded, speed, end = i.recording
            at = min(end, recorded + stime.drill_seconds(now - began, speed))
            # past its end the words come first: at 80 columns "rec 09:23:18 (end)" lost "(end)" to the ellipsis
            # and the frozen panes read as live (redteam47 F14)
            ended = at >= end
            place.append(("rec end " if ended else "rec ") if lean >= 3
                         else ("recording ended " if ended else "recorded "), "dim")
            one_day = time.gmtime(recorded)[:3] == time.gmtime(end)[:3]      # else the day is said too
            shown = time.strftime(("%H:%M:%S" if one_day else "%Y-%m-%d %H:%M:%S") + ("" if lean >= 3 else " UTC"),
                                  time.gmtime(at))
            place.append(shown, "bold")
            place.append("  ")
        if lean < 3:
            t.append_text(place)
        if i.drill and lean == 0:
            t.append(f"scenario {i.drill}" + ("" if speed_said else f" ×{i.time_scale:g}") + "  ", "dim")
        elif i.drill and not speed_said:
            t.append(f"×{i.time_scale:g}  ", "dim")
        sources = sorted(i.sources, key=lambda s: s[1] == "ok") if lean >= 2 else i.sources
        for name, health in sources:
            mark, style = HEALTH_MARKS.get(health, ("?", ""))
            t.append(f"{name} ", "dim")
            t.append(f"{mark} {health}", style)
            t.append("  ")
        if lean >= 3:               # the sources' health before the replay's place: what is cut, if anything
            t.append_text(place)
        t.rstrip()
        return t


def wall_beside(seconds: float, speed: float) -> str:
    """`` (1m58s wall)`` beside a countdown on drill time at a speed not 1, "" at ×1: the update and the gate's window
    are a person's to act within, on the wall clock (redteam45 R12: at ×60 "update in 1h57m52s" meant 1m58s; the
    README's "every clock runs on scenario time, wall time beside")."""
    return "" if speed == 1.0 else f" ({format_duration(abs(stime.wall_seconds(seconds, speed)))} wall)"


def vacant_together(roles: str) -> str:
    """``IC root · Ops — · Comms — · Scribe —`` as ``IC root · Ops/Comms/Scribe —``: the roles
    held keep their holders, the vacant ones are named together, one dash for them all."""
    parts = roles.split(" · ")
    vacant = [p[:-2] for p in parts if p.endswith(" —")]
    if len(vacant) < 2:
        return roles
    return " · ".join([p for p in parts if not p.endswith(" —")] + ["/".join(vacant) + " —"])


def shared_text(t: Text, s: SharedView) -> None:
    """``shared ● ok  here: alice@bastion-1 (3. Scale out), you (1. Check)``, or down."""
    t.append("shared ", "dim")
    if s.down is not None:
        t.append("✖ down", "bold red")
        t.append(f"  {s.down}", "red")
        if s.pending:
            t.append("  step results kept here until it is back", "yellow")
        t.append("  ")
        return
    t.append("● ok", "green")
    t.append("  ")
    if s.present:
        t.append("here: ", "dim")
        for n, (who, step, me) in enumerate(s.present):
            if n:
                t.append(", ")
            t.append("you" if me else who, "bold" if not me else "")
            if step:
                t.append(f" ({step})", "dim")
        t.append("  ")


def gate_text(g: GateView, now: float, width: int = 0) -> Text:
    """The gate line: ``VERIFY step 6 · 429 share (worst provider) 12.3% · needs < 10% for 2m ·
    held 00:40/02:00 · 08:12 left · window ends 14:32:10 UTC``.

    What it watches is said in the runbook's words (a named query's or pane's title and unit);
    a gate on bare PromQL says ``now 1.25`` and puts the expression last, where the ellipsis may
    cut it. Given ``width``, the richest form that fits is chosen (``gate_forms``): the window's
    clock goes first, then the hold's words ("for 2m", which "held 00:40/02:00" also says), then
    the leanest form shortens the title as much as it must ("429 share (worst pro… 0.241%"), so
    the value, the hold's progress and the time left are never cut, whatever their length."""
    forms = gate_forms(g, now)
    if width <= 0:
        return forms[0]
    for form in forms:
        if form.cell_len <= width:
            return form
    lean = forms[-1]
    title = "" if g.bare else g.title
    over = lean.cell_len - width
    if g.status == "pending" and title and over > 0:
        keep = max(1, len(title) - over - 1)
        lean = gate_forms(g, now, title=title[:keep].rstrip() + "…")[-1]
    return lean


def gate_forms(g: GateView, now: float, title: str | None = None) -> list[Text]:
    """The gate line's forms, richest first (``gate_text`` picks the first that fits); ``title``:
    the title shortened to fit, in the leanest form."""
    title = ("" if g.bare else g.title) if title is None else title
    if g.status in ("passed", HELD, "failed"):
        forms = []
        for what in (g.what or g.text, ""):
            t = Text(no_wrap=True, overflow="ellipsis")
            if g.status == HELD:      # passed on a measure within its line since before the step: proves nothing
                t.append(" VERIFY ", "bold black on yellow")
                t.append(f" {g.where} ⊜ {HELD} the step ({g.before}): not counted as mitigated", "bold yellow")
            elif g.status == "passed" and g.now:     # its measure now, read with the panes (relapse)
                t.append(" VERIFY ", "bold white on red" if g.past else "bold black on green")
                t.append(f" {g.where} ✔ {g.passed}", "bold green")
                unread = g.now.startswith("now not read")      # not known to hold: never said as held
                t.append(f" · {g.now}", "bold red" if g.past else "bold yellow" if unread else "")
            elif g.status == "passed":
                t.append(" VERIFY ", "bold black on green")
                t.append(f" {g.where} ✔ passed at {g.value}", "bold green")
                if g.check:       # the step took effect; the harm is another gate's or the panes' (``mitigates``)
                    t.append(" · took effect, not the mitigation", "bold yellow")
            else:
                t.append(" VERIFY ", "bold white on red")
                t.append(f" {g.where} ✖ FAILED", "bold red")
                if g.reason:
                    t.append(f": {g.reason}", "red")
            if what:
                t.append(f" · {what}", "dim")
            forms.append(t)
        if g.status == "failed" and g.reason and ": " in g.reason:
            # the leanest: what it read and wanted before why it stopped ("window of 10m00s drill time ran out"), so
            # 80 columns cut the latter, never "(wanted < 10%)" (redteam47 F13)
            why, read = g.reason.split(": ", 1)
            t = Text(no_wrap=True, overflow="ellipsis")
            t.append(" VERIFY ", "bold white on red")
            t.append(f" {g.where} ✖ FAILED", "bold red")
            t.append(f": {read} · {why}", "red")
            forms.append(t)
        return forms
    held = min(g.hold, g.held + stime.drill_seconds(max(0.0, now - g.at), g.speed)) if g.holding else 0.0
    end = g.at + stime.wall_seconds(g.remaining, g.speed) if g.at else None
    # why it has no reading ("stale: last sample 4m10s old", "no data"): said in every form, in
    # place of a hold that is not running, so "no value" is never left unexplained
    waits = bool(g.reason) and not g.holding and (g.hold <= 0 or g.value == "no value")

    def form(*, ends: str, hold_words: bool, held_part: bool, lean: bool = False, wall: bool = True) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(" VERIFY ", "bold reverse")
        t.append(f" {g.where} · " + (f"{title} " if title else "now "))
        t.append(g.value, "bold")
        if lean:      # 80 columns: the time left before what is needed, so a cut takes the latter
            if g.holding and g.hold > 0:      # it holds now: the hold's progress says more than the need
                t.append(" held ")
                t.append(f"{_short_clock(held)}/{_short_clock(g.hold)}", "bold")
            t.append(" · ")
            t.append(f"{format_clock(g.left(now))} left", "bold")
            t.append(wall_beside(g.left(now), g.speed) if wall else "", "dim")
            if waits:
                t.append(f" · {g.reason}", "yellow")
            if g.wanted and not (g.holding and g.hold > 0):
                t.append(f" · needs {g.wanted}")
            if g.bare or not g.wanted:
                t.append(f" · {g.text}", "dim")
            return t
        if g.wanted:
            t.append(f" · needs {g.wanted}")
            if hold_words and g.hold > 0:
                t.append(f" for {span_words(g.hold)}")
        if waits:
            t.append(f" · {g.reason}", "yellow")
        elif g.hold > 0 and held_part:
            t.append(" · held ")
            t.append(f"{format_clock(held)}/{format_clock(g.hold)}", "bold" if g.holding else "")
        t.append(" · ")
        t.append(f"{format_clock(g.left(now))} left", "bold")
        t.append(wall_beside(g.left(now), g.speed), "dim")
        if ends and end is not None:
            t.append(f" · {ends} {datetime.fromtimestamp(end, UTC):%H:%M:%S}" + (" UTC" if ends == "window ends" else ""))
        if g.bare or not g.wanted:
            t.append(f" · {g.text}", "dim")
        return t

    return [form(ends="window ends", hold_words=True, held_part=True),
            form(ends="ends", hold_words=True, held_part=True),
            form(ends="", hold_words=True, held_part=True),
            form(ends="", hold_words=False, held_part=True),
            form(ends="", hold_words=True, held_part=g.holding),
            form(ends="", hold_words=False, held_part=g.holding),
            form(ends="", hold_words=False, held_part=False, lean=True),
            # the wall time beside goes before the title is shortened: what the gate watches names it (R12's rule for
            # the header's update, here too: at 80x24 "429 share (wor…" hid the gate's name for "(2m27s wall)")
            form(ends="", hold_words=False, held_part=False, lean=True, wall=False)]


def _short_clock(seconds: float) -> str:
    """``0:40``, ``2:00``, ``1:02:03``: the hold's progress in the 80-column gate line."""
    clock = format_clock(seconds)
    return clock[1:] if clock.startswith("0") and clock.count(":") == 1 else clock
