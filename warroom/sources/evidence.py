"""Metric evidence per step: SLO values just before a step runs and at set offsets after it ends.

"rollout undo 14:02 → 5xx 4.1% → 0.3%" on the timeline and in the PIR is the proof that a step
helped (or did not). The values are ``evidence.recorded`` journal events, so they survive a
crash and are rebuilt like everything else:

- ``record_before`` when a step starts (the incident engine calls it; the same values also go
  into ``step.started``'s ``evidence_before``);
- ``record_due`` from a periodic worker: it reads the journal, finds every finished step whose
  ``execute.evidence_after`` offsets have come due without a recorded value, and records them,
  querying Prometheus *as of the due time* (``at=``). An app that was closed at the due time
  therefore back-fills exactly the values it would have seen, the next time it runs.

Values are judged with ``warroom.sources.evaluate`` so the evidence says ok/warn/crit the way
the panes did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from warroom import scenario_time as stime
from warroom.config import SloConfig
from warroom.durations import parse_duration
from warroom.journal import numbers
from warroom.scenario_time import Span
from warroom.sources.evaluate import evaluate
from warroom.units import format_stated
from warroom.sources.httpjson import parse_time
from warroom.sources.model import MetricSource, SloSample

EVIDENCE = "evidence.recorded"
STEP_STARTED = "step.started"
STEP_FINISHED = "step.finished"
#: Short pane names for the one-line timeline form; other panes use their id.
SHORT_NAMES = {"failure_rate": "failures", "p95_latency": "p95", "quota": "quota",
               "error_5xx": "5xx", "audit_gap": "audit gap"}


class Appender(Protocol):
    def append(self, type_: str, data: dict[str, Any] | None = None) -> Any: ...


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def capture(source: MetricSource | None, slos: list[SloConfig], at: float | None = None,
            stale_after: float = 60.0) -> dict[str, dict[str, Any]]:
    """Every pane's value now (or as of ``at``): ``{slo_id: {value, unit, state}}``.

    Never raises: a dead source gives ``state: "error"`` with the reason, which is evidence too.
    """
    when = stime.now() if at is None else at
    if source is None:
        samples = [SloSample(s.id, None, fetched_at=when, error="no metric source") for s in slos]
    else:
        samples = source.fetch(slos, at=at)
    out: dict[str, dict[str, Any]] = {}
    for r in evaluate(slos, samples, stale_after=stale_after, now=when):
        # ±Inf is the pane's reading (CRIT "+Inf"), journaled in its "+Inf" form; NaN is NO DATA
        entry: dict[str, Any] = {"value": numbers.sample(r.value), "unit": r.slo.unit, "state": r.state}
        if r.error:
            entry["error"] = r.error
        out[r.slo.id] = entry
    return out


def record_before(journal: Appender, step: int | None, step_id: str, source: MetricSource | None,
                  slos: list[SloConfig], *, at: float | None = None,
                  started_seq: int | None = None, runbook_id: str | None = None,
                  stale_after: float) -> dict[str, Any]:
    """Journal the values just before a step runs; returns the event data. ``stale_after`` is the
    panes' own (``prometheus.stale_after``), never a default: a value the pane shows OK is not
    journaled STALE, nor the other way round."""
    when = stime.now() if at is None else at
    data: dict[str, Any] = {"step": step, "step_id": step_id, "when": "before", "offset": 0.0,
                            "at": iso(when), "values": capture(source, slos, at, stale_after=stale_after)}
    if runbook_id:
        data["runbook_id"] = runbook_id
    if started_seq is not None:
        data["started_seq"] = started_seq
    journal.append(EVIDENCE, data)
    return data


@dataclass(frozen=True)
class DueEvidence:
    """An "after" value owed for one run of one step."""

    step: int | None
    step_id: str
    finished_seq: int
    ended_at: float
    offset: float
    runbook_id: str | None = None

    @property
    def due_at(self) -> float:
        return self.ended_at + self.offset


def offsets_from(config_values: Iterable[str | float]) -> list[float]:
    """``execute.evidence_after`` ("5m", "15m") as sorted seconds."""
    return sorted({parse_duration(v) for v in config_values})


def due_evidence(events: Iterable[Any], offsets: list[float], now: float | None = None) -> list[DueEvidence]:
    """Finished steps that change things whose after-values have come due and are not yet in the
    journal. A read-only step is owed none: nothing it did can move a pane, and an after-value
    next to it would read as its effect (a triage query "cutting the quota by 15 points")."""
    now = stime.now() if now is None else now
    finished: list[tuple[int, dict[str, Any]]] = []
    have: set[tuple[int, float]] = set()
    have_legacy: set[tuple[str, float]] = set()
    read_only: set[tuple[str, str]] = set()
    for ev in events:
        if ev.type == STEP_STARTED and ev.data.get("mutating") is False:
            read_only.add((str(ev.data.get("step_id")), str(ev.data.get("output"))))
        elif ev.type == STEP_FINISHED:
            if (str(ev.data.get("step_id")), str(ev.data.get("output"))) in read_only:
                continue
            finished.append((ev.seq, ev.data))
        elif ev.type == EVIDENCE and ev.data.get("when") == "after":
            off = float(ev.data.get("offset") or 0.0)
            if ev.data.get("finished_seq") is not None:
                have.add((int(ev.data["finished_seq"]), off))
            else:
                have_legacy.add((str(ev.data.get("step_id")), off))
    out: list[DueEvidence] = []
    for seq, data in finished:
        ended = parse_time(data.get("ended_at"))
        if ended is None or data.get("status") == "interrupted":
            continue
        for off in offsets:
            if (seq, off) in have or (str(data.get("step_id")), off) in have_legacy:
                continue
            if ended + off <= now:
                out.append(DueEvidence(data.get("step"), str(data.get("step_id")), seq, ended, off,
                                       data.get("runbook_id")))
    return sorted(out, key=lambda d: d.due_at)


def record_due(journal: Appender, events: Iterable[Any], source: MetricSource | None,
               slos: list[SloConfig], offsets: list[float], *, now: float | None = None,
               stale_after: float = 60.0) -> list[dict[str, Any]]:
    """Record every owed after-value, each queried as of its due time; returns the event data.

    Blocking (a worker calls it every refresh or so). Values that are owed but whose source is
    down are recorded anyway, with ``state: "error"``: the journal says we tried, and when.
    """
    now = stime.now() if now is None else now
    written: list[dict[str, Any]] = []
    for due in due_evidence(events, offsets, now):
        values = capture(source, slos, at=due.due_at, stale_after=stale_after)
        data = {"step": due.step, "step_id": due.step_id, "when": "after", "offset": due.offset,
                "at": iso(due.due_at), "finished_seq": due.finished_seq,
                "backfilled": now - due.due_at > max(60.0, stale_after), "values": values}
        if due.runbook_id:
            data["runbook_id"] = due.runbook_id
        once = getattr(journal, "append_once", None)
        if callable(once):
            # Two dashboards (two hosts on a shared incident) can both see this value fall due
            # and query it: the append is judged again against the journal as it is then.
            if once(_unless_recorded(journal, due.finished_seq, due.offset, data)) is None:
                continue
        else:
            journal.append(EVIDENCE, data)
        written.append(data)
    return written


def _unless_recorded(journal: Any, finished_seq: int, offset: float,
                     data: dict[str, Any]) -> Callable[[Any], tuple[str, dict[str, Any]] | None]:
    """For ``append_once``: the evidence event, unless that run's value at that offset is in the
    journal already (someone else recorded it since it was found owed)."""
    def todo(_state: Any) -> tuple[str, dict[str, Any]] | None:
        for e in journal.read().events:
            if e.type == EVIDENCE and e.data.get("when") == "after" and e.data.get("finished_seq") == finished_seq \
                    and float(e.data.get("offset") or 0) == float(offset):
                return None
        return EVIDENCE, data
    return todo


# ---------------------------------------------------------------------------------- reading back


@dataclass(frozen=True)
class StepEvidence:
    """One step run with its before/after values; what the timeline and the PIR show."""

    step: int | None
    step_id: str
    label: str
    command: str | None
    started_at: float | None
    ended_at: float | None
    before: dict[str, dict[str, Any]]
    after: tuple[tuple[float, dict[str, dict[str, Any]]], ...]   # (offset, values), by offset

    def text(self, slos: list[SloConfig], tz: Any = None, limit: int = 2, speed: float = 1.0) -> str:
        return format_evidence(self, slos, tz=tz, limit=limit, speed=speed)


def collect(events: Iterable[Any]) -> list[StepEvidence]:
    """Group evidence events with the step runs they belong to, in journal order."""
    runs: list[dict[str, Any]] = []
    open_by_step: dict[str, dict[str, Any]] = {}
    by_finished: dict[int, dict[str, Any]] = {}
    early_before: dict[str, dict[str, Any]] = {}   # "before" journaled ahead of step.started
    for ev in events:
        d = ev.data
        step_id = str(d.get("step_id"))
        if ev.type == STEP_STARTED:
            # The evidence event carries states; step.started's evidence_before may be bare values.
            flat = early_before.pop(step_id, None) or d.get("evidence_before") or {}
            run = {"step": d.get("step"), "step_id": step_id, "label": d.get("label") or "",
                   "command": d.get("command"), "started_at": _ts(ev), "ended_at": None,
                   "before": {k: numbers.reading(v) for k, v in flat.items()},
                   "after": {}}
            runs.append(run)
            open_by_step[step_id] = run
        elif ev.type == STEP_FINISHED:
            run = open_by_step.pop(step_id, None)
            if run is not None:
                run["ended_at"] = parse_time(d.get("ended_at"))
                by_finished[ev.seq] = run
        elif ev.type == EVIDENCE and d.get("when") == "before":
            run = open_by_step.get(step_id)
            if run is None:
                early_before[step_id] = _readings(d.get("values"))
            else:
                run["before"] = _readings(d.get("values")) or run["before"]
        elif ev.type == EVIDENCE:
            fseq = d.get("finished_seq")
            run = by_finished.get(int(fseq)) if fseq is not None else None
            if run is None:
                run = next((r for r in reversed(runs) if r["step_id"] == step_id), None)
            if run is not None:
                run["after"][float(d.get("offset") or 0.0)] = _readings(d.get("values"))
    return [StepEvidence(r["step"], r["step_id"], r["label"], r["command"], r["started_at"],
                         r["ended_at"], r["before"], tuple(sorted(r["after"].items())))
            for r in runs if r["before"] or r["after"]]


def _readings(values: Any) -> dict[str, dict[str, Any]]:
    """An evidence line's values, each pane's read by the journal's codec ("+Inf" is inf)."""
    return {str(k): numbers.reading(v) for k, v in values.items()} if isinstance(values, dict) else {}


