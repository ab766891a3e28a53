"""How old a pane's data really is: the newest raw sample under its query, not the evaluation time.

An instant query's answer is stamped with the time it was *evaluated*, so a pane built on
``rate(x[1h])`` keeps answering "fresh" for an hour after the exporter of ``x`` died. The age a
commander needs is that of the newest sample of each series the query reads. This module finds
the query's vector selectors and builds one expression that answers, per selector, the unix time
of the newest sample of its *stalest* current series:

    label_replace(min(timestamp(SEL)), "warroom_selector", "N", "", "") or …

``timestamp()`` of a plain selector is the sample's own time. That answers while the series is
current. ``min``, not ``max``: when one series under a selector froze (a federated or
remote-written series, a target whose samples stopped without a staleness marker, which
Prometheus keeps answering for its 5-minute look-back) while a sibling is current, the pane may be
showing the frozen one's value (``max(...)`` picks it), so the pane is as old as its oldest
series, never as young as its freshest. Once Prometheus has marked a series stale (its target vanished) the selector matches
nothing, so for each selector missing from that answer a second query reads its raw samples
over a look-back (``SEL[LOOK]``: range selectors skip staleness markers) and takes the newest one
(``lookback_query``). A selector with no sample in the look-back is "older than LOOK". Only vanished
selectors pay for the raw read. The pane's data age is that of its *oldest* selector: a ratio is
as stale as its stalest side.

One rule for data age (``stale_age``): whatever is older than ``stale_after`` (real seconds: a
stuck exporter is stuck in any drill) is not a reading of now. A pane shows it STALE
(``warroom.sources.evaluate``); a Go/No-Go criterion reading the same query is unknown
(``stale_words``), and a verify gate cannot pass on it (``PrometheusSource.stale_ages``): a frozen
value judged met or held would be a verdict on data nobody has seen for minutes.

Selectors with ``offset`` or ``@`` read the past on purpose and are not checked. The scanner is
deliberately lenient (strings, comments, label lists after ``by``/``on``, subqueries): a query it
cannot read gets no freshness check rather than a wrong one.
"""

from __future__ import annotations

import math
import re

from warroom.durations import format_duration

_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
             "unless", "offset", "atan2", "inf", "nan", "start", "end",
             # aggregations, which may be followed by ``by (…)`` before their parenthesis
             "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
             "bottomk", "topk", "quantile", "limitk", "limit_ratio"}
_LABEL_LIST_AFTER = {"by", "without", "on", "ignoring", "group_left", "group_right"}
#: The label that tells the per-selector answers apart.
LABEL = "warroom_selector"


def selectors(expr: str) -> list[str]:
    """The vector selectors of a PromQL expression as written (``name{…}`` / ``{…}``), without
    duplicates, skipping any with ``offset`` or ``@``. Empty when the text cannot be scanned."""
    out: list[str] = []
    i, n = 0, len(expr)
    try:
        while i < n:
            c = expr[i]
            if c in "\"'`":
                i = _skip_string(expr, i)
                continue
            if c == "#":
                j = expr.find("\n", i)
                i = n if j < 0 else j
                continue
            if c == "[":
                j = expr.find("]", i)
                if j < 0:
                    return []
                i = j + 1
                continue
            if c == "{":
                end = _skip_braces(expr, i)
                i = _take(expr, expr[i:end], end, out)
                continue
            m = _IDENT.match(expr, i)
            if m and (i == 0 or not (expr[i - 1].isalnum() or expr[i - 1] in "_.:")):
                word = m.group(0)
                j = m.end()
                k = _skip_space(expr, j)
                low = word.lower()
                if low in _LABEL_LIST_AFTER:
                    if k < n and expr[k] == "(":
                        close = expr.find(")", k)
                        if close < 0:
                            return []
                        i = close + 1
                    else:
                        i = j
                    continue
                if low in _KEYWORDS or (k < n and expr[k] == "("):
                    i = j
                    continue
                if k < n and expr[k] == "{":
                    end = _skip_braces(expr, k)
                    i = _take(expr, expr[i:end], end, out)
                else:
                    i = _take(expr, word, j, out)
                continue
            if c.isdigit() or c == ".":
                while i < n and (expr[i].isalnum() or expr[i] in "._+-") and not (
                        expr[i] in "+-" and expr[i - 1].lower() != "e"):
                    i += 1
                continue
            i += 1
    except ValueError:
        return []
    return out


