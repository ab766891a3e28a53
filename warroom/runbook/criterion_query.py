"""What a Go/No-Go criterion's ``query`` reads: a query the runbook names, or PromQL.

A metric criterion writes ``query`` + ``op`` + ``value``. Its ``query`` is, in this order (the
rule a verify gate's left side follows, ``warroom.runbook.gate``):

* a query the runbook names in its front matter (``[queries.NAME]``: title, promql, unit), so
  every surface that shows the criterion — the decision dialog, ``incident decide`` and
  ``incident show`` (text and ``--json``), the brief, the PIR — says "Repositories failing: 7 >= 5"
  in the query's words and unit, never the expression;
* a pane id of the configuration (its title, query and unit; resolved where the configuration
  is known: every runbook copy an incident reads, ``warroom.incident.runbook_shelf``, so the
  views that read the journal only say the pane's words too; a look that judges,
  ``warroom.incident.decisions.looks``; and lint);
* any PromQL expression (older runbooks: it still works, judged as written, with no unit).

``value`` may be written with ``%`` (``value = "5%"``) when the named query is in percent: a
``%`` on a ratio would compare 0.05 with 5, so such a criterion is never judged (unknown) and lint
says so. A name declared in ``[queries]`` but refused there (a title that hides characters or
acts as markup, PromQL that does not parse) is never read as PromQL of that name: it would query
a metric the runbook did not mean, and show nothing the commander can check.

``name_queries`` resolves the names when a runbook is parsed (``warroom.runbook.parser``), so a
decision carries what it reads wherever it goes; ``criteria_findings`` is lint's side, each
problem at the line of the key that causes it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from warroom.runbook.gate import NAME, NamedQuery, promql_parameter, promql_problem, written_at

if TYPE_CHECKING:
    from warroom.runbook.decision import Criterion, Decision

Report = Callable[[int, str, str], None]  # (line, level, message)


def criteria_of(decision: Decision) -> tuple[Criterion, ...]:
    """Every criterion of a decision: its GO and NO-GO ones and its ``applies_when`` condition."""
    return (*decision.go, *decision.no_go, *((decision.applies_when,) if decision.applies_when else ()))


def name_queries(decisions: Sequence[Decision], queries: Mapping[str, NamedQuery],
                 refused: Iterable[str] = ()) -> list[Decision]:
    """The decisions with each metric criterion's ``query`` resolved: ``measure`` is the named
    query it names, ``refused`` says it names one ``[queries]`` refused (never read as PromQL)."""
    refused = set(refused)

    def resolve(c: Criterion) -> Criterion:
        return named_query(c, queries, refused)

    out = []
    for d in decisions:
        applies = resolve(d.applies_when) if d.applies_when is not None else None
        out.append(replace(d, go=tuple(resolve(c) for c in d.go), no_go=tuple(resolve(c) for c in d.no_go),
                           applies_when=applies))
    return out


def named_query(c: Criterion, queries: Mapping[str, NamedQuery], refused: Iterable[str] = ()) -> Criterion:
    """One criterion with its ``query`` resolved (``name_queries``' rule; a runbook branch's condition too)."""
    if not c.query:
        return c
    if c.query in queries:
        return replace(c, measure=queries[c.query])
    if c.query in set(refused):
        return replace(c, refused=True)
    return c


def on_pane(c: Criterion, panes: Mapping[str, NamedQuery]) -> Criterion:
    """A criterion whose query names no query of the runbook but a pane of the configuration, reading that pane
    (``on_panes``' rule, for a runbook branch's condition too)."""
    if c.query and c.measure is None and not c.refused and c.query in panes:
        return replace(c, measure=panes[c.query])
    return c


def pane_queries(slos: Iterable[Any]) -> dict[str, NamedQuery]:
    """The configuration's panes as the queries a criterion may name (id, title, query, unit)."""
    return {str(s.id): NamedQuery(str(s.id), str(s.title or s.id), str(s.query), str(s.unit or "count"))
            for s in slos}


