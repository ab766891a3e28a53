"""The one place a journal interval becomes a displayed duration.

A drill at ``--speed 10`` lives ten scenario seconds per wall second, and every promise the tool
makes about time (the seeds' response targets, the 15-minute escalation tiers, the update
cadence, "past its critical threshold for ...") is a promise about the incident, i.e. about
scenario time. The journal records wall time, so every duration shown or written passes through
here: in a drill it reads ``1h54m drill time (5m45s wall)`` (scenario first, the wall figure
beside for whoever compares it with a clock or a log); outside a drill it is the plain figure.

Process run times (``exit 0 · 0.4s``) are deliberately *not* converted: a command took 0.4 real
seconds whatever the drill's speed, and nothing judges them against an incident target.

It is also the one place "now" is read (:func:`now`, :func:`utcnow`): the journal's stamps, the
header's clocks, ``incident show``, the drill's clock and its stand-ins all ask here, so
``$WARROOM_DRILL_AT`` (a test or a facilitator replaying one moment) moves every one of them at
once, and no reader can fall back to a clock of its own (``tests/unit/test_one_clock.py``).

Only a drill reads ``$WARROOM_DRILL_AT``. A variable left in a shell must never stamp a real
incident's journal, durations or PIR with a made-up time, so the pin is honoured only once this
process works a drill, and never again once it works a real incident (declares, opens or writes to
one: :func:`work_on`).
Who says so is the core, where a drill or an incident comes into being — a drill world made or
reopened (``warroom.drill.directory.Drill``), a rehearsal's replay, an incident declared or opened
with (or without) its drill tie (``warroom.incident.session.Incident``) — never a reader of the
time, so no new caller of :func:`now` can forget to ask. A real incident's own clock
(``Incident.clock``: its journal stamps) reads :func:`wall` whatever this process works.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from warroom.durations import format_duration
from warroom.errors import WarroomError

DRILL_WORD = "drill time"
MAX_SPEED = 3600.0
"""The fastest drill or replay: an hour of drill per wall second (past it a drill's world would be
integrated without end, x1e308, and a rehearsal's spans outgrow every date)."""
MIN_DRILL_SPEED = 1.0
"""The slowest simulated drill: real time. A drill compresses time; its world is sampled every 5
drill seconds, which below x1 are farther apart in wall time than a scrape. When the audit-log gap
was ``time() - last event`` on two clocks it drifted there: at x0.01 a world with no audit fault
breached the gap's 300 s threshold (the drill's PromQL now takes a timestamp difference in drill
seconds, gauge38). A replay reads recorded points, so it may be slower than x1."""
MIN_REPLAY_SPEED = 1.0 / MAX_SPEED
"""The slowest replay, the fastest's mirror: an hour of wall time per replayed second. Any positive
speed was taken, and a rehearsal's deadlines are its spans divided by its speed: at x1e-320 the
first declaration's evidence overflowed ("OverflowError: cannot convert float infinity to
integer") and nothing was declared; at the mirror a day of rehearsal is ten years of wall, a date."""
AT_ENV = "WARROOM_DRILL_AT"          # run as of this unix time (tests, facilitator replays)


def check_drill_speed(speed: object, what: str = "drill speed") -> float:
    """``speed`` as a float if a simulated drill can run at it (x1 to x3600), else a
    :class:`WarroomError` that names ``what`` and the range. The one rule every way of starting a
    drill asks (dashboard, ``warroom drill``/``demo``, ``incident new --drill``, ``create_drill``)."""
    ok = isinstance(speed, (int, float)) and not isinstance(speed, bool) and MIN_DRILL_SPEED <= speed <= MAX_SPEED
    if not ok:
        shown = speed_said(speed) if isinstance(speed, (int, float)) and not isinstance(speed, bool) else repr(speed)
        raise WarroomError(f"{what} must be a number from {MIN_DRILL_SPEED:g} (real time) up to {MAX_SPEED:g},"
                           f" got {shown}: a drill compresses time (a replay of a recorded incident may be slower)")
    return float(speed)


def speed_said(speed: float) -> str:
    """``speed`` as a refusal quotes it: ``10``, ``0.5``, and every digit when six would round it
    onto the range's edge (``:g`` said "up to 3600, got 3600" for 3600.0001, a refusal of a value
    it showed as allowed)."""
    short = f"{speed:g}"
    return short if not math.isfinite(speed) or float(short) == speed else repr(float(speed))


def check_replay_speed(speed: float, what: str = "replay speed") -> float:
    """``speed`` if a replay of a recorded incident can run at it (slower than real time too, from
    :data:`MIN_REPLAY_SPEED` up to x3600), else a :class:`WarroomError` naming ``what``. The one rule
    ``drill --replay`` and the replay's launch ask."""
    if not (math.isfinite(speed) and MIN_REPLAY_SPEED <= speed <= MAX_SPEED):
        raise WarroomError(f"{what} must be a number from 1/{MAX_SPEED:g} (an hour of wall time per replayed"
                           f" second) up to {MAX_SPEED:g}, got {speed_said(speed)}")
    return speed


@dataclass
class _Work:
    """What this process works, as the core has said (:func:`work_on`)."""

    drill: str | None = None      # the first drill (or rehearsal) it worked: the pin may be honoured
    real: str | None = None       # the first real incident it worked: the pin is off for good


_WORK = _Work()


def work_on(what: str, *, drill: bool) -> None:
    """Record that this process works ``what`` (a drill's directory, an incident's id): a drill
    lets ``$WARROOM_DRILL_AT`` pin :func:`now`; a real incident turns the pin off for the rest of the
    process (a real incident wins: its time is never pinned, even in a process that opened a drill
    before). Called by the core where drills and incidents come into being, not by readers."""
    if drill:
        _WORK.drill = _WORK.drill or what
    else:
        _WORK.real = _WORK.real or what


def pinned() -> bool:
    """Whether :func:`now` honours ``$WARROOM_DRILL_AT`` in this process (it works a drill and no
    real incident: none declared, opened to work or written to); the variable set or not."""
    return _WORK.drill is not None and _WORK.real is None


def forget_work() -> None:
    """A fresh process's state (tests run many "processes" in one: ``tests/conftest.py``)."""
    _WORK.drill = _WORK.real = None


def wall() -> float:
    """Unix seconds on the wall clock, never pinned: a real incident's own clock."""
    return time.time()


def wall_utcnow() -> datetime:
    return datetime.fromtimestamp(wall(), UTC)


def now() -> float:
    """Unix seconds: ``$WARROOM_DRILL_AT`` when set and this process works a drill (:func:`pinned`),
    else the wall clock (the variable is not even read: a stray or malformed value in a real
    incident's shell changes nothing)."""
    return _pinned_or(time.time()) if pinned() else time.time()


def _pinned_or(wall_now: float) -> float:
    """``$WARROOM_DRILL_AT`` if set (checked: a unix time), else ``wall_now``."""
    at = os.environ.get(AT_ENV)
    if not at:
        return wall_now
    try:
        value = float(at)
    except ValueError:
        value = float("nan")
    if not 0 <= value < 1e11:          # NaN/inf, before 1970 or past year 5138: no date can show it
        raise WarroomError(f"${AT_ENV} must be a unix time, got {at!r}")
    return value


def utcnow() -> datetime:
    return datetime.fromtimestamp(now(), UTC)


def drill_now(start: float, what: str) -> float:
    """:func:`now` for whoever reads a drill's clock (``start``: its scenario second 0, unix;
    ``what``: the drill, as the refusal names it), refusing a pinned moment before the drill began
    (a typo'd year in ``$WARROOM_DRILL_AT``): no world, incident, deadline or countdown exists
    there, and judging at it gave "15m00s left" and "update in 8759h54m" in silence (DECIDE-1). The
    wall clock itself is never refused (a drill made under a later pin and opened unpinned): its
    panes say why they hold nothing then."""
    at = now()
    if pinned() and os.environ.get(AT_ENV) and at < start:
        raise WarroomError(f"${AT_ENV} pins the clock at {utc_said(at)}, {format_duration(start - at)} before {what}"
                           f" started ({utc_said(start)}, unix {start:.0f}): a drill has no moment before its start;"
                           f" pin one at or after it, or unset ${AT_ENV}")
    return at


def ahead_of_wall(at: float, what: str) -> str | None:
    """Why a moment ``at`` that ``$WARROOM_DRILL_AT`` pins ``what`` at cannot be read in a drill that runs on the
    wall clock (its now is the wall's): it has not happened yet. None when it has. One wording for the stand-ins
    and for warroom's own looks at the incident (attack60 F1: ``incident brief`` answered "39.1% now" ten
    minutes ahead while ``curl`` in the same drill refused the moment)."""
    if at <= (wall_now := wall()):
        return None
    return (f"${AT_ENV} pins {what} at {utc_said(at)}, after the drill's now ({utc_said(wall_now)}): a drill holds"
            " nothing from a time that has not happened")


def utcnow_of(drill: bool | Any) -> datetime:
    """An incident's own "now" (``drill``: whether it is a drill's, or its state): a real
    incident's is the wall clock whatever this process works; a drill incident's honours
    ``$WARROOM_DRILL_AT`` unless this process wrote to a real incident (a list of both kinds
    gives each its own time)."""
    held = held_of(drill)
    return wall_utcnow() if held is None else held


def held_of(drill: bool | Any) -> datetime | None:
    """Where an incident's own clock (:func:`utcnow_of`) stands when it does not run with the wall
    (a drill pinned by ``$WARROOM_DRILL_AT``), None when it is the wall clock. What another process
    is handed so it stamps the incident's lines with the same clock (the step supervisor)."""
    if not isinstance(drill, bool):
        drill = getattr(drill, "drill", None) is not None
    if not drill or _WORK.real is not None or not os.environ.get(AT_ENV):
        return None
    return datetime.fromtimestamp(_pinned_or(time.time()), UTC)


def scale_of(state: Any) -> float:
    """The incident's time scale (``IncidentState.time_scale``), 1.0 for anything without one."""
    scale = getattr(state, "time_scale", 1.0)
    try:
        scale = float(scale)
    except (TypeError, ValueError):
        return 1.0
    return scale if scale > 0 and scale == scale and scale != float("inf") else 1.0


@dataclass(frozen=True)
class Span:
    """One interval measured on the journal's wall clock, with the drill's scale to read it by."""

    wall_seconds: float
    scale: float = 1.0

    @property
    def drill(self) -> bool:
        return self.scale != 1.0

    @property
    def seconds(self) -> float:
        """Scenario seconds: what targets, tiers and the incident's own story count. The wall span is
        taken to the journal's microsecond first: read from two unix floats (the header's) it is off
        by a fraction of one, which x10 made 10.999998 s of an 11 s span, stated "10s" beside the
        "11s" the same span read from datetimes gives (``durations.stated_seconds`` cuts)."""
        return round(max(0.0, self.wall_seconds), 6) * self.scale

    @property
    def minutes(self) -> float:
        return self.seconds / 60.0

    @property
    def wall_minutes(self) -> float:
        return max(0.0, self.wall_seconds) / 60.0

    def text(self, *, wall: bool = True) -> str:
        """``1h54m drill time (5m45s wall)`` in a drill (``wall=False``: without the wall
        figure, where a line already shows it once), the plain ``1h54m`` otherwise."""
        scen = format_duration(self.seconds)
        if not self.drill:
            return scen
        if not wall:
            return f"{scen} {DRILL_WORD}"
        return f"{scen} {DRILL_WORD} ({format_duration(max(0.0, self.wall_seconds))} wall)"

    def __str__(self) -> str:
        return self.text()


def utc_said(at: float) -> str:
    """Unix time ``at`` as a drill's refusals and notes say it (``2026-09-22 12:00:00 UTC``)."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def clock_said(scenario_seconds: float) -> str:
    """Where a drill's clock is, as a notice says it (``continuing … at scenario time 1m16s``): before
    the drill's start (a clock pinned with ``$WARROOM_DRILL_AT`` earlier than the drill began, or a drill
    made under a pin later than the wall) it says how long before, never a made-up ``0s``."""
    if scenario_seconds >= 0:
        return format_duration(scenario_seconds)
    return f"{format_duration(-scenario_seconds)} before its start"


def before_world(t: float, history: float) -> str:
    """Why a drill's reading at scenario time ``t``, before the drill's start, has no value (cycle-2:
    it read "no data" with no reason): its world is recorded from ``history`` seconds before the
    start, and a query reads nothing where its window reaches past that."""
    world = f"the drill's world is recorded from {format_duration(history)} before its start"
    return (f"no data: {format_duration(-t)} before the drill's start; {world}"
            + ("" if t < -history else ", and this query's window reaches further back"))


def drill_seconds(wall_seconds: float, speed: float) -> float:
    """``wall_seconds`` on the wall clock as drill seconds at ``speed`` (a drill's or a replay's,
    where the caller holds the speed itself rather than an incident's state)."""
    return wall_seconds * speed


def wall_seconds(drill_seconds: float, speed: float) -> float:
    """How long ``drill_seconds`` of a drill at ``speed`` take on the wall clock."""
    return drill_seconds / speed


HUMAN_FLOOR = 120.0
"""Wall seconds: the shortest time a drill gives people to act on something it asks of them (two to
approve and run a step, a commander to read a Go/No-Go's criteria and decide), whatever its speed. A
drill speeds up the world, not the people: at x60 a 15-minute approval or a 30-minute deadline would
be 15 or 30 wall seconds, too short to read what is asked."""


def for_people(seconds: float, scale: float, wall: float | None = None) -> float:
    """How long (incident seconds) people get for something the runbook or the config gives
    ``seconds`` of incident time, at the incident's ``scale``: ``seconds`` itself, but in a drill
    never less than ``wall`` wall seconds (:data:`HUMAN_FLOOR`: x60 turns a 30-minute deadline into
    2h00m of drill time, 2 wall minutes). The one rule for every span people act in (an approval's
    life, a decision's deadline); ``wall=seconds`` puts a span wholly on the people's clock (the
    handoff reminder: a commander tires by the hours they hold the role, not the drill's)."""
    if scale == 1.0:
        return seconds
    # read at each call (None: the floor), so a test of what a floor sets off can lower it for its own run
    return max(seconds, drill_seconds(HUMAN_FLOOR if wall is None else wall, scale))


def raised_said(state: Any, given: float, asked: float, what: str, why: str) -> str:
    """``raised from the runbook's deadline, 30m00s drill time (30s wall), so the commander has time to
    decide`` when :func:`for_people` raised ``asked`` (``what``) to ``given`` (incident seconds), else
    '': every view of a span people were given says why it is longer than the one asked, in one form."""
    if given <= asked + 0.5:
        return ""
    return f"raised from {what}, {of_scenario(state, asked).text()}, {why}"


def people_target(target_min: float, scale: float) -> tuple[float, str]:
    """A response target (``target_min``: minutes of incident time, a milestone's or a runbook's MTTR) as a drill at
    ``scale`` judges it, and why it is longer than asked ('' when it is not): the target, but never less than
    :data:`HUMAN_FLOOR` wall seconds (:func:`for_people`, the rule of every span people act in). Detecting, declaring,
    finding a cause and fixing are people's work: at x60 a 5-minute target is 5 wall seconds, and a team that declared
    9.5 s after the breach read "missed" beside a Go/No-Go deadline raised "so the commander has time" (redteam48
    F14). The one rule of every response-time verdict: ``IncidentState.response_times``, the drill report's rows and
    both MTTR lines."""
    given = for_people(target_min * 60.0, scale) / 60.0
    if given * 60.0 <= target_min * 60.0 + 0.5:
        return target_min, ""
    asked, raised = (Span(m * 60.0 / scale, scale).text() for m in (target_min, given))
    return given, f"target raised from {asked} to {raised}, so people can act in it"


def of_drill(drill_seconds: float, speed: float) -> Span:
    """A span counted in drill seconds at ``speed``, read like every other drill duration."""
    return Span(wall_seconds(drill_seconds, speed), speed)


def span(state: Any, wall_seconds: float | timedelta | None) -> Span:
    """``wall_seconds`` of journal time, as the incident reads it."""
    if isinstance(wall_seconds, timedelta):
        wall_seconds = wall_seconds.total_seconds()
    return Span(float(wall_seconds or 0.0), scale_of(state))


def of_scenario(state: Any, scenario_seconds: float) -> Span:
    """A span already counted in scenario seconds (a runbook's ``after: 15m``, a handoff
    reminder's ``every``), so it reads like every other drill duration."""
    scale = scale_of(state)
    return Span(float(scenario_seconds) / scale, scale)


def between(state: Any, start: datetime | float, end: datetime | float) -> Span:
    """The span from ``start`` to ``end`` (datetimes or unix seconds; never negative)."""
    if isinstance(start, datetime) and isinstance(end, datetime):
        secs = (end - start).total_seconds()
    else:
        secs = float(end) - float(start)  # type: ignore[arg-type]
    return Span(max(0.0, secs), scale_of(state))


def left(state: Any, due: datetime | float, now: datetime | float) -> float:
    """Scenario seconds from ``now`` until ``due`` (datetimes or unix seconds), negative once it
    has passed: what a countdown shows (an update due, a gate's window)."""
    if isinstance(due, datetime) and isinstance(now, datetime):
        return (due - now).total_seconds() * scale_of(state)
    return (float(due) - float(now)) * scale_of(state)  # type: ignore[arg-type]


def after(state: Any, start: datetime, scenario_seconds: float) -> datetime:
    """The wall instant ``scenario_seconds`` of incident time after ``start`` (a due time: the
    next update ``every`` 15 minutes is 90 wall seconds away at x10)."""
    return start + timedelta(seconds=scenario_seconds / scale_of(state))


def text(state: Any, wall_seconds: float | timedelta | None, *, wall: bool = True) -> str:
    """Shorthand for ``span(state, wall_seconds).text(wall=wall)``."""
    return span(state, wall_seconds).text(wall=wall)


def scenario_seconds(state: Any, wall_seconds: float) -> float:
    return span(state, wall_seconds).seconds


def process_text(state: Any, seconds: float | None) -> str:
    """A process's own run time (a command's ``0.4s``): real seconds whatever the drill's speed,
    so never scaled; in a drill it says ``wall`` so no reader takes it for drill time."""
    if seconds is None:
        return ""
    out = format_duration(seconds)
    return f"{out} wall" if scale_of(state) != 1.0 else out
