"""A step's verify gate as the runbook format writes it, and the queries a runbook names for it.

``verify="LEFT OP NUMBER [for HOLD] [within WINDOW]"`` on a fence. LEFT is, in this order:

* a query the runbook names in its front matter — what a commander reads on every surface::

      [queries.share_429]
      title = "429 share (worst provider)"
      promql = "100 * max(sum by (provider) (rate(...{code='429'}[5m])) / sum by (provider) (rate(...[5m])))"
      unit = "percent"

  so the header says "429 share (worst provider) 12.3% · needs < 10%", never the expression;
* a pane id of the configuration (its title, query and unit);
* any PromQL expression (older runbooks: it still works, shown as written, with no unit).

This module is the grammar (``parse_gate``) and the runbook's side of the names
(``read_queries``, ``gate_findings`` for lint); ``warroom.sources.verify`` resolves a gate against
the runbook's queries and the configured panes and watches it. Every surface (dashboard,
``incident show``, the brief, the PIR) reads a gate's words from its journal events, which carry
the title, unit and PromQL resolved here, so none needs the runbook to say what was watched.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from warroom.durations import format_duration, parse_duration
from warroom.errors import WarroomError
from warroom.units import UNITS

DEFAULT_WINDOW = 300.0
QUERY_KEYS = ("title", "promql", "unit")
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TITLE_MAX = 26
"""Longest query title: the header's gate line at 80 columns holds the step, the title, the value,
the time left and what is needed (or, while it holds, the hold's progress)."""
_GATE = re.compile(
    r"^(?P<left>.+?)\s*(?P<op><=|>=|==|!=|<|>)\s*"
    r"(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<pct>%)?"
    r"(?P<clauses>(?:\s+(?:within|for)\s+\S+)*)\s*$", re.S)
_CLAUSE = re.compile(r"(within|for)\s+(\S+)")

Report = Callable[[int, str, str], None]  # (line, level, message)
Locate = Callable[[str, int], "tuple[int, int] | None"]
"""Where character ``i`` of a string the runbook writes stands in its file: (line, column), or None."""


class GateSyntaxError(WarroomError):
    """A verify expression that does not parse, or a named query that cannot be used."""


@dataclass(frozen=True)
class NamedQuery:
    """A query a runbook names (front matter ``[queries.NAME]``): what a gate on it watches, in
    the words and unit every surface shows."""

    name: str
    title: str
    promql: str
    unit: str = "count"
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "promql": self.promql, "unit": self.unit,
                "line": self.line}


class Queries(dict[str, NamedQuery]):
    """A runbook's usable named queries, and the names it declared that were refused (their lint
    findings say why). A gate naming a refused one must not fall back to a pane or a metric of
    that name: it would watch something the runbook did not declare (``[queries.quota]``
    refused, its gate watched the configuration's quota pane)."""

    def __init__(self, usable: dict[str, NamedQuery] | None = None, refused: Iterable[str] = ()) -> None:
        super().__init__(usable or {})
        self.refused: frozenset[str] = frozenset(refused)


@dataclass(frozen=True)
class GateSpec:
    """The parts of a verify expression, before its left side is resolved."""

    text: str
    left: str
    op: str
    threshold: float
    window: float
    hold: float
    percent: bool          # the number was written with ``%``


def parse_gate(text: str) -> GateSpec:
    """``"share_429 < 10 for 2m within 10m"`` → its parts; raises GateSyntaxError saying what was
    expected."""
    m = _GATE.match(text.strip())
    if not m:
        raise GateSyntaxError(f"verify {text!r}: expected 'QUERY-PANE-OR-PROMQL < NUMBER [for DURATION] "
                              "within DURATION', e.g. 'quota < 80 for 2m within 10m'")
    durations = {"within": DEFAULT_WINDOW, "for": 0.0}
    seen: set[str] = set()
    for word, value in _CLAUSE.findall(m.group("clauses")):
        if word in seen:
            raise GateSyntaxError(f"verify {text!r}: '{word}' is given twice")
        seen.add(word)
        try:
            durations[word] = parse_duration(value)
        except ValueError:
            raise GateSyntaxError(f"verify {text!r}: {value!r} is not a duration (e.g. 10m)") from None
    window, hold = durations["within"], durations["for"]
    if window <= 0:
        raise GateSyntaxError(f"verify {text!r}: the window must be longer than 0s")
    if hold >= window:
        raise GateSyntaxError(f"verify {text!r}: the hold ({format_duration(hold)}) must be shorter than "
                              f"the window ({format_duration(window)})")
    return GateSpec(text=text.strip(), left=m.group("left").strip(), op=m.group("op"),
                    threshold=float(m.group("num")), window=window, hold=hold, percent=bool(m.group("pct")))


