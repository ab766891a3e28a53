"""``warroom runbooks list|show|lint``: the runbook library from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from warroom.journal import numbers
from warroom.cli.common import config_from_args, out
from warroom.errors import WarroomError
from warroom.paths import command
from warroom.runbook.decision import rule_words

if TYPE_CHECKING:       # the library (markdown parser and all) is the commands', never the parser's (`warroom --help`)
    from warroom.runbook.library import RunbookLibrary
    from warroom.runbook.model import Runbook, Step

PHASE_ORDER = ("detect", "investigate", "mitigate", "verify", "communicate", "post-incident",
               "other")


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("runbooks", help="list, show and lint runbooks", parents=[common])
    rsub = p.add_subparsers(dest="runbooks_cmd", metavar="{list,show,lint}", required=True)

    lst = rsub.add_parser("list", help="the runbook library: id, title, severity, steps per phase",
                          parents=[common])
    lst.add_argument("--dir", action="append", default=[], metavar="DIR",
                     help="also search this directory (repeatable; after the config's dirs)")
    lst.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    lst.set_defaults(func=cmd_list)

    show = rsub.add_parser("show", help="one runbook, parsed (REF = id or path)",
                           parents=[common])
    show.add_argument("ref", metavar="REF", help="runbook id (e.g. RB-CORE-003) or file path")
    show.add_argument("--dir", action="append", default=[], metavar="DIR",
                      help="also search this directory (repeatable)")
    show.add_argument("--json", action="store_true",
                      help="print the parsed model as JSON (stable, see README)")
    show.set_defaults(func=cmd_show)

    lint = rsub.add_parser("lint", help="report every problem as file:line: level: message",
                           parents=[common])
    lint.add_argument("paths", nargs="*", metavar="PATH",
                      help="runbook files or directories (default: every [runbooks].dirs entry of the"
                           " config); checked under the loaded config (--config)")
    lint.set_defaults(func=cmd_lint)


def _library(args: argparse.Namespace) -> RunbookLibrary:
    from pathlib import Path

    from warroom.paths import expand
    from warroom.runbook.library import RunbookLibrary

    for d in args.dir:
        p = expand(d)
        if not p.exists():
            raise WarroomError(f"{d}: runbook directory does not exist (--dir)")
        if not p.is_dir():
            raise WarroomError(f"{d}: not a directory (--dir)")
    cfg = config_from_args(args)
    lib = RunbookLibrary.from_config(cfg, [Path(d) for d in args.dir])
    lib.load()
    for f in lib.findings:
        print(f"warroom: {f}", file=sys.stderr)
    return lib


def phase_summary(rb: Runbook) -> str:
    counts = rb.phase_counts()
    parts = [f"{ph} {counts[ph]}" for ph in PHASE_ORDER if counts.get(ph)]
    return ", ".join(parts) or "-"


def cmd_list(args: argparse.Namespace) -> int:
    lib = _library(args)
    books = lib.list()
    if args.json:
        out(numbers.dumps([{"id": r.id, "title": r.title, "severity": r.severity,
                         "path": str(r.path) if r.path else None, "steps": len(r.steps),
                         "phases": r.phase_counts(), "triggers": r.triggers} for r in books],
                       indent=2))
        return 0
    if not books:
        out("no runbooks found")
        return 0
    rows = [("ID", "SEV", "STEPS", "TITLE", "STEPS PER PHASE")]
    rows += [(r.id, r.severity or "-", str(len(r.steps)), r.title, phase_summary(r))
             for r in books]
    widths = [min(max(len(row[i]) for row in rows), 48) for i in range(4)]
    for row in rows:
        cells = [_fit(row[i], widths[i]).ljust(widths[i]) for i in range(4)]
        out("  ".join(cells + [row[4]]).rstrip())
    return 0


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def cmd_show(args: argparse.Namespace) -> int:
    from warroom.runbook.lint import unreadable

    lib = _library(args)
    rb = lib.get(args.ref)
    fatal = [f for f in rb.findings if unreadable(f)]
    if fatal and not rb.steps and not rb.sections:
        for f in fatal:
            print(f"warroom: {f}", file=sys.stderr)
        return 2
    if args.json:
        out(numbers.dumps(rb.to_json(), indent=2, ensure_ascii=False))
        return 0
    out(render_text(rb, config_from_args(args).slo))
    return 0


def render_text(rb: Runbook, slos: Any = ()) -> str:
    """The runbook as text; ``slos``: the configuration's panes, so a verify gate says what it
    watches in the words the dashboard uses."""
    lines = [f"{rb.id}: {rb.title}"]
    meta = []
    if rb.severity:
        meta.append(f"severity {rb.severity}")
    if rb.mttr_target:
        meta.append(f"MTTR target {rb.mttr_target}")
    if rb.triggers:
        meta.append("triggers " + ", ".join(rb.triggers))
    if meta:
        lines.append("  " + " · ".join(meta))
    if rb.path:
        lines.append(f"  {rb.path}")
    if rb.params:
        lines.append("parameters:")
        for key, p in rb.params.items():
            bits = []
            if p.default is not None:
                bits.append(f"default {p.default!r}")
            else:
                bits.append("required")
            if p.pattern:
                bits.append(f"pattern {p.pattern}")
            if not p.declared:
                bits.append("found in a command")
            help_text = f" — {p.help}" if p.help else ""
            lines.append(f"  {p.name} ({', '.join(bits)}){help_text}")
    if rb.queries:
        lines.append("queries (what verify gates and Go/No-Go criteria read):")
        lines.extend(f"  {q.name} — {q.title} ({q.unit}): {q.promql}" for q in rb.queries.values())
    for sec in rb.sections:
        if not sec.steps and sec.level > 2:
            continue
        phase = f"  [{sec.phase}]" if sec.phase else ""
        lines.append("")
        lines.append(f"{'#' * max(sec.level, 1)} {sec.title}{phase}")
        branch = next((b for b in rb.branches if b.heading_line == sec.line), None)
        if branch is not None:       # a branch the incident's state decides (``warroom.incident.branches``)
            lines.append(f"  applies when: {_criterion_words(branch.condition)} (otherwise its steps are not needed)")
        for step in sec.steps:
            lines.extend(_step_lines(step, slos, rb.queries))
    for decision in rb.decisions:
        lines.extend(_decision_lines(decision))
    if rb.findings:
        lines.append("")
        lines.append("findings:")
        lines.extend(f"  {f}" for f in rb.findings)
    return "\n".join(lines)


def _decision_lines(d: Any) -> list[str]:
    """A Go/No-Go decision as the commander will meet it: the question, when it is due, and each
    criterion with what it reads, a named query in its title and unit ('Repositories failing >= 5'),
    as the decision dialog, ``incident decide``, the brief and the PIR say it. Only a criterion
    written as bare PromQL shows that PromQL: it is all the runbook says it reads."""
    from warroom.durations import format_duration

    since = "after it arises" if d.applies_when is not None else "after detection"
    head = [f"deadline {format_duration(d.deadline)} {since}" if d.deadline is not None else "no deadline"]
    if d.on_go:
        head.append(f"on GO: {d.on_go} opens beside this runbook")
    lines = ["", f"Go/No-Go decision {d.id}: {d.question}", "  " + " · ".join(head)]
    if d.applies_when is not None:
        lines.append(f"  arises when: {_criterion_words(d.applies_when)}")
    for title, rows in ((rule_words("go", d.go_when) + ":", d.go),
                        (rule_words("no_go", d.no_go_when) + ":", d.no_go)):
        if rows:
            lines.append(f"  {title}")
            lines.extend(f"    - {_criterion_words(c)}" for c in rows)
    return lines


def _criterion_words(c: Any) -> str:
    """A criterion's text and, after a dash, what decides it."""
    from warroom.durations import format_duration
    from warroom.units import format_value

    if c.kind == "metric":
        if c.refused:
            reads = f"its query {c.query!r} has errors in [queries] (`{command('runbooks', 'lint')}` says which): never read"
        elif c.measure is not None:
            reads = f"reads {c.measure.title} {c.op} {format_value(c.value, c.measure.unit)}"
        else:
            reads = f"reads the PromQL {c.query} {c.op} {c.value:g}{'%' if c.percent else ''}"
    elif c.kind == "step":
        reads = f"reads step {c.step}'s output ({c.pattern}) {c.op} {c.value:g}"
    elif c.kind == "note":
        reads = (f"a {c.note} note is recorded" if c.note else
                 f"no {c.no_note} note {format_duration(c.after or 0)} after detection")
    elif c.kind == "time":
        reads = f"{format_duration(c.after or 0)} after detection"
    elif c.kind == "ran":
        reads = f"one of steps {', '.join(c.ran)} ran ok (else the commander's judgement)"
    elif c.kind == "not_ran":
        reads = f"none of steps {', '.join(c.not_ran)} has run ok yet"
    else:
        reads = "the commander's judgement"
    if c.unless_ran:
        reads += f"; unknown once one of steps {', '.join(c.unless_ran)} ran ok"
    return f"{c.text} — {reads}"


