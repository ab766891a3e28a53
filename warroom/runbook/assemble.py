"""From what the token walk collected to a finished :class:`Runbook`: metadata, steps, parameter checks.

This half runs once, after the walk, and sees the whole document; that is what lets it number
steps, classify each final command with the declared parameters neutralised, and report
parameters declared but never used. Functions, each given what it reads (``Collected``: what the
walk left) and ``report`` for a finding, so none depends on the walk's other state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warroom.durations import parse_duration
from warroom.runbook import blocks, fence, k8s, meta, params, shellvars
from warroom.runbook.drafts import _Entry, _Item, inline_entry
from warroom.runbook.frontmatter import FrontMatter
from warroom.runbook.inline import _neutralised, _slug, checkable
from warroom.runbook.model import Param, Runbook, Section, Step

Report = Callable[[int, str, str], None]     # a finding: (line, level, message)


@dataclass
class Collected:
    """What the token walk collected, all the assembly reads."""

    path: Path | None
    fm: FrontMatter
    sections: list[Section]
    section_lines: list[int]       # 0-based line each section starts at
    lines: list[str]               # the body's lines (a section's text is cut from them)
    entries: list[Any]             # _Entry and _Item slots (None, or a list, once an item is resolved)
    first_h1: str | None
    first_heading: str | None
    unclosed_fences: set[int]


def assemble(c: Collected, report: Report) -> Runbook:
    """The runbook: metadata (front matter, else the first heading, else the file name), sections
    with their text, numbered steps with their classification, and the parameter checks. The
    findings and code-block stats are the caller's to attach (it holds them)."""
    fm = c.fm
    data = fm.data if isinstance(fm.data, dict) else {}
    stem = c.path.stem if c.path else None
    rb = Runbook(id="", title="", path=c.path, front_matter=fm.kind,
                 declared_keys=[str(k) for k in data])
    if fm.kind == "toml":
        meta.read_toml_meta(fm, data, rb, report)
    elif fm.kind == "yaml":
        title = data.get("title")
        if isinstance(title, str) and title.strip():
            rb.title = title.strip()
        rb.meta = {k: meta.jsonable(v) for k, v in data.items() if k != "title"}
    if not rb.title:
        rb.title = c.first_h1 or c.first_heading or stem or "untitled"
    if not rb.id:
        rb.id = stem or _slug(rb.title) or "untitled"
    for sec in c.sections:
        if sec.level == 0 and not sec.title:
            sec.title = rb.title
    section_texts(c.sections, c.section_lines, c.lines)
    rb.sections = c.sections
    declared = [k for k, p in rb.params.items() if p.declared]
    # A checklist item with several commands left a list in its slot.
    flat: list[_Entry | _Item] = []
    for e in c.entries:
        if isinstance(e, list):
            flat.extend(e)
        elif e is not None:
            flat.append(e)
    promote_inline_commands(flat)
    build_steps(flat, rb, declared, toml=fm.kind == "toml", unclosed_fences=c.unclosed_fences, report=report)
    check_params(rb, fm, report)
    return rb


def section_texts(sections: list[Section], section_lines: list[int], lines: list[str]) -> None:
    """Each section's text: its lines up to the next section (without its own heading line)."""
    for n, sec in enumerate(sections):
        start = section_lines[n] + (0 if sec.level == 0 else 1)
        end = section_lines[n + 1] if n + 1 < len(sections) else len(lines)
        sec.text = "\n".join(lines[start:end]).strip("\n")


def promote_inline_commands(entries: list[_Entry | _Item]) -> None:
    """A checklist item whose only multi-word code span starts with a program this runbook
    runs in its shell blocks (``blocks flow retry {{ task_id }}``) runs that command."""
    vocab = {blocks.first_word(e.command) for e in entries
             if isinstance(e, _Entry) and e.kind == "shell" and e.command}
    vocab.discard("")
    for e in entries:
        if not isinstance(e, _Entry) or e.kind != "manual" or not e.maybe_command:
            continue
        cmd = e.maybe_command
        if blocks.first_word(cmd) not in vocab or blocks.looks_like_output(cmd):
            continue
        made = inline_entry(cmd, e.item_plain, e.line, e.depth, e.section)
        e.kind, e.command, e.lang, e.label = "shell", cmd, "inline", made.label