def promql_problem(expr: str, locate: Locate | None = None) -> str | None:
    """Why ``expr`` cannot be a gate's or a criterion's PromQL, None when it can: Prometheus 2.42's own parse error
    (``warroom.syntax.promql``, the drill's parser: ``1:20: parse error: unclosed left parenthesis``, as ``promtool
    check rules`` says it), with the line and column in the runbook's file where ``locate`` finds the query written
    (the query's own ``1:20`` counts from the query, not the file); or a range vector or a string, which has no single
    value per series to compare. Prometheus 3's functions are taken (``sort_by_label``, ``limitk``…): a gate may
    watch a Prometheus 3."""
    from warroom.syntax import promql    # here: 4 ms to import, and most runbooks name no query

    try:
        kind = promql.value_type(expr, later=True)    # a gate may watch a Prometheus 3: its functions are no typo
    except promql.ParseError as exc:
        where = locate(expr, exc.at) if locate is not None else None
        if where is None:
            return f"invalid PromQL: {exc}"
        return f"invalid PromQL at line {where[0]}, column {where[1]} (the query's {exc.place}): parse error: {exc.why}"
    except RecursionError:
        return "invalid PromQL: it nests too deeply to read"
    if kind == promql.M:
        return "a range vector has no single value to compare; wrap it, e.g. in rate() or max_over_time()"
    if kind == promql.STR:
        return "a string has no value to compare; write a query of numbers"
    return None


@functools.lru_cache(maxsize=4)
def _line_starts(source: str) -> list[int]:
    """Where each line of ``source`` begins, and one past its end: read once for all of a file's errors."""
    return [0, *(m.end() for m in re.finditer("\n", source)), len(source) + 1]


_ESCAPED = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}
"""How a TOML basic string or a double-quoted fence attribute writes these characters."""


def written_at(source: str | None, line: int, key: str) -> Locate | None:
    """A ``Locate`` for a string the runbook's ``source`` writes as ``key``'s value on ``line`` (a TOML key, a fence
    attribute): the string, verbatim or with a basic string's escapes (``\\"``, ``\\\\``), quoted on that line after
    ``key`` (a multi-line string may begin on the next line), each character mapped to its line and column (1-based;
    a column counts characters, as an editor does). None without a source or where the string is not written so."""
    if not source or line < 1:
        return None

    def locate(text: str, index: int) -> tuple[int, int] | None:       # read only for an error: most parse
        starts = _line_starts(source)
        if line >= len(starts):
            return None
        begin, end = starts[line - 1], starts[line] - 1
        after = source.find(key, begin, end)
        quotes = [i for i in range(after if after >= 0 else begin, end) if source[i] in "\"'"]
        for escapes in ({}, _ESCAPED):
            pieces = [escapes.get(c, c) for c in text]
            offsets = list(itertools.accumulate(map(len, pieces), initial=0))      # where each character begins
            spelled = re.compile(r"[ \t]*\n?[ \t]*" + re.escape("".join(pieces)))
            for quote in quotes:
                if (m := spelled.match(source, quote + 1)) is not None:
                    at = m.end() - offsets[-1] + offsets[index]
                    row = bisect.bisect_right(starts, at)
                    return row, at - starts[row - 1] + 1
        return None
    return locate


_READING = re.compile(r"\d\s*%|\d+:\d\d|[·…≤≥≠]|\bis\s+(?:true|false)\b", re.IGNORECASE)
"""What a gate line or a Go/No-Go criterion's evidence says about a reading (a percentage, a
hold's m:ss progress or time left, the line's separator and cut mark; a comparison and its truth,
'7 >= 5 is true'): in a title it would pass for the reading itself ('0% held 2:00/2:00 ·' before
the real '12.3% · needs < 10%'; 'Repositories failing: 0 is false; Repositories' before the real
'Repositories failing: 7 >= 5 is true'). The ASCII comparisons are refused as characters that act."""


