"""Front-matter fields -> runbook metadata and declared parameters, with findings.

Kept apart from the markdown walk in :mod:`warroom.runbook.parser`: this is the part that
knows warroom's own ``+++`` keys (id, title, severity, triggers, mttr_target, params).
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable
from typing import Any

from warroom.durations import parse_duration
from warroom.runbook.frontmatter import FrontMatter
from warroom.runbook.gate import read_queries
from warroom.runbook.model import Param, Runbook

Report = Callable[[int, str, str], None]  # (line, level, message)

FRONT_MATTER_KEYS = ("id", "title", "severity", "triggers", "mttr_target", "params", "queries")
# Keys teams commonly add; kept in ``meta`` without comment.
FRONT_MATTER_EXTRA = frozenset("""
owner owners team service services tags description summary aliases version updated created
last_reviewed reviewed authors author links related phase phases escalation slo slos category
kind type runbook_url dashboards components sla go_no_go targets prerequisites notes weight
draft audience review_every source sources applies_to environment environments
""".split())
PARAM_KEYS = ("default", "help", "pattern", "required")
SEVERITIES = ("P1", "P2", "P3", "P4")


def read_toml_meta(fm: FrontMatter, data: dict[str, Any], rb: Runbook, report: Report) -> None:
    """Fill the runbook's fields from a TOML block, reporting every problem with its line."""
    for key in ("id", "title", "severity", "mttr_target"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            report(fm.line_of(key), "error",
                   f"front matter {key} must be a non-empty string, got {value!r}")
            continue
        setattr(rb, key, value.strip())
        if key == "id":
            rb.id_line = fm.line_of("id")
    if not fm.findings:  # a broken block already has its own, more useful, finding
        for key in ("id", "title", "severity"):
            if key not in data:
                report(fm.start, "warning", f"front matter has no {key}")
    if rb.severity and rb.severity.upper() in SEVERITIES:
        rb.severity = rb.severity.upper()
    elif rb.severity:
        report(fm.line_of("severity"), "error",
               f"severity {rb.severity!r} is not one of {', '.join(SEVERITIES)}")
    if rb.mttr_target:
        try:
            parse_duration(rb.mttr_target)
        except ValueError as exc:
            report(fm.line_of("mttr_target"), "error", f"mttr_target: {exc}")
    trig = data.get("triggers")
    if isinstance(trig, str):
        rb.triggers = [trig]
    elif isinstance(trig, list) and all(isinstance(t, str) for t in trig):
        rb.triggers = list(trig)
    elif trig is not None:
        report(fm.line_of("triggers"), "error",
               "triggers must be a list of strings (SLO pane ids or alert names)")
    read_params(fm, data.get("params"), rb, report)
    rb.queries, rb.refused_queries = read_queries(
        data.get("queries"), lambda key: fm.key_lines.get(key) or _table_line(fm, key), report, fm.source)
    for key in data:
        if key in FRONT_MATTER_KEYS:
            continue
        close = difflib.get_close_matches(key, FRONT_MATTER_KEYS, n=1, cutoff=0.75)
        if close and key not in FRONT_MATTER_EXTRA:
            report(fm.line_of(key), "warning",
                   f"unknown front-matter key {key!r}: did you mean {close[0]!r}?")
        rb.meta[key] = jsonable(data[key])


def _table_line(fm: FrontMatter, key: str) -> int:
    """The line of ``key``'s closest enclosing table written in the block (``queries.x.unit``
    not written: the ``[queries.x]`` line)."""
    while "." in key:
        key = key.rsplit(".", 1)[0]
        if key in fm.key_lines:
            return fm.key_lines[key]
    return fm.line_of(key)


def read_params(fm: FrontMatter, raw: Any, rb: Runbook, report: Report) -> None:
    """``[params.NAME]`` tables (or ``NAME = "default"``) into declared parameters."""
    if raw is None:
        return
    if not isinstance(raw, dict):
        report(fm.line_of("params"), "error",
               "params must be a table: [params.NAME] with default/help/pattern")
        return
    for name, spec in raw.items():
        line = fm.line_of(f"params.{name}") if f"params.{name}" in fm.key_lines else \
            fm.line_of("params")
        p = Param(name=str(name), declared=True)
        if isinstance(spec, dict):
            for k, v in spec.items():
                if k not in PARAM_KEYS:
                    report(fm.key_lines.get(f"params.{name}.{k}", line), "warning", f"params.{name}: unknown key {k!r} "
                           f"(known: {', '.join(PARAM_KEYS)})")
            if spec.get("default") is not None:
                p.default = str(spec["default"]) if not isinstance(spec["default"], bool) \
                    else str(spec["default"]).lower()
            if spec.get("help") is not None:
                p.help = str(spec["help"])
            if spec.get("pattern") is not None:
                p.pattern = str(spec["pattern"])
            if "required" in spec and not isinstance(spec["required"], bool):
                report(fm.key_lines.get(f"params.{name}.required", line), "error",
                       f"params.{name}: required must be true or false, not {spec['required']!r}")
            elif spec.get("required") is False:
                p.optional = True
                if p.default is None:
                    p.default = ""
        elif isinstance(spec, (str, int, float)) and not isinstance(spec, bool):
            p.default = str(spec)
        else:
            report(line, "error", f"params.{name} must be a table "
                   "(default/help/pattern) or a default value")
            continue
        if p.pattern:
            pline = fm.key_lines.get(f"params.{name}.pattern", line)
            try:
                rx = re.compile(p.pattern)
            except re.error as exc:
                report(pline, "error", f"params.{name}: invalid pattern "
                       f"{p.pattern!r}: {exc}")
            else:
                if p.default not in (None, "") and not rx.fullmatch(p.default):
                    report(fm.key_lines.get(f"params.{name}.default", line), "error",
                           f"params.{name}: default {p.default!r} does not match its "
                           f"pattern {p.pattern}")
        if p.key in rb.params:
            report(line, "error", f"params.{name} is declared twice (as "
                   f"{rb.params[p.key].name!r} too)")
        rb.params[p.key] = p


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)
