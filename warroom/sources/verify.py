"""Verify gates: a step stays open until Prometheus confirms its effect, or the window runs out.

A step declares ``verify = "quota < 80 within 10m"``: on the left a pane id (its query and unit
are used) or any PromQL expression, then a comparison (``< <= > >= == !=``), a number, an
optional ``for`` hold and an optional ``within`` window (default 5m), in either order. The gate
passes once every series of the expression has satisfied the comparison at every instant of its
grid for the hold (``for 2m``; without it, the first instant that satisfies it) and fails when the
window ends first. The grid is in scenario time (``GRID``, 5 s), judged from the metric history
whenever anyone looks, so neither the drill's speed nor how often a watcher looks changes a verdict. A hold is what an SRE means by "it is fixed": a value that was already under the line
before the fix took effect, or dips under it once, does not pass a gate that asks for two
minutes.

Journal events: ``verify.started`` {step, step_id, expr, window, deadline, before}, then exactly one of
``verify.passed`` {step, step_id, expr, value, outside} or ``verify.failed`` {step, step_id, expr, value,
reason}. ``VerifyRun.check`` judges the instants since the last look (one query) for a UI timer
that shows the countdown; ``run_verify`` is the blocking loop for headless use; ``settle_open``
finishes gates left open when the app was closed, from the range of values over their window.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from warroom import scenario_time as stime
from warroom.config import SloConfig
from warroom.durations import format_duration
from warroom.runbook import gate as gate_syntax
from warroom.runbook import series as series_rule
from warroom.runbook.gate import NamedQuery
from warroom.scenario_time import Span
from warroom.sources.evidence import Appender, iso
from warroom.sources.freshness import stale_words
from warroom.sources.httpjson import parse_time
from warroom.sources.model import MetricSource
from warroom.units import format_stated, format_value
from warroom.paths import command

VERIFY_STARTED = "verify.started"
VERIFY_PASSED = "verify.passed"
VERIFY_FAILED = "verify.failed"
VERIFY_SUPERSEDED = "verify.superseded"      # given way to its step's re-run: closed with no outcome
STARTED_SEQ = "started_seq"
"""An outcome's field: the journal seq of the ``verify.started`` it settles. Two gates of one step can be open at
once (a teammate's re-run with ``--no-wait``): each outcome names its own, never the step's (attack42 A14)."""
DEFAULT_WINDOW = gate_syntax.DEFAULT_WINDOW
VerifyError = gate_syntax.GateSyntaxError
"""A verify expression that does not parse (the runbook format's own error)."""


@dataclass(frozen=True)
class VerifyGate:
    text: str
    left: str
    op: str
    threshold: float
    window: float
    slo: SloConfig | None = None       # set when the left side is a pane id
    hold: float = 0.0                  # seconds the comparison must keep holding
    measure: NamedQuery | None = None  # set when the left side is a query the runbook names
    lifted_by: tuple[str, ...] = ()    # the steps that end what it confirms on purpose (fence ``lifted_by``)
    mitigates: bool = True             # False: its pass checks the step took effect, not the mitigation (``mitigates``)

    @property
    def expr(self) -> str:
        """The PromQL the gate evaluates."""
        return self.slo.query if self.slo is not None else self.measure.promql if self.measure is not None \
            else self.left

    @property
    def unit(self) -> str:
        """The named query's or the pane's unit; a bare PromQL value has none."""
        return self.slo.unit if self.slo is not None else self.measure.unit if self.measure is not None \
            else "count"

    @property
    def title(self) -> str:
        """What the gate watches, in the words a commander reads: the named query's title, the
        pane's title, or (a bare expression) the PromQL as written."""
        return self.slo.title if self.slo is not None else self.measure.title if self.measure is not None \
            else self.left

    @property
    def bare(self) -> bool:
        """The left side is PromQL as written: it has no words of its own."""
        return self.slo is None and self.measure is None

    def show(self, value: float | None) -> str:
        """A value of this gate with its unit (``warroom.units``), "no value" when there is none; a
        ±Inf with what it is (``warroom.runbook.series``: "+Inf (a division by zero?)")."""
        if value is None:
            return "no value"
        return format_stated(value, self.unit, against=(self.threshold,))

    @property
    def wanted(self) -> str:
        """The comparison the gate asks for, e.g. ``< 75%``."""
        return f"{self.op} {format_value(self.threshold, self.unit)}"

    @property
    def said(self) -> str:
        """What the gate asks, in a commander's words: ``429 share (worst provider) < 10% for 2m``."""
        return gate_syntax.measure_words(self.title, self.wanted, self.hold)

    def words(self) -> dict[str, Any]:
        """What every journal event of this gate carries so any reader says what it watches
        without the runbook: the title, the unit, the comparison and the hold (scenario seconds
        in a drill, as written), the name of the runbook's query, the steps that lift it
        (``relapse``: what they end on purpose is no relapse) and, for a gate that only checks its step took
        effect, ``mitigates: false`` (its pass is no mitigation: ``reducers.monitoring``)."""
        return {"title": self.title, "unit": self.unit, "wanted": self.wanted, "hold": self.hold,
                **({"measure": self.measure.name} if self.measure is not None else {}),
                **({"lifted_by": list(self.lifted_by)} if self.lifted_by else {}),
                **({} if self.mitigates else {"mitigates": False})}

    def holds(self, value: float) -> bool:
        return series_rule.holds(value, self.op, self.threshold)

    def reading(self, values: list[float]) -> series_rule.Reading:
        """What the series of one evaluation say of the gate (``warroom.runbook.series``, the rule
        a Go/No-Go criterion follows too): all must hold, so one past the line decides; with any
        series unread (NaN) and none past it, nothing is decided."""
        return series_rule.deciding(values, self.op, self.threshold)

    def worst(self, values: list[float]) -> float:
        """The deciding value of ``reading``, NaN when nothing is decided."""
        value = self.reading(values).value
        return math.nan if value is None else value


def parse_verify(text: str, slos: Iterable[SloConfig] = (),
                 queries: Mapping[str, NamedQuery] | None = None) -> VerifyGate:
    """``"share_429 < 10 for 2m within 10m"`` → a gate; the left side is a query the runbook
    names (``queries``: ``Runbook.queries``), else a pane id, else PromQL. Raises VerifyError
    saying what was expected."""
    spec = gate_syntax.parse_gate(text)
    if isinstance(queries, gate_syntax.Queries) and spec.left in queries.refused:
        raise VerifyError(f"verify {spec.text!r}: the runbook declares query {spec.left!r} but it has errors"
                          f" (see `{command('runbooks', 'lint')}`): the gate cannot watch it")
    measure = (queries or {}).get(spec.left)
    slo = None if measure is not None else next((s for s in slos if s.id == spec.left), None)
    return VerifyGate(text=spec.text, left=spec.left, op=spec.op, threshold=spec.threshold,
                      window=spec.window, slo=slo, hold=spec.hold, measure=measure)


def journaled_gate(data: Mapping[str, Any], slos: Iterable[SloConfig] = ()) -> VerifyGate:
    """The gate a ``verify.started`` event opened, from the event alone: a gate on a runbook's
    named query is journaled with its title, unit and PromQL, so settling it after a restart
    watches what was watched, whatever runbook is loaded now."""
    text = str(data.get("expr") or "")
    name = data.get("measure")
    if name and data.get("query") and data.get("title"):
        measure = NamedQuery(str(name), str(data["title"]), str(data["query"]), str(data.get("unit") or "count"))
        gate = parse_verify(text, slos, {str(name): measure})
    else:
        gate = parse_verify(text, slos)
    # what the step's fence said of the gate, as opened: a gate settled after a restart journals the same words
    lifted = data.get("lifted_by")
    return replace(gate, lifted_by=tuple(str(n) for n in lifted if n) if isinstance(lifted, list) else (),
                   mitigates=data.get("mitigates") is not False)


def describe_gate(text: str, slos: Iterable[SloConfig] = (),
                  queries: Mapping[str, NamedQuery] | None = None) -> str:
    """What a step's gate will watch and for how long, in words, before the step runs:
    ``429 share (worst provider) < 10% held 2m00s, within 10m00s of the step ending ok``. A gate
    that does not parse says so (the run dialog must not hide it)."""
    try:
        gate = parse_verify(text, slos, queries)
    except VerifyError as exc:
        return f"{text} (cannot be checked: {exc})"
    what = gate.title
    held = f" held {format_duration(gate.hold)}" if gate.hold else ""
    return f"{what} {gate.wanted}{held}, within {format_duration(gate.window)} of the step ending ok"


@dataclass(frozen=True)
class VerifyCheck:
    status: Literal["pending", "passed", "failed", "superseded"]   # superseded: given way to a re-run's gate
    value: float | None
    remaining: float
    reason: str | None = None           # why it is not passing yet (or why it failed)
    held: float = 0.0                   # how long the comparison has held without a break
    hold: float = 0.0                   # how long it must hold (0: the first good check passes)
    confirmed_at: float | None = None   # a pass: the instant the metrics confirmed it (unix s), at or
                                        # before the look that found it
    outside: float | None = None        # the worst value seen past the line since the gate opened (None:
                                        # never seen past it): a pass after one is evidence of a recovery
    ended_at: float | None = None       # a failure: the instant its window ran out (unix s), what the verdict
                                        # is about however late anyone looked (a settle by a later command)


def _probe(gate: VerifyGate, source: MetricSource, at: float | None) -> tuple[float | None, str | None]:
    """(deciding value, problem) for one evaluation."""
    if gate.slo is not None:
        [sample] = source.fetch([gate.slo], at=at)
        if sample.error:
            return None, sample.error
        if sample.value is not None and math.isnan(sample.value):
            return None, "no data (NaN)"
        return sample.value, None if sample.value is not None else "no data"
    query = getattr(source, "query", None)
    if callable(query):
        try:
            series = query(gate.expr, at)
        except Exception as exc:  # any source's query error (QueryError, the drill's PromQLError) is the reason shown
            return None, str(exc)
        reading = gate.reading([s[1] for s in series])
        return reading.value, reading.problem
    sample = source.instant(gate.expr, at)
    if sample.error:
        return None, sample.error
    if sample.value is not None and math.isnan(sample.value):
        return None, "no data (NaN)"
    return sample.value, None if sample.value is not None else "no data"


def probe(gate: VerifyGate, source: MetricSource, at: float | None) -> tuple[float | None, str | None]:
    """(deciding value, problem) of ``gate``'s measure at ``at`` (None: the source's now): one
    evaluation, as a watcher's probe reads it. What a passed gate's measure is now
    (``warroom.incident.gate_reading.read_gates``) is read by the same rule as the pass."""
    return _probe(gate, source, at)


GRID = 5.0
"""Scenario seconds between two instants a gate judges (at least: a window holds at most 120 of
them), the drill world's own integration step. A gate is judged on the metric at these instants,
whenever anyone looks: the outcome is a fact about the metrics in the incident's (scenario) time,
never about how often a watcher probed on the wall clock (S26-12: at x1200 a 10-minute window is
half a wall second, and a watcher probing every 2 s saw one value before the window ended)."""


def grid(gate: VerifyGate, speed: float = 1.0) -> float:
    """Wall seconds between two instants ``gate`` is judged at, in a drill at ``speed``: the same
    grid for a live watch and for a gate settled after the fact, so both reach one verdict."""
    return stime.wall_seconds(max(GRID, gate.window / 120.0), speed if speed > 0 else 1.0)


class _Hold:
    """The hold's rule over judged instants, in order (one rule for a live watch and a settle):
    the gate passes at the first instant its comparison has held, unbroken, for the hold; a value
    past the line breaks the run and is remembered (``outside``); no value breaks it too (as an
    alerting rule's ``for`` restarts when its series is absent) but is no value past the line."""

    def __init__(self, gate: VerifyGate, hold: float, step: float) -> None:
        self.gate, self.hold = gate, hold
        self.slack = step / 100.0          # a unix time's float error, never a real instant's worth
        self.since: float | None = None    # the first instant of the unbroken run
        self.at: float | None = None       # the last instant judged
        self.value: float | None = None    # its value
        self.seen: float | None = None     # the last value judged (None: no instant had one)
        self.outside: float | None = None

    def held(self) -> float:
        """Wall seconds the comparison has held at the last instant judged."""
        return 0.0 if self.since is None or self.at is None else self.at - self.since

    def feed(self, at: float, value: float | None) -> bool:
        """Judge the instant ``at`` (its value, None: no data); True once the gate passed."""
        self.at, self.value = at, value
        self.seen = value if value is not None else self.seen
        if value is not None and self.gate.holds(value):
            self.since = at if self.since is None else self.since
            return self.held() >= self.hold - self.slack
        self.since = None
        if value is not None:
            self.outside = value if self.outside is None else self.gate.worst([self.outside, value])
        return False


def _read(gate: VerifyGate, source: MetricSource, walls: list[float], step: float) -> list[tuple[float | None, str | None]]:
    """The gate's deciding value (with the problem when there is none) at each of the unix times
    ``walls`` (``step`` apart), by the one series rule (``VerifyGate.reading``): one range query
    where the source has them, else one probe per instant. A range answers its values and ±Inf
    (a reading, as in an instant query), never NaN, so a series it names with no point at an
    instant (NaN, or not there then) has no reading there: it keeps the gate from passing, as a
    NaN series does in an instant query.
    Raises ``QueryError``/``ValueError`` (the drill's ``PromQLError``, a replay's unrecorded pane)
    when the source cannot answer: nothing is judged then."""
    if not walls:
        return []
    query_range = getattr(source, "query_range", None)
    if not callable(query_range):
        return _fresh_only(gate, source, walls, step, [_probe(gate, source, t) for t in walls])
    first = walls[0]
    range_aged = getattr(source, "range_aged", None)    # the values and their ages in one round trip
    if callable(range_aged):
        series, ages = range_aged(gate.expr, walls, step, slo=gate.slo)
    else:   # the end half a step past the last instant: a float's rounding never drops it from the range
        series, ages = query_range(gate.expr, first, walls[-1] + step / 2, step), None
    answered = [{round((t - first) / step): v for t, v in pts} for _labels, pts in series]
    out: list[tuple[float | None, str | None]] = []
    for i in range(len(walls)):
        reading = gate.reading([pts.get(i, math.nan) for pts in answered])
        out.append((reading.value, reading.problem))
    return _fresh_only(gate, source, walls, step, out, ages)


def _fresh_only(gate: VerifyGate, source: MetricSource, walls: list[float], step: float,
                read: list[tuple[float | None, str | None]],
                known: list[float | None] | None = None) -> list[tuple[float | None, str | None]]:
    """``read`` with every instant whose data a pane would call STALE (``freshness.stale_age``,
    asked of the source that knows its data's age: ``stale_ages``, or ``known`` when they came
    with the values) turned into no reading that says so: a frozen value under the line is not the
    metric holding, so it never counts toward a pass (it breaks a hold as no data does), and the
    gate's line says why it waits."""
    ages = getattr(source, "stale_ages", None)
    if (known is None and not callable(ages)) or all(v is None for v, _ in read):
        return read
    stale = known if known is not None else ages(gate.expr, walls, step, slo=gate.slo)
    return [(None, stale_words(age)) if age is not None and value is not None else (value, problem)
            for (value, problem), age in zip(read, stale, strict=True)]


class VerifyRun:
    """One gate being watched; ``check`` judges the instants up to now and says passed / pending
    / failed.

    ``speed``: a drill runs faster than the wall clock, and a gate's window and hold are in its
    (scenario) time, so both are divided by it. A check does not judge the value at the moment it
    looks: it judges, from the metric history, every instant it has not judged yet up to now and
    the deadline — the gate's opening, then every multiple of its grid (:func:`grid`, unix time
    aligned, so any two judges of one gate share their instants whatever each took for its
    opening moment). A watcher looking every 2 wall seconds on a drill at x1200 reaches the verdict
    one looking every millisecond would, and the one ``settle_open`` reaches after the fact.
    ``outside`` is the worst value judged past the line (``VerifyCheck.outside``: what tells a
    pass after a recovery from one on a measure that never left its line, ``gate_evidence.held_before``).
    """

    def __init__(self, gate: VerifyGate, source: MetricSource, started_at: float | None = None,
                 *, speed: float = 1.0, step: float | None = None) -> None:
        self.gate = gate
        self.source = source
        self.started_at = stime.now() if started_at is None else started_at
        self.speed = speed if speed > 0 else 1.0
        self.deadline = self.started_at + stime.wall_seconds(gate.window, self.speed)
        self.hold = stime.wall_seconds(gate.hold, self.speed)
        self.step = step or grid(gate, self.speed)
        self._hold = _Hold(gate, self.hold, self.step)
        self._judged: float | None = None      # the last instant judged
        self.started_seq: int | None = None    # the ``verify.started`` journaled for it (``journal_started``)
        self._problem: str | None = None
        self.passed_at: float | None = None
        """The instant the metrics confirmed the gate (unix), once they have."""
        self.last: VerifyCheck | None = None

    @property
    def outside(self) -> float | None:
        return self._hold.outside

    @property
    def last_value(self) -> float | None:
        """The last value an instant had (gaps after it do not hide it)."""
        return self._hold.seen

    def _span(self, wall_seconds: float) -> str:
        """A wall interval as the gate's own (scenario) time: ``held 5m00s drill time``."""
        return Span(wall_seconds, self.speed).text(wall=False)

    def instants(self, upto: float) -> list[float]:
        """The instants not judged yet, up to ``upto`` (unix): the opening first, then the grid's
        multiples after it; at most the window's 120 and the opening. A deadline read from a
        journal (a resumed or settled gate) that lies further than its window (edited, or a drill
        sped down since) widens the grid before anything is judged, so it stays 120 instants."""
        if self._judged is None and (self.deadline - self.started_at) / self.step > 240:
            self.step = (self.deadline - self.started_at) / 120
            self._hold.slack = self.step / 100.0
        after = self.started_at if self._judged is None else self._judged
        k = math.floor(after / self.step)
        while k * self.step <= after:
            k += 1
        out = [self.started_at] if self._judged is None and self.started_at <= upto else []
        while k * self.step <= upto:
            out.append(k * self.step)
            k += 1
        return out

    def judge(self, upto: float) -> str | None:
        """Judge the instants not judged yet up to ``upto``; the source's sentence when it could
        not answer (nothing is judged then: the history is still there when it is back)."""
        from warroom.sources.prometheus import QueryError

        walls = [] if self.passed_at is not None else self.instants(upto)
        if not walls:
            return None
        opening = walls[:1] if self._judged is None else []
        rest = walls[len(opening):]
        try:
            read = _read(self.gate, self.source, opening, self.step) + _read(self.gate, self.source, rest, self.step)
        except (QueryError, ValueError) as exc:   # the source's sentence (the drill's PromQLError is one)
            self._problem = str(exc)
            return self._problem
        if read[-1] == (None, "no data") and upto < self.deadline:
            walls, read = walls[:-1], read[:-1]   # the newest instant may not be in the source yet: next look
        for at, (value, problem) in zip(walls, read, strict=True):
            self._problem, self._judged = problem, at
            if self._hold.feed(at, value):
                self.passed_at = at
                break
        return None

    def check(self, now: float | None = None) -> VerifyCheck:
        now = stime.now() if now is None else now
        self.judge(min(now, self.deadline, stime.now()))     # never an instant the clock has not reached
        hold = self._hold
        value, problem, held = hold.value, self._problem, hold.held()
        remaining = max(0.0, self.deadline - now)
        holds = hold.since is not None
        if self.passed_at is not None:
            # the instant judged, however soon the look came after it: "mitigated" counts from it, the
            # one instant a settle of the same gate journals too (CLOCK-3: a look less than a grid step
            # late journaled none, and mitigated counted from the look)
            result = VerifyCheck("passed", value, remaining, held=held, hold=self.hold, outside=hold.outside,
                                 confirmed_at=self.passed_at)
        elif now >= self.deadline:
            why = problem or (f"held {self._span(held)} of {self._span(self.hold)}" if holds
                              else f"still {self.gate.show(value)} (wanted {self.gate.wanted})")
            result = VerifyCheck("failed", value, 0.0,
                                 f"window of {self._span(stime.wall_seconds(self.gate.window, self.speed))} ran out: {why}",
                                 held=held, hold=self.hold, ended_at=self.deadline)
        elif holds:
            # as of this look: the last instant judged is less than a grid step behind it, and the
            # header counts on from the look, so the hold shown never steps back between instants
            held = min(self.hold, held + max(0.0, min(now, self.deadline) - (hold.at or now)))
            result = VerifyCheck("pending", value, remaining,
                                 f"holding {self._span(held)} of {self._span(self.hold)}",
                                 held=held, hold=self.hold)
        else:
            result = VerifyCheck("pending", value, remaining, problem, held=0.0, hold=self.hold)
        self.last = result
        return result


def _ref(step: int | None, step_id: str, gate: VerifyGate, runbook_id: str | None) -> dict[str, Any]:
    """Which gate: the step (number and id) and the runbook it belongs to. Two attached runbooks
    can both have a step with this id, so a gate event names its runbook itself."""
    return ({"step": step, "step_id": step_id, "expr": gate.text} | gate.words()
            | ({"runbook_id": runbook_id} if runbook_id else {}))


def journal_started(journal: Appender, step: int | None, step_id: str, run: VerifyRun,
                    runbook_id: str | None = None, before_at: float | None = None) -> dict[str, Any]:
    """Journal the gate's opening. ``before_at``: when the step it verifies started; the measure
    then is journaled (``before``) with whether it already met the comparison: a gate that passes
    on a condition true before the step ran is no evidence the step worked (the fault may not have
    arrived yet), and the incident is not called mitigated on it (``reducers.monitoring``)."""
    # ``opened``: the instant the window opened, which the deadline counts from; the line itself is written after the
    # ``before`` probe, and under load (6.4 s seen) that is past a fast drill's deadline: a settle from the line's
    # time judged no instant of the window and said "no data" of a gate the world met (``open_gates``)
    data = {**_ref(step, step_id, run.gate, runbook_id), "window": run.gate.window, "deadline": iso(run.deadline),
            "opened": iso(run.started_at), "query": run.gate.expr}
    if before_at is not None:
        value, _ = _probe(run.gate, run.source, before_at)
        if value is not None:
            data["before"] = {"at": iso(before_at), "value": value, "value_text": run.gate.show(value),
                              "holds": run.gate.holds(value)}
    appended = journal.append(VERIFY_STARTED, data)
    run.started_seq = getattr(appended, "seq", None)       # None: refused (another watcher's gate exists)
    return data


def journal_outcome(journal: Appender, step: int | None, step_id: str, gate: VerifyGate,
                    check: VerifyCheck, runbook_id: str | None = None,
                    started_seq: int | None = None) -> dict[str, Any]:
    """Journal the gate's outcome; ``started_seq``: the ``verify.started`` it settles (:data:`STARTED_SEQ`)."""
    # ±Inf is journaled (in its "+Inf" form, ``warroom.journal.numbers``); NaN is no value
    value = check.value if check.value is not None and not math.isnan(check.value) else None
    shown = {"value_text": gate.show(value)} if value is not None else {}
    own = {STARTED_SEQ: started_seq} if started_seq is not None else {}
    if check.status == "passed":
        data = {**_ref(step, step_id, gate, runbook_id), "value": value, **shown, **own}
        if check.reason:   # how it was confirmed, e.g. after the fact from the metric history
            data["how"] = check.reason
        if check.confirmed_at is not None:   # when: what "mitigated" counts from, not the look's time
            data["confirmed_at"] = iso(check.confirmed_at)
        if check.outside is not None and not math.isnan(check.outside):   # it left its line (+Inf too) and came back
            data["outside"] = {"value": check.outside, "value_text": gate.show(check.outside)}
        journal.append(VERIFY_PASSED, data)
    else:
        data = {**_ref(step, step_id, gate, runbook_id), "value": value, **shown, **own,
                "reason": check.reason or "not confirmed"}
        if check.ended_at is not None:      # when its window ran out: the timeline's instant, not the look's
            data["ended_at"] = iso(check.ended_at)
        journal.append(VERIFY_FAILED, data)
    return data


def run_verify(journal: Appender, step: int | None, step_id: str, gate: VerifyGate,
               source: MetricSource, *, every: float = 5.0, cancel: threading.Event | None = None,
               on_check: Callable[[VerifyCheck], None] | None = None, speed: float = 1.0,
               resume: OpenGate | None = None, leave_open: bool = False,
               runbook_id: str | None = None, before_at: float | None = None) -> VerifyCheck | None:
    """Blocking: journal ``verify.started``, probe every ``every`` seconds, journal the outcome.

    ``resume``: a gate the journal already shows open (its start and deadline are kept, nothing
    is journaled at the start). ``cancel`` set → failed with reason "cancelled", or, with
    ``leave_open``, no outcome at all and ``None`` returned: a dashboard that quits has not
    cancelled the verification, and the next one settles it. Bounded by the gate's window, in
    drill time and in real seconds: a drill clock pinned by ``$WARROOM_DRILL_AT`` never reaches the
    window's end, so after the window's real seconds the gate is left open, with a pending check
    that says it was not judged (never "ran out": no drill time passed).
    """
    run = VerifyRun(gate, source, started_at=resume.started_at if resume is not None else None, speed=speed)
    if resume is not None:
        run.deadline = resume.deadline
        started: Mapping[str, Any] | None = resume.started
    else:
        started = journal_started(journal, step, step_id, run, runbook_id, before_at)
    cancel = cancel or threading.Event()
    # the window in real seconds too: with the clock pinned ($WARROOM_DRILL_AT) it never moves
    bound = time.monotonic() + max(0.0, run.deadline - stime.now()) + every
    while True:
        if time.monotonic() >= bound and stime.now() < run.deadline and stime.pinned():
            # the drill's clock stood still while the window's real seconds passed: nothing can say
            # the window ran out (no drill time passed), so no outcome is journaled: the gate stays
            # open for a look on a clock that moves (the next run, the dashboard, resolve's settle)
            check = VerifyCheck("pending", run.last.value if run.last else None, run.deadline - stime.now(),
                                f"not judged: the drill clock is pinned at {iso(stime.now())} ($WARROOM_DRILL_AT),"
                                f" so its window of {run._span(stime.wall_seconds(gate.window, speed))} cannot"
                                " run; the gate stays open")
            return check
        check = run.check(None if time.monotonic() < bound else max(stime.now(), run.deadline))
        if on_check is not None:
            on_check(check)
        if check.status != "pending":
            break
        if cancel.wait(min(every, max(0.05, run.deadline - stime.now()))):
            if leave_open:
                return None
            check = VerifyCheck("failed", check.value, max(0.0, run.deadline - stime.now()), "cancelled")
            break
    if check.status == "passed" and check.outside is None:
        check = replace(check, outside=broke_since(gate, source, started, stime.now(), speed=speed))
    journal_outcome(journal, step, step_id, gate, check, runbook_id or (resume.runbook_id if resume else None),
                    resume.seq if resume is not None else run.started_seq)
    return check


@dataclass(frozen=True)
class OpenGate:
    """A ``verify.started`` with no outcome yet (found when an incident is resumed)."""

    step: int | None
    step_id: str
    text: str
    started_at: float
    deadline: float
    runbook_id: str | None = None       # None: journaled before gate events named their runbook
    started: Mapping[str, Any] | None = None   # the ``verify.started`` data (what it watches)
    seq: int | None = None              # the ``verify.started``'s journal seq: what its outcome names

    def said(self, slos: Iterable[SloConfig] = ()) -> str:
        """What it asks, in words (``VerifyGate.said``); the text as written if it does not parse."""
        try:
            return self.gate(slos).said
        except VerifyError:
            return self.text

    def gate(self, slos: Iterable[SloConfig] = ()) -> VerifyGate:
        """The gate as it was opened (``journaled_gate``): a named query's PromQL from the
        journal, not from whatever runbook is loaded now."""
        return journaled_gate(self.started or {"expr": self.text}, slos)


def open_gates(events: Iterable[Any]) -> list[OpenGate]:
    """Every ``verify.started`` with no outcome yet. An outcome settles the start it names
    (:data:`STARTED_SEQ`); one journaled before outcomes named it, the gate of its step and expression. A gate
    superseded by its step's re-run (``verify.superseded``, naming it) is closed: nobody watches nor settles it."""
    started: dict[tuple[str, str, str], OpenGate] = {}
    for ev in events:
        d = ev.data
        key = (str(d.get("runbook_id") or ""), str(d.get("step_id")), str(d.get("expr")))
        if ev.type == VERIFY_STARTED:
            deadline = parse_time(d.get("deadline"))
            ts = ev.ts.timestamp() if hasattr(ev.ts, "timestamp") else parse_time(ev.ts)
            opened = parse_time(d.get("opened"))     # journaled since stop 52; before, the line's time
            ts = opened if opened is not None and (ts is None or opened <= ts) else ts
            if deadline is not None and ts is not None:
                started[key] = OpenGate(d.get("step"), key[1], key[2], ts, deadline, d.get("runbook_id") or None,
                                        dict(d), getattr(ev, "seq", None))
        elif ev.type in (VERIFY_PASSED, VERIFY_FAILED, VERIFY_SUPERSEDED):
            own = d.get(STARTED_SEQ)
            key = next((k for k, g in started.items() if g.seq == own), None) if isinstance(own, int) else key
            started.pop(key, None) if key is not None else None
    return list(started.values())


def settle_open(journal: Appender, events: Iterable[Any], source: MetricSource,
                slos: list[SloConfig], *, now: float | None = None,
                step: float | None = None, speed: float = 1.0) -> list[tuple[OpenGate, VerifyCheck | None]]:
    """Finish gates whose window ended while nobody watched, from the values over the window.

    Passed if the points in [start, deadline] satisfied the gate for its hold (with the value
    that completed it), else failed. Gates still inside their window are returned with ``None``
    for the caller to resume watching (``VerifyRun(gate, source, started_at=g.started_at)``
    with ``deadline = g.deadline``). ``speed``: a drill's hold is in scenario time (the journaled
    deadline already is).
    """
    now = stime.now() if now is None else now
    out: list[tuple[OpenGate, VerifyCheck | None]] = []
    for g in open_gates(events):
        if g.deadline > now:
            out.append((g, None))
            continue
        try:
            gate = g.gate(slos)
        except VerifyError as exc:
            check = VerifyCheck("failed", None, 0.0, str(exc))
            journal_outcome(journal, g.step, g.step_id, VerifyGate(g.text, g.text, "==", 0, 1), check, g.runbook_id,
                            g.seq)
            out.append((g, check))
            continue
        check = _settle_from_range(gate, source, g, step, speed=max(speed, 1e-9))
        if check.status == "passed" and check.outside is None:     # the step's run before the gate opened
            check = replace(check, outside=broke_since(gate, source, g.started, g.started_at, speed=max(speed, 1e-9)))
        journal_outcome(journal, g.step, g.step_id, gate, check, g.runbook_id, g.seq)
        out.append((g, check))
    return out


def settle_held(journal: Appender, events: Iterable[Any], source: MetricSource, slos: list[SloConfig],
                key: tuple[str, str], *, now: float | None = None, speed: float = 1.0) -> list[OpenGate]:
    """Before a re-run of step ``key`` opens its own gate: each gate of the step still open whose hold the metric
    history already completed by ``now`` is journaled passed (as a watcher would have written it), so only a gate
    truly unsettled gives way to the re-run's (``verify_events.superseding``). attack43 A6: a gate met 100 drill seconds
    before the re-run, lacking only a watcher to write it, was "superseded … never settled nor counted". One still
    short of its hold is left open; a source that cannot answer settles nothing."""
    now = stime.now() if now is None else now
    out: list[OpenGate] = []
    for g in open_gates(events):
        if (g.runbook_id or "", g.step_id) not in (key, ("", key[1])) or g.deadline <= now:
            continue        # another step's, or one whose window ended: ``settle_open``'s
        try:
            gate = g.gate(slos)
        except VerifyError:
            continue
        run = VerifyRun(gate, source, started_at=g.started_at, speed=max(speed, 1e-9))
        run.deadline = g.deadline
        if run.judge(now) is not None or run.passed_at is None:
            continue
        check = VerifyCheck("passed", run.last_value, 0.0, f"confirmed at {iso(run.passed_at)} (checked when the"
                            " step ran again)", confirmed_at=run.passed_at, outside=run.outside)
        if check.outside is None:
            check = replace(check, outside=broke_since(gate, source, g.started, g.started_at, speed=max(speed, 1e-9)))
        journal_outcome(journal, g.step, g.step_id, gate, check, g.runbook_id, g.seq)
        out.append(g)
    return out


def _history(gate: VerifyGate, source: MetricSource, start: float, end: float,
             step: float | None, speed: float) -> dict[float, list[float]]:
    """The gate's expression over [start, end] (wall), every series' value by instant. Raises
    ``QueryError`` when the source cannot answer."""
    span = max(stime.wall_seconds(1.0, speed), end - start)
    # Prometheus gets a sane step (5 s of its time: a drill sped up x600 has a 10 m window in
    # one wall second, so its floor is 5 s of scenario time); a source without ranges is probed
    # at 120 instants across the window, and so is the drill's (its range query is exact at any
    # step: it keeps the fine grid).
    coarse = callable(getattr(source, "query_range", None)) and not getattr(source, "exact_history", False)
    resolution = step or (max(stime.wall_seconds(5.0, speed), span / 120.0) if coarse else span / 120.0)
    points: dict[float, list[float]] = {}
    query_range = getattr(source, "query_range", None)
    if callable(query_range):
        for _labels, pts in query_range(gate.expr, start, end, resolution):
            for t, v in pts:
                points.setdefault(t, []).append(v)
    else:  # a source without ranges: probe the instants one by one
        t = start
        while t <= end:
            value, _ = _probe(gate, source, t)
            if value is not None:
                points[t] = [value]
            t += resolution
    return points


def broke_since(gate: VerifyGate, source: MetricSource, started: Mapping[str, Any] | None, until: float,
                *, speed: float = 1.0) -> float | None:
    """For a pass no check saw broken: the worst value past the line in the metric history from
    the step's start (``verify.started``'s ``before``, when it held then) to ``until``, None when
    there is none (or the history cannot be read: no break is claimed). A watcher sees only its
    own checks: not the step's run before the gate opened, nor what went before it took over an
    open gate; the history does (``gate_evidence.held_before`` reads the ``outside`` this gives)."""
    from warroom.sources.prometheus import QueryError

    before = (started or {}).get("before")
    since = parse_time(before.get("at")) if isinstance(before, Mapping) and before.get("holds") is True else None
    if since is None or until <= since:
        return None
    try:
        points = _history(gate, source, since, until, None, speed)
    except (QueryError, ValueError):     # Prometheus's error; the drill's PromQLError, a replay's
        return None                      # unrecorded pane: no break is claimed, the checks' verdict stands
    past = [v for vals in points.values() if not math.isnan(v := gate.worst(vals)) and not gate.holds(v)]
    return gate.worst(past) if past else None


def crossed(gate: VerifyGate, source: MetricSource, since: float, until: float, *, past: bool,
            speed: float = 1.0) -> tuple[float, float] | None:
    """(instant, deciding value): when ``gate``'s measure last came to read past its line (``past``) or within it,
    by ``until`` (unix), after ``since``: the first instant of the unbroken stretch of such readings that ends at
    ``until`` in the metric history (an instant with no value breaks nothing: not known is no change), found on the
    history's own grid, then on the gate's (``GRID``: five scenario seconds) between the last instant that read
    otherwise and it. None when the history cannot be read or holds no such reading after ``since``. A look sees a
    relapse when someone looks (``gate_relapse``: at x60, twenty drill minutes after the routing was undone); the
    history says when it happened, as :func:`broke_since` reads it for a pass."""
    from warroom.sources.prometheus import QueryError

    def stretch(points: dict[float, list[float]]) -> tuple[float | None, tuple[float, float] | None]:
        """(the last instant that read otherwise, the stretch's first instant and value) of ``points``."""
        first: tuple[float, float] | None = None
        for t in sorted(points, reverse=True):
            if t <= since or t > until:
                continue
            value = gate.worst(points[t])
            if math.isnan(value):
                continue
            if gate.holds(value) == past:      # reads otherwise: the stretch begins after it
                return t, first
            first = (t, value)
        return None, first

    try:
        lo, first = stretch(_history(gate, source, since, until, None, speed))
        fine = stime.wall_seconds(GRID, speed if speed > 0 else 1.0)
        if first is not None and lo is not None and first[0] - lo > fine * 1.01:
            _, finer = stretch(_history(gate, source, lo, first[0], fine, speed))
            first = finer or first
    except (QueryError, ValueError):     # Prometheus's error; the drill's PromQLError, a replay's unrecorded pane
        return None
    return first


def flaps(gate: VerifyGate, source: MetricSource, since: float, until: float, *,
          speed: float = 1.0) -> list[tuple[float, float, float, float]]:
    """Each stretch of ``gate``'s measure read past its line after ``since`` that came back within it before
    ``until`` (unix), in time order: (its first instant, value; the first instant back within, value), on the metric
    history's own grid (an instant with no value breaks nothing). What a look that finds the measure past its line
    now would not say of it: the mitigation failed, held again, and failed again between two looks (attack53 A1: one
    line dated at the last crossing, the first failure in no line and not in the PIR). [] when none, or when the
    history cannot be read (the look's own line is dated as :func:`crossed` can)."""
    from warroom.sources.prometheus import QueryError

    try:
        points = _history(gate, source, since, until, None, speed)
    except (QueryError, ValueError):
        return []
    out: list[tuple[float, float, float, float]] = []
    began: tuple[float, float] | None = None
    for t in sorted(points):
        if t <= since or t >= until or math.isnan(value := gate.worst(points[t])):
            continue
        if not gate.holds(value):
            began = began or (t, value)
        elif began is not None:
            out.append((*began, t, value))
            began = None
    return out


def _settle_from_range(gate: VerifyGate, source: MetricSource, g: OpenGate,
                       step: float | None, *, speed: float = 1.0) -> VerifyCheck:
    """A gate nobody watched to its end, judged as a live watch judges it (``VerifyRun.judge``:
    the same instants, the same rule), so a watcher's verdict and this one are the same."""
    run = VerifyRun(gate, source, started_at=g.started_at, speed=speed, step=step)
    run.deadline = g.deadline
    problem = run.judge(g.deadline)
    if problem is not None:
        return VerifyCheck("failed", None, 0.0, f"could not check after the fact: {problem}")
    if run.passed_at is not None:
        return VerifyCheck("passed", run.last_value, 0.0, f"confirmed at {iso(run.passed_at)} (checked after the fact)",
                           confirmed_at=run.passed_at, outside=run.outside)
    last = run.last_value
    return VerifyCheck("failed", last, 0.0,
                       f"window of {stime.of_drill(gate.window, speed).text(wall=False)} ran out: "
                       f"{'no data' if last is None else f'last {gate.show(last)}'} (wanted {gate.wanted}"
                       f"{f' for {stime.of_drill(gate.hold, speed).text(wall=False)}' if gate.hold else ''};"
                       " checked after the fact)", ended_at=g.deadline)