_BLANK = frozenset("\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
"""Letters and symbols that draw nothing (Hangul fillers, the Khmer inherent vowels, the blank
Braille pattern): Unicode does not class them as format characters, so a title of one reads as
no title at all, and one inside a word hides that it is another string."""


def title_unseen(title: str) -> str | None:
    """What in a query title a screen cannot show as written, said for lint, or None.

    Control characters (C0, DEL, C1), bidirectional overrides and isolates, line and paragraph
    separators and the other invisible format characters (zero-width space and joiners, word
    joiner, soft hyphen, BOM): the sanitiser shows the first as symbols, and the last hide
    inside a title that reads like another ('Quo\u200bta')."""
    found = []
    for ch in title:
        cat = unicodedata.category(ch)
        if (cat in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") or ch in _BLANK) and f"U+{ord(ch):04X}" not in found:
            found.append(f"U+{ord(ch):04X}")
    if not found:
        return None
    return ("control characters or invisible format characters (" + ", ".join(found[:4])
            + (f" and {len(found) - 4} more" if len(found) > 4 else "") + ")")


_ACTING = "<>=`|[]*\\{}"
"""Characters that act in a query title: a comparison (``<``, ``>``, ``=``) reads as the gate's
need beside the real one ('quota < 5 12.3% · needs < 10%'); the rest are markdown or HTML in the
PIR, which quotes the title as written ('<img src=…>' fetched by every reader's renderer,
'[x](https://…)' a link, a backtick a code span, '|' a cell) or a template ('{{ x }}', never
filled in)."""


def title_markup(title: str) -> str | None:
    """The characters of a query title that act (see ``_ACTING``), said for lint, or None."""
    found = "".join(dict.fromkeys(c for c in title if c in _ACTING))
    return " ".join(repr(c) for c in found) if found else None


def title_reads_as_reading(title: str) -> str | None:
    """The part of a query title that reads as a gate's reading (see ``_READING``), or None."""
    m = _READING.search(title)
    return m.group() if m else None


def promql_parameter(expr: str) -> str | None:
    """Why a named query's PromQL cannot hold a runbook parameter (``{{ provider }}``,
    ``<repo name>``, ``$(task)``), or None. A gate's query is never filled in: commands are, at
    their run, but the gate reads its query as written, so ``{provider="{{ provider }}"}`` parses
    and watches a label value no series has (no data, the gate can only fail) and
    ``{provider!="{{ provider }}"}`` every series. Nothing typed at a run reaches the PromQL."""
    from warroom.runbook.params import find_params

    refs = find_params(expr, kind="promql")
    if not refs:
        return None
    return (f"promql holds the parameter {refs[0].text!r}: a gate's query is not filled with parameters"
            " (it would watch that text as written); name the series it watches")


def title_columns(title: str) -> int:
    """The columns a title takes on a terminal: a wide character (CJK, most emoji) takes two, so
    '配额使用率配额使用率配额使用率' (15 characters) takes 30, past what the 80-column line holds."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in title)


def read_queries(raw: Any, key_line: Callable[[str], int],
                 report: Report, source: str | None = None) -> tuple[Queries, list[str]]:
    """``[queries.NAME]`` tables (title, promql, unit) into named queries, reporting each problem
    at its own line: an unknown key, a missing or empty title or promql, PromQL that does not
    parse (at its line and column in ``source``, the runbook's text, where it is written there), a unit
    warroom does not know, a name a gate could not refer to. Returns the usable queries and the names
    declared but refused (lint says a gate on one cannot watch it)."""
    out: dict[str, NamedQuery] = {}
    refused: list[str] = []
    if raw is None:
        return Queries(), refused
    if not isinstance(raw, dict):
        report(key_line("queries"), "error", "queries must be tables: [queries.NAME] with title, promql, unit")
        return Queries(), refused
    for name, spec in raw.items():
        line = key_line(f"queries.{name}")
        where = f"queries.{name}"
        if not NAME.match(str(name)):
            report(line, "error", f"{where}: a query name is letters, digits and _ (not starting with a "
                   "digit), so a verify gate can name it")
            continue
        refused.append(str(name))           # until it is found usable
        if not isinstance(spec, dict):
            report(line, "error", f"{where} must be a table with title, promql and unit")
            continue
        for k in spec:
            if k not in QUERY_KEYS:
                report(key_line(f"{where}.{k}"), "error", f"{where}: unknown key {k!r} (known: {', '.join(QUERY_KEYS)})")
        values: dict[str, str] = {}
        for k in QUERY_KEYS:
            v = spec.get(k)
            if v is None and k == "unit":
                v = "count"
            if not isinstance(v, str) or not v.strip():
                report(key_line(f"{where}.{k}") if k in spec else line, "error",
                       f"{where}: {k} must be a non-empty string" + (
                           " (what the commander reads, e.g. \"429 share (worst provider)\")" if k == "title" else ""))
                continue
            values[k] = v.strip()
        refused_title = False
        if "title" in values and (odd := title_unseen(values["title"])):
            report(key_line(f"{where}.title"), "error", f"{where}: title holds {odd} (every screen shows"
                   " them as symbols, or not at all): write the words only")
            refused_title = True
        elif "title" in values and (acting := title_markup(values["title"])):
            report(key_line(f"{where}.title"), "error", f"{where}: title holds {acting}: the gate line reads a"
                   " comparison as what is needed, and the PIR's markdown acts on the others (HTML, an image, a"
                   " link, a code span, a table cell, a template): write the words only")
            refused_title = True
        elif "title" in values and (like := title_reads_as_reading(values["title"])):
            report(key_line(f"{where}.title"), "error", f"{where}: title holds {like!r}, which the gate line"
                   " or a criterion's evidence would show beside the measured value as if it were one: name what is"
                   " measured, not a value")
            refused_title = True
        if "title" in values and (width := title_columns(values["title"])) > TITLE_MAX:
            report(key_line(f"{where}.title"), "warning",
                   f"{where}: title takes {width} columns; the gate line at 80 columns "
                   f"holds {TITLE_MAX} beside the value, what is needed and the time left")
        if "unit" in values and values["unit"] not in UNITS:
            close = difflib.get_close_matches(values["unit"], UNITS, n=1)
            report(key_line(f"{where}.unit"), "error", f"{where}: unit {values['unit']!r} is not one of "
                   f"{', '.join(UNITS)}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            continue
        if "promql" in values:
            problem = promql_problem(values["promql"], written_at(source, key_line(f"{where}.promql"), "promql")) \
                or promql_parameter(values["promql"])
            if problem:
                report(key_line(f"{where}.promql"), "error", f"{where}: {problem}")
                continue
        if len(values) == len(QUERY_KEYS) and not refused_title:
            out[str(name)] = NamedQuery(str(name), values["title"], values["promql"], values["unit"], line)
            refused.remove(str(name))
    return Queries(out, refused), refused


def gate_findings(steps: Iterable[Any], queries: dict[str, NamedQuery], panes: dict[str, str],
                  fence_line: Callable[[Any], int], report: Report, broken: Iterable[str] = (),
                  source: str | None = None) -> None:
    """Every problem of the runbook's verify gates, at the line of the fence that writes it.

    ``panes``: the configuration's pane ids and units. LEFT resolves to a named query, then a
    pane, then PromQL; a bare word that is neither name would be read as a PromQL metric name, so
    it is an error (a typo of a query name would watch a metric that does not exist), and so
    is a threshold written with ``%`` on something that is not a percentage (``< 10%`` of a ratio
    would compare 0.1 with 10). ``broken``: names declared in ``[queries]`` that were refused
    (their own findings say why): a gate on one is reported as such. ``source``: the runbook's text, where
    a PromQL error is placed at its line and column."""
    broken = set(broken)
    for name in sorted(set(queries) & set(panes)):
        report(queries[name].line, "warning", f"queries.{name} has the id of a pane: a gate naming {name!r} in this"
               " runbook watches this query, not the pane; give it its own name")
    for step in steps:
        text = getattr(step, "verify", None)
        if not text:
            continue
        line = fence_line(step)
        head = f"step {step.number} ({step.label}): verify"
        try:
            spec = parse_gate(text)
        except GateSyntaxError as exc:
            report(line, "error", f"step {step.number} ({step.label}): {exc}")
            continue
        if spec.left in broken:
            report(line, "error", f"{head}: query {spec.left!r} has errors in [queries] (reported at its lines):"
                   " the gate cannot watch it")
            continue
        if spec.left in queries:
            unit = queries[spec.left].unit
        elif spec.left in panes:
            unit = panes[spec.left]
        else:
            unit = "count"
            problem = promql_problem(spec.left, written_at(source, line, "verify"))
            if not problem and (param := promql_parameter(spec.left)):
                report(line, "error", f"{head}: its {param}")
                continue
            if problem:
                report(line, "error", f"{head}: {spec.left!r} is not a query this runbook names "
                       f"({_names(queries)}), not a pane id ({_names(panes)}), and not PromQL ({problem})")
                continue
            if NAME.match(spec.left):
                close = difflib.get_close_matches(spec.left, [*queries, *broken, *panes], n=1)
                report(line, "error",
                       f"{head}: {spec.left!r} is not a query this runbook names ({_names(queries)}) nor a "
                       f"pane id ({_names(panes)}); it would watch a metric of that name"
                       + (f": did you mean {close[0]!r}?" if close else
                          f" (to watch that metric, name it: [queries.{spec.left}] with title, promql, unit)"))
                continue
        if spec.percent and unit != "percent":
            report(line, "error", f"{head}: the threshold is written with %, but {spec.left!r} is in "
                   f"{unit}: write the number in its unit, or give the query unit = \"percent\"")


def span_words(seconds: float) -> str:
    """A gate's hold or window as a runbook writes it: ``2m``, ``90s``, ``1h30m``."""
    whole = int(round(seconds))
    if abs(seconds - whole) > 1e-9 or whole < 60:
        return format_duration(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return "".join(f"{n}{u}" for n, u in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)


def measure_words(title: str, wanted: str, hold: float) -> str:
    """What a gate asks, in a commander's words: ``429 share (worst provider) < 10% for 2m``
    (the one phrasing of the dashboard, ``incident show``, the brief and the PIR)."""
    return f"{title} {wanted}".strip() + (f" for {span_words(hold)}" if hold else "")


def _names(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if listed else "none"