def on_panes(decision: Decision, panes: Mapping[str, NamedQuery]) -> Decision:
    """The decision with each metric criterion whose query names no query of the runbook but a
    pane of the configuration reading that pane (the gate's order: a named query, else a pane,
    else PromQL); a name the runbook declared, usable or refused, is never a pane."""
    def resolve(c: Criterion) -> Criterion:
        return on_pane(c, panes)

    applies = resolve(decision.applies_when) if decision.applies_when is not None else None
    return replace(decision, go=tuple(resolve(c) for c in decision.go),
                   no_go=tuple(resolve(c) for c in decision.no_go), applies_when=applies)


def unit_mismatch(c: Criterion) -> str | None:
    """Why a criterion's ``value`` is not in its query's unit, or None: a ``%`` written on a
    query that is not in percent (a ratio's 0.05 compared with 5) or on bare PromQL (no unit)."""
    if not c.percent:
        return None
    if c.measure is None:
        return "the value is written with %, but bare PromQL has no unit"
    if c.measure.unit != "percent":
        return f"the value is written with %, but {c.measure.title} is in {c.measure.unit}"
    return None


def criteria_findings(decisions: Sequence[Decision], queries: Mapping[str, NamedQuery],
                      refused: Iterable[str], report: Report, branches: Sequence[Any] = (),
                      source: str | None = None) -> None:
    """Every problem of the decisions' metric criteria, at the line of the key that causes it: a
    name ``[queries]`` refused, a bare word that is no query this runbook names (it would query a
    metric of that name: a typo reads "no data" for ever), PromQL that does not parse or holds a
    runbook parameter (never filled in), a value in another unit than its query's. ``source``: the
    runbook's text, where a PromQL error is placed at its line and column."""
    refused = set(refused)
    said = [(f"decision {d.id!r}: criterion {c.text!r}", c) for d in decisions for c in criteria_of(d)]
    said += [(f"applies_when of section {b.section!r}: condition {b.condition.text!r}", b.condition)
             for b in branches]      # a runbook branch's condition (``warroom.runbook.branch``): the same rules
    for head, c in said:
        if not c.query:
            continue
        if c.refused:
            report(c.query_line or c.line, "error", f"{head}: query {c.query!r} has errors in [queries]"
                   " (reported at its lines): the criterion cannot be judged")
            continue
        if c.measure is None:
            problem = promql_problem(c.query, written_at(source, c.query_line or c.line, "query"))
            if problem:
                report(c.query_line or c.line, "error", f"{head}: {c.query!r} is not a query this runbook"
                       f" names ({_names(queries)}) and not PromQL ({problem})")
                continue
            if NAME.match(c.query):
                close = difflib.get_close_matches(c.query, [*queries, *refused], n=1)
                report(c.query_line or c.line, "error",
                       f"{head}: {c.query!r} is not a query this runbook names ({_names(queries)}) nor a"
                       " pane id; it would query a metric of that name"
                       + (f": did you mean {close[0]!r}?" if close else
                          f" (to read that metric, name it: [queries.{c.query}] with title, promql, unit)"))
                continue
            if param := promql_parameter(c.query):
                report(c.query_line or c.line, "error", f"{head}: its {param}")
                continue
        if mismatch := unit_mismatch(c):
            report(c.value_line or c.line, "error", f"{head}: {mismatch}: write the number in its unit"
                   + (", or give the query unit = \"percent\"" if c.measure is not None
                      else ", or name the query in [queries] with unit = \"percent\""))
        elif c.measure is not None and c.measure.unit == "ratio" and c.value is not None and not 0 <= c.value <= 1:
            report(c.value_line or c.line, "warning", f"{head}: {c.measure.title} is a ratio (0 to 1), "
                   f"compared with {c.value:g}: did you mean {c.value / 100:g}?")


def _names(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if listed else "none"