def _ts(ev: Any) -> float | None:
    ts = getattr(ev, "ts", None)
    if isinstance(ts, datetime):
        return ts.timestamp()
    return parse_time(ts) if isinstance(ts, str) else None


def _pick_panes(ev: StepEvidence, slos: list[SloConfig], limit: int) -> list[SloConfig]:
    """Panes worth a mention: any that was not ok before or after, else the biggest mover."""
    def states(slo_id: str) -> list[str]:
        out = [ev.before.get(slo_id, {}).get("state")]
        out += [vals.get(slo_id, {}).get("state") for _, vals in ev.after]
        return [s for s in out if s]

    bad = [s for s in slos if any(st in ("warn", "crit") for st in states(s.id))]
    if bad:
        bad.sort(key=lambda s: 0 if "crit" in states(s.id) else 1)
        return bad[:limit]

    def change(slo: SloConfig) -> float:
        b = ev.before.get(slo.id, {}).get("value")
        a = ev.after[-1][1].get(slo.id, {}).get("value") if ev.after else None
        if b is None or a is None:
            return -1.0
        return abs(a - b) / (abs(b) or 1.0)

    movers = sorted((s for s in slos if change(s) > 0), key=change, reverse=True)
    return movers[:1]


def format_evidence(ev: StepEvidence, slos: list[SloConfig], tz: Any = None, limit: int = 2,
                    speed: float = 1.0) -> str:
    """``rollout undo 14:02 → 5xx 4.1% → 0.3%`` (offsets named when there are several; a
    drill's, recorded in wall seconds, read as drill time: ``+5m00s drill time``)."""
    label = ev.label or ev.command or ev.step_id
    when = ev.started_at if ev.started_at is not None else ev.ended_at
    head = label
    if when is not None:
        head += " " + datetime.fromtimestamp(when, tz=tz or timezone.utc).strftime("%H:%M")
    panes = _pick_panes(ev, slos, limit)
    if not panes:
        return head
    parts = []
    for slo in panes:
        name = SHORT_NAMES.get(slo.id, slo.id)
        chain = [_val(ev.before.get(slo.id), slo.unit)]
        for off, vals in ev.after:
            v = _val(vals.get(slo.id), slo.unit)
            chain.append(v if len(ev.after) == 1 else f"{v} (+{Span(off, speed).text(wall=False)})")
        parts.append(f"{name} " + " → ".join(chain))
    return f"{head} → " + "; ".join(parts)


def _val(entry: dict[str, Any] | None, unit: str) -> str:
    if not entry:
        return "?"
    if entry.get("value") is None:
        return {"error": "unknown", "nodata": "no data"}.get(str(entry.get("state")), "?")
    return format_stated(float(entry["value"]), entry.get("unit") or unit)