def _step_lines(step: Step, slos: Any = (), queries: Any = None) -> list[str]:
    indent = "  " * (step.depth + 1)
    if step.kind == "manual":
        box = "[x]" if step.checked else "[ ]"
        return [f"{indent}{step.number:>2}. {box} {step.label}"]
    tag = {"shell": "$", "promql": "promql", "k8s": "k8s"}.get(step.kind, step.kind)
    flag = "mutating" if step.mutating else "read-only"
    out_lines = [f"{indent}{step.number:>2}. {step.label}  ({tag}, {flag})"]
    for ln in (step.command or "").splitlines():
        out_lines.append(f"{indent}      {ln}")
    if step.expect:
        out_lines.append(f"{indent}      expect: {step.expect}")
    if step.params:
        out_lines.append(f"{indent}      params: {', '.join(step.params)}")
    if step.verify:
        from warroom.sources.verify import describe_gate

        out_lines.append(f"{indent}      verify: then watches {describe_gate(step.verify, slos, queries)}")
    return out_lines


def cmd_lint(args: argparse.Namespace) -> int:
    """Lint under the configuration the app would load (``--config``, ``$WARROOM_CONFIG``, the
    user's file): its update cadence, its runbook library; with no PATH, its ``[runbooks].dirs``."""
    from warroom.runbook.library import RunbookLibrary
    from warroom.runbook.lint import lint_configured, lint_paths, unreadable

    cfg = config_from_args(args)
    library = RunbookLibrary.from_config(cfg)     # what the app would open, id by id
    if args.paths:
        findings = lint_paths(args.paths, cfg, library=library)
    elif cfg.runbooks.dirs:
        findings = lint_configured(cfg, library)
    else:
        where = str(cfg.source) if cfg.source else "no config file (built-in defaults)"
        raise WarroomError(f"nothing to lint: no [runbooks].dirs in {where}; give runbook files or "
                           f"directories (`{command('runbooks', 'lint', 'PATH...')}`), or --config a file that "
                           "names your runbook directories")
    for f in findings:
        out(str(f))
    if findings:
        errors = sum(1 for f in findings if f.level == "error")
        print(f"{len(findings)} finding(s): {errors} error(s), {len(findings) - errors} "
              "warning(s)", file=sys.stderr)
        # 2: some input could not be read at all (missing, a device, too large...); 1: findings.
        return 2 if any(unreadable(f) for f in findings) else 1
    return 0
