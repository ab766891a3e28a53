"""The incident's decisions judged through its sources: the runbooks whose decisions it has, the
step outputs and metric queries criteria read (one query per expression per look), and the
decision blocks that could not be read."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warroom.errors import WarroomError
from warroom.incident.decisions.criteria import OUTPUT_TAIL
from warroom.incident.decisions.judging import evaluate, judged_moment
from warroom.incident.decisions.model import DecisionView, StaleReading, StepOutput
from warroom.incident.decisions.reversals import Reversals, drill_actions, drill_world
from warroom.runbook.criterion_query import on_panes, pane_queries
from warroom.runbook.decision import Decision


def step_output_reader(incident_dir: Path, state: Any, runbook_id: str) -> Callable[[str], StepOutput | None]:
    """The last run of a step of ``runbook_id`` (by step id or number): its status and the tail
    of its stored (redacted) output; None when it never ran (a dry run is not a run)."""
    def read(step: str) -> StepOutput | None:
        for st in state.steps.values():
            if getattr(st, "runbook_id", runbook_id) != runbook_id:
                continue
            if step not in (st.step_id, str(st.step)):
                continue
            run = st.last_run
            if run is None:
                return None
            status = str(getattr(run, "status", None) or "running")
            seq, code, ended = getattr(run, "seq", None), getattr(run, "exit_code", None), getattr(run, "ended_at", None)
            if not run.output:
                return StepOutput(None, status, seq, code, ended)
            try:
                with open(incident_dir / run.output, "rb") as fh:
                    fh.seek(0, 2)
                    fh.seek(max(0, fh.tell() - OUTPUT_TAIL))
                    return StepOutput(fh.read().decode("utf-8", errors="replace"), status, seq, code, ended)
            except OSError:
                return StepOutput(None, status, seq, code, ended)
        return None
    return read


def evaluate_all(incident: Any, state: Any, runbooks: Sequence[Any], source: Any | None,
                 now: datetime, *, criteria: bool = True) -> list[DecisionView]:
    """Every decision of ``runbooks`` judged now; metrics through ``source`` (drill or Prometheus).
    ``criteria=False``: only the ``applies_when`` conditions (one query each at most: what the
    dashboard's periodic overdue check needs). Blocking (queries): call it off the event loop."""
    now = judged_moment(state, now)                  # a resolved incident: at its resolution
    query = metric_query(incident, source, now)
    slos = getattr(getattr(incident, "config", None), "slo", None) or ()
    panes = pane_queries(slos)
    typed = typed_reader(incident, state, runbooks, now)
    # what undid a step's run since (redteam51 R6): later runs, and in a drill its stand-ins' record, read once when a
    # criterion first asks (never by ``criteria=False``'s conditions)
    undone = Reversals(state, now, drill_actions(state), drill_world(state)).undone_by
    return [evaluate(on_panes(d, panes), rb_id, state, now, query=query,
                     step_output=step_output_reader(Path(incident.dir), state, rb_id), criteria=criteria,
                     typed=lambda ref, rb_id=rb_id: typed(rb_id, ref), undone=undone)
            for rb_id, d in decisions_of(runbooks)]


def metric_query(incident: Any, source: Any | None, now: datetime) -> Callable[[str], list[float]]:
    """A criterion's metric reader for one look at ``now``: each expression queried once, through ``source``
    (drill or Prometheus), with the pane's rule for data age (a STALE reading is no reading of now); raises what
    the query raised (``criteria.judge`` says it unknown). Shared by the decisions and the runbook branches'
    conditions (``warroom.incident.branches``): one reading rule."""
    from warroom.sources.freshness import stale_words
    from warroom.sources.prom_results import QueryError

    asked: dict[str, list[float] | Exception] = {}   # one query per expression per look
    slos = getattr(getattr(incident, "config", None), "slo", None) or ()
    pane_of = {str(s.query): s for s in slos}          # a pane's query: its own age rule (age_query)
    staleness = getattr(source, "staleness", None)     # a source that knows its data's age
    query_aged = getattr(source, "query_aged", None)   # ... and answers it with the value, in one round trip

    def query(expr: str) -> list[float]:
        if source is None or not hasattr(source, "query"):
            raise WarroomError("no metric source")
        if expr not in asked:
            try:   # at the instant the rest is judged at, so time and metrics tell one moment
                # the pane's rule for data age: a frozen series (a stuck exporter still inside
                # Prometheus' look-back) is STALE on a pane, so no criterion reads it as now
                if callable(query_aged):
                    rows, age = query_aged(expr, now.timestamp(), slo=pane_of.get(expr))
                    asked[expr] = [float(row[1]) for row in rows]
                    age = age if asked[expr] else None
                else:
                    asked[expr] = [float(row[1]) for row in source.query(expr, at=now.timestamp())]
                    age = staleness(expr, now.timestamp(), slo=pane_of.get(expr)) \
                        if asked[expr] and callable(staleness) else None
                if age is not None:
                    asked[expr] = StaleReading(stale_words(age))
            except QueryError as exc:
                asked[expr] = WarroomError(str(exc))
            except (WarroomError, ValueError, OSError) as exc:
                asked[expr] = exc
        got = asked[expr]
        if isinstance(got, Exception):
            raise got
        return got

    return query


class TypedAt(str):
    """When a step was typed by hand as its credit says it (``+7m58s``), with that moment (``moment``): a condition
    read from it arises then (``criteria.judge``)."""

    moment: datetime

    def __new__(cls, when: str, at: float) -> TypedAt:
        out = super().__new__(cls, when)
        out.moment = datetime.fromtimestamp(at, UTC)
        return out


def typed_reader(incident: Any, state: Any, runbooks: Sequence[Any], now: datetime
                 ) -> Callable[[str, str], str | None]:
    """``typed(runbook id, step ref)``: when that step was typed by hand in the drill shell (``+7m58s``), by the
    drill report's rule (``by_hand.typed_steps``), else None. Read once, when a criterion first asks: only a drill
    incident's ``ran`` / ``not_ran`` with none of its steps run through warroom do."""
    from warroom.incident.by_hand import drill_typed

    found: list[dict[tuple[str, str], str]] = []

    def read() -> dict[tuple[str, str], str]:
        books = [rb for rb in runbooks if rb is not None]
        credits = drill_typed(state, getattr(incident, "open_drill", None), books, now)
        return {(rb.id, ref): TypedAt(credits[rb.id, st.id].when, credits[rb.id, st.id].at) for rb in books
                for st in rb.steps if (rb.id, st.id) in credits for ref in (st.id, str(st.number))}

    def typed(runbook_id: str, ref: str) -> str | None:
        if not found:
            found.append(read())
        return found[0].get((runbook_id, ref))
    return typed


def decisions_of(runbooks: Sequence[Any]) -> list[tuple[str, Decision]]:
    """(runbook id, decision) for every decision of the incident's runbooks."""
    return [(rb.id, d) for rb in runbooks if rb is not None for d in getattr(rb, "decisions", [])]


def books_of(snapshot: Any) -> list[Any]:
    """The runbooks whose decisions the incident has: every runbook attached so far, oldest
    first (one attached twice once, as its latest snapshot), else the current one. The one list
    the dashboard's G, its overdue look and ``incident decide`` judge and report on."""
    books = list(getattr(snapshot, "runbooks", ()) or ())
    if not books and getattr(snapshot, "runbook", None) is not None:
        books = [snapshot.runbook]
    latest = {str(rb.id): rb for rb in books if rb is not None}
    return list(latest.values())


def block_errors(state: Any, runbooks: Sequence[Any]) -> list[str]:
    """Every decision block of ``runbooks`` that could not be read, one line each naming its
    runbook and ``file:line`` in the runbook's own file (the incident reads a snapshot of it,
    with the same lines): a broken block in a runbook open beside the current one is as much a
    missing decision as one in the current runbook, and the IC must be told which one it is."""
    out = []
    for rb in runbooks:
        if rb is None:
            continue
        refs = [r for r in getattr(state, "runbooks", None) or [] if str(r.get("id") or "") == str(rb.id)]
        source = str((refs[-1] if refs else {}).get("path") or "")
        out.extend(f"the Go/No-Go block of {rb.id} cannot be read: {source or f.file}:{f.line}: {f.message}"
                   for f in getattr(rb, "findings", None) or [] if f.message.startswith("decision"))
    return out


@dataclass(frozen=True)
class Judged:
    """The incident's decisions judged now, and every block that could not be read (so "no
    decision" is never said while a runbook's block is only broken)."""

    views: list[DecisionView]
    broken: list[str]


def judge_incident(incident: Any, snapshot: Any, source: Any | None, now: datetime) -> Judged:
    """Every decision of the incident's runbooks (``books_of``) judged now through ``source``,
    with the block errors of the same runbooks. Blocking (queries): call it off the event loop."""
    books = books_of(snapshot)
    return Judged(evaluate_all(incident, snapshot.state, books, source, now), block_errors(snapshot.state, books))