def build_steps(entries: list[_Entry | _Item], rb: Runbook, declared: list[str], *, toml: bool,
                unclosed_fences: set[int], report: Report) -> None:
    """Number the entries into steps of their sections: fence attributes read (and reported when
    wrong), each command classified with the declared parameters neutralised, unique ids given."""
    used_ids: set[str] = set()
    next_suffix: dict[str, int] = {}
    names: dict[str, int] = {}  # name= -> the fence that gave it
    per_fence: dict[int, int] = {}
    for entry in entries:
        if isinstance(entry, _Entry) and entry.fence_line:
            per_fence[entry.fence_line] = per_fence.get(entry.fence_line, 0) + 1
    fence_attrs = {e.fence_line: e.attrs for e in reversed(entries)
                   if isinstance(e, _Entry) and e.fence_line}
    for line, count in per_fence.items():
        attrs = fence_attrs[line]
        shared = [k for k in ("name", "expect", "verify", "label") if k in attrs]
        if count > 1 and shared:
            report(line, "warning", f"fence attributes {', '.join(shared)} apply to "
                   f"each of the {count} steps of this block; give each command its "
                   "own block")
    number = 0
    for entry in entries:
        if not isinstance(entry, _Entry):
            continue
        number += 1
        step = Step(number=number, id="", kind=entry.kind, label=entry.label or "",  # type: ignore[arg-type]
                    section=entry.section.title, line=entry.line, command=entry.command,
                    expect=entry.expect, text=entry.text, depth=entry.depth,
                    attrs=dict(entry.attrs), example_output=entry.example_output,
                    lang=entry.lang, checked=entry.checked, phase=entry.section.phase)
        a = entry.attrs
        step.check = a.get("expect") or checkable(step.expect)
        if a.get("expect"):
            step.expect = step.expect or a["expect"]
        if a.get("verify"):
            step.verify = a["verify"]
        if a.get("timeout"):
            try:
                step.timeout = parse_duration(a["timeout"])
            except ValueError as exc:
                report(entry.fence_line or entry.line, "error",
                       f"fence attribute timeout: {exc}")
        if step.command is not None:
            if entry.kind == "k8s":
                try:
                    k8s.parse_action(step.command, allow_placeholders=True)
                except k8s.K8sSyntaxError as exc:
                    report(entry.line, "error", f"native k8s step: {exc}")
            cls = blocks.classification(_neutralised(step.command, declared, entry.kind),
                                        entry.kind)
            step.mutating, step.reason = cls.mutating, cls.reason
            override = a.get("mutating")
            if override is not None and entry.kind == "shell":
                val = fence.parse_bool(override)
                if val is None:
                    report(entry.fence_line or entry.line, "error",
                           f"fence attribute mutating must be true or false, "
                           f"got {override!r}")
                elif val != step.mutating:
                    step.mutating = val
                    step.reason = ("the runbook marks this step as mutating" if val else
                                   "the runbook marks this step as read-only")
            step.params = params.param_keys(step.command, declared, entry.kind)
            if entry.kind == "shell":
                step.sets_vars = shellvars.assigned(step.command)
                step.uses_vars = shellvars.used(step.command)
        else:
            step.reason = "a manual step: nothing is run"
        def flag(key: str) -> bool | None:
            """A true/false fence attribute; None when absent or not a boolean (reported at the fence)."""
            raw = a.get(key)
            val = fence.parse_bool(raw) if raw is not None else None
            if raw is not None and val is None:
                report(entry.fence_line or entry.line, "error",
                       f"fence attribute {key} must be true or false, got {raw!r}")
            return val

        confirm, approval, mitigates = flag("confirm"), flag("approval"), flag("mitigates")
        step.confirm = bool(confirm) or step.mutating
        if "approval" in a:
            step.approval = bool(approval) and step.command is not None
        step.mitigates = mitigates is not False
        base = _slug(a.get("name", "")) if a.get("name") else _slug(step.label)
        if a.get("name"):
            first = names.setdefault(a["name"], entry.fence_line)
            if first != entry.fence_line:
                report(entry.fence_line or entry.line, "warning",
                       f"step name {a['name']!r} is already used by the block on "
                       f"line {first}")
        if not base or base.isdigit():
            base = f"step-{number}" if not base else f"step-{base}"
        sid = base
        n = next_suffix.get(base, 2)
        while sid in used_ids:
            sid = f"{base}-{n}"
            n += 1
        next_suffix[base] = n
        used_ids.add(sid)
        step.id = sid
        if entry.label_from_command and toml \
                and entry.fence_line not in unclosed_fences:
            report(entry.line, "warning", f"step {number} has no label (add a "
                   "comment line above the command)")
        entry.section.steps.append(step)


def check_params(rb: Runbook, fm: FrontMatter, report: Report) -> None:
    """Parameters used but not declared (when the front matter declares them) and declared but unused."""
    strict = fm.kind == "toml" or (isinstance(fm.data, dict) and "params" in fm.data)
    used: set[str] = set()
    for step in rb.steps:
        if step.command is None:
            continue
        for ref in params.find_params(step.command, [k for k, p in rb.params.items()
                                                     if p.declared], step.kind):
            used.add(ref.key)
            if ref.key not in rb.params:
                rb.params[ref.key] = Param(name=ref.name, declared=False)
                if strict:
                    report(step.line, "warning",
                           f"parameter {ref.text} is not declared in the front matter "
                           f"(add [params.{ref.key}])")
    if strict:
        for key, p in rb.params.items():
            if p.declared and key not in used:
                report(fm.line_of(f"params.{p.name}"), "warning",
                       f"parameter {p.name!r} is declared but no step uses it")
    for step in rb.steps:
        for name, why in never_empty(rb, step):
            report(step.line, "warning", f"step {step.number}: parameter {name!r} is declared required = false,"
                   f" but this step can never run it empty: {why}")


def never_empty(rb: Runbook, step: Step) -> list[tuple[str, str]]:
    """The optional parameters (``required = false``) a step refuses when left empty, and why: the
    run would say so only when someone leaves one empty mid-incident, so lint says it first."""
    if step.command is None or not any(p.optional for p in rb.params.values()):
        return []
    declared = [k for k, p in rb.params.items() if p.declared]
    refs = params.find_params(step.command, declared, step.kind)
    keys = list(dict.fromkeys(r.key for r in refs))
    out = []
    for key in keys:
        p = rb.params.get(key)
        if p is None or not p.optional:
            continue
        values = {k: ("" if k == key else "1") for k in keys}     # "1" goes wherever a value may
        try:
            params.substitute(step.command, values, declared=declared, kind=step.kind)
        except params.ParamError as exc:
            written = {p.name} | {r.name for r in refs if r.key == key}
            if any(f"'{n}'" in str(exc) for n in written):         # refused for this one, not another
                out.append((p.name, str(exc)))
            continue
        if step.mutating and params.empty_inside_word(step.command, values, declared=declared, kind=step.kind):
            out.append((p.name, "it sits inside a word of a step that changes things, which empty would widen"))
    return out
