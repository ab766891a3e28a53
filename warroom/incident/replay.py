"""Replaying a resolved incident as a drill: the panes draw the curves it really had.

``warroom drill --replay INC-…`` reads the incident's saved metrics (``warroom.incident.history``)
and plays them back from the start of the window, at the drill's speed: a team rehearses what
really happened, against the very numbers it saw. The world does not react (nobody can change
the past), so a replay is always read-only: commands that change things are refused, and the
header says REPLAY.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from warroom import scenario_time as stime
from warroom.config import SloConfig
from warroom.errors import WarroomError
from warroom.incident.history import History, load_history
from warroom.incident.metric_history import PaneHistory
from warroom.sources.model import SloSample
from warroom.sources.prom_results import QueryError, format_labels


def _value(pane: PaneHistory, t: float) -> float | None:
    """The recorded value shown at recorded time ``t``: the newest point at or before it, held
    until the next grid time only. The recording is the source's answer at every grid time, so a
    grid time without a point is one the source answered nothing for (it was down, the series was
    not scraped): the replay shows no data there, never the point before carried over the gap
    (``value_at``'s two steps of slack, right for quoting a mark, showed a dead source as alive)."""
    sample = pane.value_at(t)
    if sample is None or sample.at > t + 1e-6 or t - sample.at >= pane.step - 1e-6:
        return None
    return sample.value


def _frozen(pane: PaneHistory, t: float) -> tuple[float, float] | None:
    """The value a STALE pane showed at recorded time ``t`` and its data age then (real seconds),
    when the recording has a stale point there (``PaneHistory.stale``), held until the next grid
    time only, as ``_value``; else None. Never a reading: the history, gates and criteria of a
    replay read ``_value`` only, as the one data-age rule has it."""
    sample = pane.stale_at(t)
    if sample is None or sample.age is None or sample.at > t + 1e-6 or t - sample.at >= pane.step - 1e-6:
        return None
    return sample.value, sample.age + (t - sample.at)


def first_breach(history: History) -> str | None:
    """The symptom the recording shows first, in the pane's words and naming the recording
    (``Model API quota used past 80% in INC-20261201-3``): what a rehearsal's declaration is titled
    while no pane on screen is breached. It says what the recording holds, so it is true whenever
    it is declared: before the replay reaches the breach (redteam29-7: "past 1%" with the pane at
    0.298% on screen, beside its PIR's "declared before … reached critical") and after it passed."""
    from warroom.units import format_value

    crossed = _crossed(history)
    if crossed is None:
        return None
    _, slo = crossed
    side = "past" if slo.direction == "above" else "below"
    return f"{slo.title} {side} {format_value(slo.crit, slo.unit)} in {history.incident_id}"


def _crossed(history: History) -> tuple[float, SloConfig] | None:
    """(recorded unix time, pane) of the recording's first crossing of a critical threshold; None."""
    crossed = [(p.transitions()[0][1].at, p.slo) for p in history.panes if p.slo.crit is not None and p.transitions()]
    return min(crossed, key=lambda c: c[0]) if crossed else None


def breach_ahead(history: History, source: ReplaySource, now: float) -> str:
    """When the recording's first breach comes, while the replay has not reached it: "its first breach (Flow failure
    rate) comes at recorded 04:14:46 UTC, in 5m45s" (wall time); "" once reached, or when none. A ×10 replay opened on
    six wall minutes of healthy panes and nothing said when the incident begins (redteam45 R13)."""
    from datetime import UTC, datetime

    from warroom.durations import format_duration

    crossed = _crossed(history)
    if crossed is None or crossed[0] <= source.recorded_time(now):
        return ""
    at = datetime.fromtimestamp(crossed[0], UTC)
    return (f"its first breach ({crossed[1].title}) comes at recorded {at:%H:%M:%S} UTC, in "
            f"{format_duration(source.wall_time(crossed[0]) - now)}")


class ReplaySource:
    """``MetricSource`` over a saved history: the recorded pane values, replayed from ``start``
    (unix time the replay began) at ``speed`` recorded seconds per second."""

    def __init__(self, history: History, *, speed: float = 1.0, start: float | None = None,
                 window: float = 1800.0, points: int = 60) -> None:
        self.history = history
        self.speed = speed
        stime.work_on(f"replay:{history.incident_id}", drill=True)     # a rehearsal is a drill
        self.start = stime.now() if start is None else start
        self.window = window
        self.points = max(2, points)
        self.name = f"replay:{history.incident_id}"
        self.label = f"the metrics {history.incident_id} recorded"     # what a step's target says

    @classmethod
    def at(cls, history: History, speed: float, window: float, start: Any = None) -> ReplaySource:
        """Replayed at a drill ``speed`` (scenario s per wall s) with sparklines ``window`` scenario s
        wide: the recording's own speed (a drill incident's) divides both, a ratio of speeds."""
        return cls(history, speed=speed / history.time_scale, window=window / history.time_scale,
                   start=float(start) if isinstance(start, (int, float)) and math.isfinite(start) else None)

    @property
    def recording_clock(self) -> tuple[float, float, float, float]:
        """(wall time the replay began, recorded time then, recorded s per wall s, end): the header's."""
        return (self.start, self.history.start, self.speed, self.history.end)

    def recorded_time(self, at: float) -> float:
        """The recorded unix time shown at wall time ``at`` (held at the end of the recording)."""
        return min(self.history.end, self._played(at))

    def _played(self, at: float) -> float:
        """The recorded time the replay has reached at wall time ``at``, past the recording's end too."""
        return self.history.start + (at - self.start) * self.speed

    def _ended(self, at: float) -> str | None:
        """Why nothing is read at wall time ``at``: past the recording's end there is no reading (the
        last values, held, were shown as live: "now", never STALE, redteam47 F14), else None."""
        if self._played(at) <= self.history.end + 1e-3:        # float dust of unix times over a speed
            return None
        ended = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.history.end))
        return f"the recording of {self.history.incident_id} ended at {ended} UTC: nothing after it was recorded"

    def wall_time(self, recorded: float) -> float:
        return self.start + (recorded - self.history.start) / self.speed

    def fetch(self, slos: list[SloConfig], at: float | None = None) -> list[SloSample]:
        at = stime.now() if at is None else at
        return [self._sample(slo.id, at) for slo in slos]

    def _sample(self, slo_id: str, at: float) -> SloSample:
        pane = self.history.pane(slo_id)
        now = stime.now()
        if pane is None:
            return SloSample(slo_id, None, sample_time=at, fetched_at=now,
                             error=f"{self.history.incident_id} has no recorded {slo_id!r} pane")
        unread = dict(self.history.unread).get(slo_id)
        if unread:           # not recorded: said, not shown as a pane that had no data
            return SloSample(slo_id, None, sample_time=at, fetched_at=now,
                             error=f"{self.history.incident_id} could not record it: {unread}")
        t, played = self.recorded_time(at), self._played(at)
        step = self.window / (self.points - 1)
        series = []
        for i in range(self.points):
            rt = played - self.window + i * step       # past the end the curve runs out, as a dead source's does
            if rt > self.history.end + 1e-3:
                continue
            v = _value(pane, rt)
            if v is None and (frozen := _frozen(pane, rt)) is not None:
                v = frozen[0]           # the sparkline drew the frozen value, as Prometheus answered it
            if v is not None and rt >= self.history.start:
                series.append((self.wall_time(rt), v))
        value, data_time = _value(pane, t), None
        if value is None and (frozen := _frozen(pane, t)) is not None:
            # recorded STALE: the frozen value with its recorded age, so the pane reads STALE
            # "newest value is 4m00s old" as it did, not NO DATA (stale_after is real seconds)
            value, data_time = frozen[0], at - frozen[1]
        elif value is not None and played > self.history.end + 1e-3 and (last := pane.value_at(t)) is not None:
            # past the end: the last recorded value, aged from when the replay played it, so the pane goes
            # STALE within stale_after as a pane whose exporter died does
            data_time = self.wall_time(last.at)
        return SloSample(slo_id, value, tuple(series), sample_time=at, fetched_at=now, data_time=data_time)

    def _panes(self, expr: str) -> list[PaneHistory]:
        """The recorded panes ``expr`` names: by id, or by their own query (a runbook step or a gate
        that asks what a pane showed); whitespace does not matter. Several panes can watch one query
        (a spike and a drop of one rate), each recorded as its own direction's worst."""
        words = " ".join(expr.split())
        return [p for p in self.history.panes if words in (p.slo.id, " ".join(p.slo.query.split()))] or [
            q for q in self.history.queries if words == " ".join(q.slo.query.split())]   # a decision's, a gate's

    def _values(self, expr: str, at: float | None) -> tuple[list[tuple[PaneHistory, float]], SloSample | None]:
        """Every recorded pane of ``expr`` with a value at wall time ``at``, or why there is none
        (a sample carrying the error). Two panes of one query recorded its series' highest and
        lowest (each its direction's worst), so together they are that query's answer as far as
        any comparison can tell: the worst series of ``x > 5`` is the lowest, of ``x < 5`` the
        highest (``warroom.runbook.series``). The first pane alone read a drop pane's fall as the
        spike pane's climb."""
        at = stime.now() if at is None else at
        panes = self._panes(expr)
        if not panes:
            return [], SloSample(expr, None, sample_time=at, fetched_at=stime.now(), error=self._unrecorded(expr))
        if (ended := self._ended(at)) is not None:     # a gate or a criterion reads no value after the recording
            return [], SloSample(expr, None, sample_time=at, fetched_at=stime.now(), error=ended)
        t = self.recorded_time(at)
        got = [(pane, v) for pane in panes if (v := _value(pane, t)) is not None]
        return got, None

    def _unrecorded(self, expr: str) -> str:
        """Why ``expr`` has no recording: it failed when the incident was resolved (said with the error), or it is
        none of the queries recorded then (its panes', and its runbooks' decisions', gates' and PromQL steps')."""
        words = " ".join(expr.split())
        failed = next((why for q, why in self.history.unrecorded if " ".join(q.split()) == words), None)
        if failed is not None:
            return f"{self.history.incident_id} could not record it when it was resolved: {failed}"
        judged = f" and its runbooks' decisions', gates' and PromQL steps' ({len(self.history.queries)} series)" \
            if self.history.queries else ""
        return (f"{self.history.incident_id} recorded its panes' queries"
                f" ({', '.join(p.slo.query for p in self.history.panes)}){judged}; this one was not recorded")

    def _judged(self, expr: str) -> bool:
        """Whether ``expr`` reads a recorded decision's or gate's query (not a pane): at a grid time where none of
        its series has a point, it answered no series (``count(… > 0.5)`` with no repository failing), as
        Prometheus answers then, never "no value recorded"."""
        words = " ".join(expr.split())
        return not any(words in (p.slo.id, " ".join(p.slo.query.split())) for p in self.history.panes)

    def instant(self, expr: str, at: float | None = None) -> SloSample:
        """A recorded pane (by id or query) answers with its value then; nothing else was recorded.
        Several panes of that query answer as a live source answers several series (the worst for
        a pane bad above: the highest, with the same note), never the first pane's value alone."""
        at = stime.now() if at is None else at
        got, missing = self._values(expr, at)
        if missing is not None:
            return missing
        if not got:
            return SloSample(expr, None, sample_time=at, fetched_at=stime.now())
        pane, value = max(got, key=lambda pv: pv[1])
        note = (f"{len(got)} series returned where one was expected; showing the highest:"
                f" {format_labels(dict(pane.labels) or {'pane': pane.slo.id})}" if len(got) > 1 else None)
        return SloSample(expr, value, sample_time=at, fetched_at=stime.now(), note=note)

    def query(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        """Every recorded pane of the query as one series, labelled with its id, as ``query_range``
        answers (Go/No-Go criteria, verify gates, PromQL steps): a criterion takes their worst."""
        got, missing = self._values(expr, at)
        if missing is None and not got and self._judged(expr):
            return []           # the recorded query answered no series then
        if missing is not None or not got:
            raise QueryError(missing.error if missing is not None and missing.error
                             else f"{self.history.incident_id} recorded no value of {expr!r} then")
        return [(dict(pane.labels) if pane.labels else {"pane": pane.slo.id} if len(got) > 1 else {}, value)
                for pane, value in got]

    def query_range(self, expr: str, start: float, end: float,
                    step: float) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
        """The recorded values at wall times ``start..end`` (a rehearsal's own history and PIR): one
        series per recorded pane of that query, labelled with its id. A reader folds them as it folds
        a source's series (``metric_history.fold``: the worst in its pane's direction), which gives
        each pane back its own recording: two panes of one query recorded the highest and the lowest
        of its series, and the highest of the two is the highest, the lowest the lowest. Answering
        with the first pane alone read a drop pane from the spike pane's curve."""
        panes = self._panes(expr)
        if not panes:
            raise ValueError(self.instant(expr).error)
        walls = [start + i * step for i in range(max(1, int((end - start) // step) + 1))]
        out = []
        for pane in panes:
            # held one grid step past the end (the step the end falls in: the recording's last value is read),
            # nothing after it: a rehearsal going on for hours recorded the frozen values as its own readings
            points = [(w, _value(pane, self.recorded_time(w)) if self._played(w) - self.history.end < step * self.speed
                       else None) for w in walls]
            out.append(({"pane": pane.slo.id}, [(w, v) for w, v in points if v is not None]))
        return out

    def slos(self) -> list[SloConfig]:
        return [p.slo for p in self.history.panes]

    def close(self) -> None:
        return None


def rehearsal_source(recorded: dict[str, Any], window: float = 1800.0) -> tuple[ReplaySource, float]:
    """The replay a rehearsal (an incident whose ``state.drill`` has ``replay``) was declared in, as it
    went on (its recording, speed and start): a headless command judges it by what its dashboard showed."""
    if not recorded.get("recording"):
        raise WarroomError(f"a rehearsal of {recorded.get('replay')} whose recording is not journaled")
    history = load_history(Path(str(recorded["recording"])))
    speed = float(recorded.get("speed") or history.time_scale)
    return ReplaySource.at(history, speed, window, recorded.get("replay_start")), speed