def _take(expr: str, sel: str, end: int, out: list[str]) -> int:
    """Record ``sel`` unless a range/subquery's ``offset`` or ``@`` follows it; return where to go on."""
    k = _skip_space(expr, end)
    if k < len(expr) and expr[k] == "[":
        close = expr.find("]", k)
        if close < 0:
            raise ValueError("unclosed [")
        k = _skip_space(expr, close + 1)
    rest = expr[k:k + 7].lower()
    if rest.startswith("offset") or rest.startswith("@"):
        return end
    if sel not in out:
        out.append(sel)
    return end


def _skip_space(expr: str, i: int) -> int:
    while i < len(expr) and expr[i].isspace():
        i += 1
    return i


def _skip_string(expr: str, i: int) -> int:
    quote = expr[i]
    j = i + 1
    while j < len(expr):
        if expr[j] == "\\" and quote != "`":
            j += 2
            continue
        if expr[j] == quote:
            return j + 1
        j += 1
    raise ValueError("unclosed string")


def _skip_braces(expr: str, i: int) -> int:
    j = i + 1
    while j < len(expr):
        if expr[j] in "\"'`":
            j = _skip_string(expr, j)
            continue
        if expr[j] == "}":
            return j + 1
        j += 1
    raise ValueError("unclosed {")


def age_query(expr: str) -> str | None:
    """One expression answering, per selector of ``expr``, the newest-sample time of its stalest
    current series
    (see the module docstring); None when ``expr`` reads no series (``vector(1)``, ``time()``)."""
    sels = selectors(expr)
    if not sels:
        return None
    return " or ".join(f'label_replace(min(timestamp({s})), "{LABEL}", "{i}", "", "")'
                       for i, s in enumerate(sels))


def stale_guard(expr: str, stale_after: float, lookback: float) -> str | None:
    """A cheap expression that answers nothing at an instant where no data of ``expr`` can be
    stale (``stale_age``): every series of every selector seen over the look-back had a sample
    within ``stale_after``, and every selector had one. ``age_query``'s ``timestamp()`` of a
    plain selector is evaluated series by series, instant by instant: over an hour's grid it cost
    Prometheus 15-30 times the pane's own query (``bench/data_age.py``), on every history read.
    This one reads range selectors (as ``rate`` does); only where it answers can an instant be
    stale, and only then is the age expression asked. It errs one way: an instant it flags may be
    fresh (a sample exactly ``stale_after`` old, a selector that never had data), never the other.
    None when ``expr`` reads no series."""
    sels = selectors(expr)
    if not sels:
        return None
    fresh = f"{max(1, int(stale_after * 1000))}ms"      # never longer than stale_after: errs towards asking
    back = f"{max(1, int(math.ceil(lookback)))}s"        # at least the server's look-back: every series it answers
    return " or ".join(f"count(last_over_time({s}[{back}]) unless count_over_time({s}[{fresh}]))"
                       f" or absent_over_time({s}[{fresh}])" for s in sels)


def lookback_query(selector: str, lookback: float) -> str:
    """The raw samples of one selector over the look-back (an instant query answering a matrix)."""
    return f"{selector}[{max(1, int(lookback))}s]"


def stale_age(data_time: float | None, at: float, stale_after: float) -> float | None:
    """The age at ``at`` of data whose newest raw sample is from ``data_time`` when it is past
    ``stale_after`` (a pane reads STALE then), else None (fresh, or its age is not known). The one
    rule for panes, Go/No-Go criteria and verify gates."""
    if data_time is None:
        return None
    age = max(0.0, at - data_time)
    return age if age > stale_after else None


def stale_words(age: float) -> str:
    """What a criterion or a gate says of a stale reading instead of its value."""
    return f"stale: last sample {format_duration(age)} old"
