"""From what the token walk collected to a finished :class:`Runbook`: metadata, steps, parameter checks.

This half runs once, after the walk, and sees the whole document; that is what lets it number
steps, classify each final command with the declared parameters neutralised, and report
parameters declared but never used. It is a mixin of the builder because it reads the walk's
state (entries, sections, findings) directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warroom.durations import parse_duration
from warroom.runbook import blocks, fence, k8s, meta, params, shellvars
from warroom.runbook.drafts import _Entry, _Item
from warroom.runbook.frontmatter import FrontMatter
from warroom.runbook.inline import _neutralised, _slug, checkable
from warroom.runbook.model import Finding, Param, Runbook, Section, Step


class _Assembly:
    """The end of :class:`warroom.runbook.builder._Builder`: it supplies every attribute used here."""

    path: Path | None
    fm: FrontMatter
    findings: list[Finding]
    sections: list[Section]
    section_lines: list[int]
    lines: list[str]
    block_stats: list[dict[str, Any]]
    entries: list[_Entry | _Item]
    first_h1: str | None
    first_heading: str | None

    def finish(self) -> Runbook:
        fm = self.fm
        data = fm.data if isinstance(fm.data, dict) else {}
        stem = self.path.stem if self.path else None
        rb = Runbook(id="", title="", path=self.path, front_matter=fm.kind,
                     declared_keys=[str(k) for k in data])
        if fm.kind == "toml":
            meta.read_toml_meta(self.fm, data, rb, self.finding)
        elif fm.kind == "yaml":
            title = data.get("title")
            if isinstance(title, str) and title.strip():
                rb.title = title.strip()
            rb.meta = {k: meta.jsonable(v) for k, v in data.items() if k != "title"}
        if not rb.title:
            rb.title = self.first_h1 or self.first_heading or stem or "untitled"
        if not rb.id:
            rb.id = stem or _slug(rb.title) or "untitled"
        for sec in self.sections:
            if sec.level == 0 and not sec.title:
                sec.title = rb.title
        self.section_texts()
        rb.sections = self.sections
        declared = [k for k, p in rb.params.items() if p.declared]
        # A checklist item with several commands left a list in its slot.
        flat: list[_Entry | _Item] = []
        for e in self.entries:
            if isinstance(e, list):
                flat.extend(e)
            elif e is not None:
                flat.append(e)
        self.entries = flat
        self.promote_inline_commands()
        self.build_steps(rb, declared)
        self.check_params(rb, fm)
        rb.findings = sorted(self.findings, key=lambda f: f.line)
        rb.code_blocks = self.block_stats
        return rb

    def section_texts(self) -> None:
        for n, sec in enumerate(self.sections):
            start = self.section_lines[n] + (0 if sec.level == 0 else 1)
            end = self.section_lines[n + 1] if n + 1 < len(self.sections) else len(self.lines)
            sec.text = "\n".join(self.lines[start:end]).strip("\n")

    def build_steps(self, rb: Runbook, declared: list[str]) -> None:
        used_ids: set[str] = set()
        next_suffix: dict[str, int] = {}
        names: dict[str, int] = {}  # name= -> the fence that gave it
        per_fence: dict[int, int] = {}
        for entry in self.entries:
            if isinstance(entry, _Entry) and entry.fence_line:
                per_fence[entry.fence_line] = per_fence.get(entry.fence_line, 0) + 1
        fence_attrs = {e.fence_line: e.attrs for e in reversed(self.entries)
                       if isinstance(e, _Entry) and e.fence_line}
        for line, count in per_fence.items():
            attrs = fence_attrs[line]
            shared = [k for k in ("name", "expect", "verify", "label") if k in attrs]
            if count > 1 and shared:
                self.finding(line, "warning", f"fence attributes {', '.join(shared)} apply to "
                             f"each of the {count} steps of this block; give each command its "
                             "own block")
        number = 0
        for entry in self.entries:
            if not isinstance(entry, _Entry):
                continue
            number += 1
            step = Step(number=number, id="", kind=entry.kind, label=entry.label or "",  # type: ignore[arg-type]
                        section=entry.section.title, line=entry.line, command=entry.command,
                        expect=entry.expect, text=entry.text, depth=entry.depth,
                        attrs=dict(entry.attrs), example_output=entry.example_output,
                        lang=entry.lang, checked=entry.checked)
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
                    self.finding(entry.fence_line or entry.line, "error",
                                 f"fence attribute timeout: {exc}")
            if step.command is not None:
                if entry.kind == "k8s":
                    try:
                        k8s.parse_action(step.command, allow_placeholders=True)
                    except k8s.K8sSyntaxError as exc:
                        self.finding(entry.line, "error", f"native k8s step: {exc}")
                cls = blocks.classification(_neutralised(step.command, declared, entry.kind),
                                            entry.kind)
                step.mutating, step.reason = cls.mutating, cls.reason
                override = a.get("mutating")
                if override is not None and entry.kind == "shell":
                    val = fence.parse_bool(override)
                    if val is None:
                        self.finding(entry.fence_line or entry.line, "error",
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
            conf = a.get("confirm")
            if conf is not None:
                val = fence.parse_bool(conf)
                if val is None:
                    self.finding(entry.fence_line or entry.line, "error",
                                 f"fence attribute confirm must be true or false, got {conf!r}")
                step.confirm = bool(val) or step.mutating
            else:
                step.confirm = step.mutating
            appr = a.get("approval")
            if appr is not None:
                val = fence.parse_bool(appr)
                if val is None:
                    self.finding(entry.fence_line or entry.line, "error",
                                 f"fence attribute approval must be true or false, got {appr!r}")
                step.approval = bool(val) and step.command is not None
            base = _slug(a.get("name", "")) if a.get("name") else _slug(step.label)
            if a.get("name"):
                first = names.setdefault(a["name"], entry.fence_line)
                if first != entry.fence_line:
                    self.finding(entry.fence_line or entry.line, "warning",
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
            if entry.label_from_command and self.fm.kind == "toml" \
                    and entry.fence_line not in self.unclosed_fences:
                self.finding(entry.line, "warning", f"step {number} has no label (add a "
                             "comment line above the command)")
            entry.section.steps.append(step)

    def check_params(self, rb: Runbook, fm: FrontMatter) -> None:
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
                        self.finding(step.line, "warning",
                                     f"parameter {ref.text} is not declared in the front matter "
                                     f"(add [params.{ref.key}])")
        if strict:
            for key, p in rb.params.items():
                if p.declared and key not in used:
                    self.finding(fm.line_of(f"params.{p.name}"), "warning",
                                 f"parameter {p.name!r} is declared but no step uses it")
